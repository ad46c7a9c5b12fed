// The farm's work queue: pg-boss 10 in its own schema of the store's database. A queue entry
// says only "run job N" (attempt k); the store's jobs row stays the truth about the job, so an
// entry for a job that was canceled, or that another worker already holds, is a no-op.
//
// Why pg-boss 10: it fetches with SELECT ... FOR UPDATE SKIP LOCKED, keeps its tables to itself,
// needs nothing but `pg`, and 10.x is the last major that runs on Node 20 (pg-boss 11+ and
// graphile-worker 0.18 need Node >= 22). graphile-worker would also want its own LISTEN
// connection per worker and task files; pg-boss is a library we call from our own process.
import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Logger } from '../core/log.js';

export const SCAN_QUEUE = 'wsc-scan';
/**
 * Attempts after the first (takeovers) have a queue of their own, served by a slot each worker
 * keeps for them: a job taken from a dead worker does not wait behind the pending jobs, nor for a
 * busy farm to free a slot.
 */
export const TAKEOVER_QUEUE = 'wsc-takeover';

export function queueOf(attempt: number): string {
  return attempt === 0 ? SCAN_QUEUE : TAKEOVER_QUEUE;
}

export interface ScanMessage {
  jobId: number;
  attempt: number;
}

export interface QueueOptions {
  databaseUrl: string;
  /** pg-boss's schema (created if needed). */
  schema: string;
  log: Logger;
  /** How often an idle worker asks for work, seconds (pg-boss's minimum is 0.5). */
  pollingIntervalSeconds?: number;
  /** Connections pg-boss may open. */
  poolMax?: number;
  /** Only the workers run pg-boss's maintenance (expiry, archiving). */
  supervise: boolean;
}

/**
 * Queue entry ids are derived from (schema, job, attempt), so sending the same attempt twice
 * (two API nodes, a retry after a lost answer) inserts one entry: pg-boss inserts with ON
 * CONFLICT DO NOTHING on the id.
 */
export function entryId(schema: string, jobId: number, attempt: number): string {
  const h = createHash('sha256').update(`wsc:${schema}:${jobId}:${attempt}`).digest('hex');
  // shaped as a version-5-style UUID (pg-boss's id column is uuid)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export class ScanQueue {
  readonly boss: PgBoss;
  private constructor(
    boss: PgBoss,
    readonly schema: string,
  ) {
    this.boss = boss;
  }

  static async open(o: QueueOptions): Promise<ScanQueue> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(o.schema)) throw new Error(`queue schema "${o.schema}" must be a lower-case identifier`);
    const boss = new PgBoss({
      connectionString: o.databaseUrl,
      schema: o.schema,
      max: o.poolMax ?? 4,
      supervise: o.supervise,
      schedule: false,
      // a job's liveness is its heartbeat in the store, not the entry's age: an entry may stay
      // active as long as a scan may last (maxDurationMs is 4 h by default; pg-boss caps it < 24 h)
      expireInHours: 23,
      // a handler fails only when the database did (the claim, a takeover record): try again, since
      // the entry's id cannot be queued anew while the failed entry exists
      retryLimit: 3,
      retryDelay: 2,
      ...(o.pollingIntervalSeconds !== undefined ? { pollingIntervalSeconds: o.pollingIntervalSeconds } : {}),
    });
    boss.on('error', (err: unknown) => o.log.warn({ err }, 'queue error'));
    await boss.start();
    for (const name of [SCAN_QUEUE, TAKEOVER_QUEUE]) await boss.createQueue(name, { name, policy: 'standard', retryLimit: 3, retryDelay: 2, expireInHours: 23 });
    return new ScanQueue(boss, o.schema);
  }

  /** Queues attempt `attempt` of a job; false when that attempt was queued before. */
  async send(jobId: number, attempt: number): Promise<boolean> {
    const msg: ScanMessage = { jobId, attempt };
    const id = await this.boss.send(queueOf(attempt), msg, { id: entryId(this.schema, jobId, attempt) });
    return id !== null;
  }

  /** Marks an attempt's entry failed (its worker died; a newer attempt replaces it). */
  async abandon(jobId: number, attempt: number): Promise<void> {
    await this.boss.fail(queueOf(attempt), entryId(this.schema, jobId, attempt), { reason: 'worker stopped beating; job taken over' });
  }

  /** Entries waiting for a worker (new jobs and takeovers). */
  async depth(): Promise<number> {
    return (await this.boss.getQueueSize(SCAN_QUEUE)) + (await this.boss.getQueueSize(TAKEOVER_QUEUE));
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, timeout: 5000 });
  }
}
