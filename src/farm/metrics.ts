// Prometheus text exposition (format 0.0.4) for every role: counters kept in the process, gauges
// read when scraped (jobs by status from the store, queue depth from pg-boss).
import { createServer, type Server } from 'node:http';
import type { Logger } from '../core/log.js';
import { STATUS_TEXT, type JobStatus } from '../core/status.js';
import type { Store } from '../jobs/store.js';

type Labels = Record<string, string>;

interface Family {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, number>;
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Events per second over the last `windowS` seconds, from per-second buckets. */
class Rate {
  private readonly buckets: number[];
  private readonly stamps: number[];
  constructor(private readonly windowS = 10) {
    this.buckets = new Array<number>(windowS).fill(0);
    this.stamps = new Array<number>(windowS).fill(0);
  }
  add(n: number, now = Date.now()): void {
    const s = Math.floor(now / 1000);
    const i = s % this.windowS;
    if (this.stamps[i] !== s) {
      this.stamps[i] = s;
      this.buckets[i] = 0;
    }
    this.buckets[i] = (this.buckets[i] ?? 0) + n;
  }
  perSecond(now = Date.now()): number {
    const s = Math.floor(now / 1000);
    let sum = 0;
    // the current second is partial: the window is the windowS - 1 whole seconds before it plus it
    for (let i = 0; i < this.windowS; i++) if (s - (this.stamps[i] ?? 0) < this.windowS) sum += this.buckets[i] ?? 0;
    return sum / this.windowS;
  }
}

export interface MetricsSources {
  store: Store;
  /** Entries waiting in the queue (farm roles only). */
  queueDepth?: () => Promise<number>;
  /** Extra gauges read at scrape time (running jobs of a worker...). */
  gauges?: () => Record<string, { help: string; value: number }>;
}

export class Metrics {
  private readonly families = new Map<string, Family>();
  private readonly rates = new Map<string, Rate>();

  constructor(
    readonly role: 'serve' | 'api' | 'worker',
    private readonly sources: MetricsSources,
  ) {}

  inc(name: string, help: string, labels: Labels = {}, n = 1): void {
    let f = this.families.get(name);
    if (!f) {
      f = { help, type: 'counter', values: new Map() };
      this.families.set(name, f);
    }
    const key = labelText(labels);
    f.values.set(key, (f.values.get(key) ?? 0) + n);
  }

  /** A counter whose per-second rate over the last 10 s is also exposed, as `<name>_per_second`. */
  incRate(name: string, help: string, n = 1): void {
    this.inc(`${name}_total`, help, {}, n);
    let r = this.rates.get(name);
    if (!r) {
      r = new Rate();
      this.rates.set(name, r);
    }
    r.add(n);
  }

  async render(): Promise<string> {
    const lines: string[] = [];
    const gauge = (name: string, help: string, samples: [Labels, number][]): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const [l, v] of samples) lines.push(`${name}${labelText(l)} ${v}`);
    };
    const counts = await countJobsByStatus(this.sources.store);
    gauge(
      'wsc_jobs',
      'Jobs in the store by status (all accounts).',
      (Object.keys(STATUS_TEXT).map(Number) as JobStatus[]).map((s) => [{ status: String(s), text: STATUS_TEXT[s] }, counts.get(s) ?? 0]),
    );
    if (this.sources.queueDepth) gauge('wsc_queue_depth', 'Queue entries waiting for a worker.', [[{}, await this.sources.queueDepth()]]);
    for (const [name, g] of Object.entries(this.sources.gauges?.() ?? {})) gauge(name, g.help, [[{}, g.value]]);
    for (const [name, r] of this.rates) {
      gauge(`${name}_per_second`, `Rate of ${name} over the last 10 s.`, [[{}, Math.round(r.perSecond() * 100) / 100]]);
    }
    for (const [name, f] of this.families) {
      lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const [l, v] of f.values) lines.push(`${name}${l} ${v}`);
    }
    lines.push(`# HELP wsc_role_info The role of this process.`, `# TYPE wsc_role_info gauge`, `wsc_role_info{role="${this.role}"} 1`);
    return lines.join('\n') + '\n';
  }
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

async function countJobsByStatus(store: Store): Promise<Map<number, number>> {
  const db = (store as Partial<{ db: import('kysely').Kysely<import('../jobs/store-kysely.js').Database> }>).db;
  if (!db) return new Map();
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => ['status', eb.fn.countAll().as('n')])
    .groupBy('status')
    .execute();
  return new Map(rows.map((r) => [Number(r.status), Number(r.n)]));
}

/** A listener serving only GET /metrics (workers have no API to hang it on). */
export async function serveMetrics(metrics: Metrics, listen: { host: string; port: number }, log: Logger): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: this listener serves GET /metrics only\n');
      return;
    }
    metrics
      .render()
      .then((text) => res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(text))
      .catch((err: unknown) => {
        log.warn({ err }, 'metrics could not be read');
        res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable: the database did not answer\n');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : listen.port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return { url: `http://${host}:${port}/metrics`, server };
}
