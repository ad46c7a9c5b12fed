// GET /metrics on the API's listener (serve and API node), outside the signed /api/v1 space. With
// WSC_METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`.
import type { buildApp } from '../api/app.js';
import { safeEqual } from '../core/crypto.js';
import { PROMETHEUS_CONTENT_TYPE, type Metrics } from './metrics.js';

export function mountMetrics(app: Awaited<ReturnType<typeof buildApp>>, metrics: Metrics, token: string | null): void {
  app.addHook('onResponse', async (req, reply) => {
    if (req.url === '/metrics') return;
    metrics.incRate('wsc_api_requests', 'API and console requests answered.');
    if (reply.statusCode >= 500) metrics.inc('wsc_api_errors_total', 'API answers with a 5xx status.');
    else if (reply.statusCode >= 400) metrics.inc('wsc_api_refused_total', 'API answers with a 4xx status, by status.', { status: String(reply.statusCode) });
  });
  app.get('/metrics', async (req, reply) => {
    if (token !== null) {
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!safeEqual(given, token)) {
        return reply.code(401).header('content-type', 'text/plain; charset=utf-8').send('metrics need Authorization: Bearer <WSC_METRICS_TOKEN>\n');
      }
    }
    const text = await metrics.render();
    return reply.code(200).header('content-type', PROMETHEUS_CONTENT_TYPE).send(text);
  });
}
