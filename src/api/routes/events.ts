// Job events over Server-Sent Events (our extension): GET /api/v1/jobs/{instanceId}/events, signed
// like every call. The stream reads the store, not the runner's memory, so it works whichever
// process runs the job (several servers on one PostgreSQL): every WSC_EVENTS_POLL_MS it sends a
// `status` event when status, counts or progress changed, a `finding` event per new finding (its
// `id:` is the finding's index, so a reconnect with Last-Event-ID resumes after it), and `end` when
// the job reached a final status. Streams per account and stream lifetime are capped.
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import { FINAL_STATUSES, STATUS_TEXT } from '../../core/status.js';
import type { JobRow } from '../../jobs/store.js';
import { redactFinding } from '../../report/json.js';
import type { AppDeps } from '../app.js';
import { apiCallFail, rateLimited } from '../errors.js';
import { parseInstanceId } from './jobs.js';

const HEARTBEAT_MS = 15_000;

function statusEvent(job: JobRow): Record<string, unknown> {
  return {
    instanceNo: String(job.id),
    status: job.status,
    status_text: STATUS_TEXT[job.status],
    crawl_cnt: job.crawlCount,
    scan_cnt: job.scanCount,
    progress: job.progress,
    result_desc: job.resultDesc,
  };
}

function write(raw: ServerResponse, event: string, data: unknown, id?: number): void {
  // JSON.stringify never emits a raw line break, so one data: line is always one event field
  raw.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export async function eventRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { store, config } = deps;
  const open = new Map<number, number>();
  const streams = new Set<() => void>();
  // Streams never end on their own before their job does: close them first, or close would wait.
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  app.get('/jobs/:instanceId/events', async (req, reply) => {
    const id = parseInstanceId((req.params as { instanceId: string }).instanceId);
    const accountId = req.principal.accountId;
    const first = await store.getJob(id, accountId);
    if (!first) throw apiCallFail();
    const count = open.get(accountId) ?? 0;
    if (config.eventsMaxStreams > 0 && count >= config.eventsMaxStreams) {
      throw rateLimited(`At most ${config.eventsMaxStreams} event streams may be open per account (WSC_EVENTS_MAX_STREAMS); close one first.`);
    }
    const lastEventId = Number(req.headers['last-event-id'] ?? (req.query as Record<string, unknown> | undefined)?.since ?? -1);
    let sent = Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId + 1 : 0;
    open.set(accountId, count + 1);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    // the client's EventSource reconnects after this many ms when the stream drops
    raw.write(`retry: ${Math.max(1000, config.eventsPollMs * 2)}\n\n`);
    let closed = false;
    let lastStatus = '';
    let lastBeat = Date.now();
    let timer: NodeJS.Timeout | null = null;
    const started = Date.now();
    const end = (reason?: string): void => {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      streams.delete(end);
      const left = (open.get(accountId) ?? 1) - 1;
      if (left <= 0) open.delete(accountId);
      else open.set(accountId, left);
      if (reason !== undefined && !raw.destroyed) write(raw, 'end', { instanceNo: String(id), reason });
      raw.end();
    };
    streams.add(() => end('server shutting down'));
    raw.on('close', () => end());
    const tick = async (): Promise<void> => {
      timer = null;
      if (closed) return;
      const job = await store.getJob(id, accountId);
      if (!job) return end('job no longer exists');
      const status = statusEvent(job);
      const key = JSON.stringify(status);
      if (key !== lastStatus) {
        lastStatus = key;
        write(raw, 'status', status);
      }
      const n = await store.countFindings(id);
      if (n > sent) {
        const all = await store.listFindings(id);
        for (let i = sent; i < all.length; i++) write(raw, 'finding', redactFinding(all[i]!, job.settings.headers), i);
        sent = all.length;
      }
      if (FINAL_STATUSES.includes(job.status)) return end(STATUS_TEXT[job.status]);
      if (config.eventsMaxMs > 0 && Date.now() - started >= config.eventsMaxMs) return end('stream lifetime reached (WSC_EVENTS_MAX_MS); reconnect to continue');
      if (Date.now() - lastBeat >= HEARTBEAT_MS) {
        // a comment line: keeps proxies from timing the idle stream out
        raw.write(': ping\n\n');
        lastBeat = Date.now();
      }
      timer = setTimeout(run, config.eventsPollMs);
    };
    const run = (): void => {
      tick().catch((err: unknown) => {
        req.log.error({ err, jobId: id }, 'event stream failed');
        end('the server could not read the job; reconnect');
      });
    };
    run();
  });
}
