// The farm's own rows, beside the store's tables in the same PostgreSQL schema: live workers,
// each job's checkpoint (its finished crawl, the scan units done, which attempt holds it) and
// the takeovers that happened. The store's jobs row stays the one truth about a job's status;
// who holds a running job is its runner_id, kept alive by heartbeat_at (see src/jobs/runner.ts).
import { sql, type Kysely } from 'kysely';
import { STATUS, type JobStatus } from '../core/status.js';
import type { Database } from '../jobs/store-kysely.js';
import type { JobRow, Store } from '../jobs/store.js';

export const RUNNING_STATUSES: readonly JobStatus[] = [STATUS.CRAWL_RUNNING, STATUS.CRAWL_DONE, STATUS.DIAG_PENDING, STATUS.DIAG_RUNNING];

export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  version: string;
  role: 'worker' | 'api';
  startedAt: number;
  heartbeatAt: number;
  jobs: number[];
  draining: boolean;
  metricsUrl: string | null;
}

export interface TakeoverRow {
  jobId: number;
  fromRunner: string | null;
  toRunner: string;
  /** The dead runner's last heartbeat. */
  lastHeartbeatAt: number | null;
  takenAt: number;
  attempt: number;
}

type Db = Kysely<Database>;

/** Idempotent; every process of a farm runs it on start (after the store's migrations). */
export async function ensureFarmTables(db: Db): Promise<void> {
  // One statement at a time: concurrent starts racing on CREATE ... IF NOT EXISTS can still
  // collide on the catalog, so the whole set runs under one advisory lock.
  await db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(hashtext(current_schema() || '.wsc_farm'))`.execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS farm_workers (
        id text PRIMARY KEY, host text NOT NULL, pid integer NOT NULL, version text NOT NULL,
        role text NOT NULL, started_at bigint NOT NULL, heartbeat_at bigint NOT NULL,
        jobs text NOT NULL DEFAULT '[]', draining boolean NOT NULL DEFAULT false, metrics_url text)`.execute(conn);
      await sql`CREATE TABLE IF NOT EXISTS farm_jobs (
        job_id bigint PRIMARY KEY, attempt integer NOT NULL DEFAULT 0, crawl text, updated_at bigint NOT NULL,
        released_from text, released_heartbeat_at bigint)`.execute(conn);
      await sql`CREATE TABLE IF NOT EXISTS farm_units (
        job_id bigint NOT NULL, unit text NOT NULL, done_at bigint NOT NULL, runner_id text NOT NULL,
        PRIMARY KEY (job_id, unit))`.execute(conn);
      // a split job's units (src/farm/checkpoint.ts) and its shared Speed (src/farm/limiter.ts)
      await sql`CREATE TABLE IF NOT EXISTS farm_job_units (
        job_id bigint NOT NULL, unit text NOT NULL, seq integer NOT NULL, holder text, lease_until bigint,
        done_at bigint, done_by text, requests integer NOT NULL DEFAULT 0, PRIMARY KEY (job_id, unit))`.execute(conn);
      // pages of a crawl still running, saved as it goes (src/engine/engine.ts crawlProgress)
      await sql`CREATE TABLE IF NOT EXISTS farm_crawl_pages (
        job_id bigint NOT NULL, seq bigserial, page text NOT NULL, PRIMARY KEY (job_id, seq))`.execute(conn);
      await sql`CREATE TABLE IF NOT EXISTS farm_pace (job_id bigint PRIMARY KEY, next_at double precision NOT NULL)`.execute(conn);
      await sql`CREATE TABLE IF NOT EXISTS farm_budget (job_id bigint PRIMARY KEY, spent bigint NOT NULL)`.execute(conn);
      await sql`CREATE TABLE IF NOT EXISTS farm_slots (
        job_id bigint NOT NULL, holder text NOT NULL, slots integer NOT NULL, want integer NOT NULL, lease_until bigint NOT NULL,
        PRIMARY KEY (job_id, holder))`.execute(conn);
      await sql`ALTER TABLE farm_jobs ADD COLUMN IF NOT EXISTS helper_requests bigint NOT NULL DEFAULT 0`.execute(conn);
      await sql`CREATE TABLE IF NOT EXISTS farm_takeovers (
        id bigserial PRIMARY KEY, job_id bigint NOT NULL, from_runner text, to_runner text NOT NULL,
        last_heartbeat_at bigint, taken_at bigint NOT NULL, attempt integer NOT NULL)`.execute(conn);
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(current_schema() || '.wsc_farm'))`.execute(conn);
    }
  });
}

export async function upsertWorker(db: Db, w: WorkerRow): Promise<void> {
  await sql`INSERT INTO farm_workers (id, host, pid, version, role, started_at, heartbeat_at, jobs, draining, metrics_url)
    VALUES (${w.id}, ${w.host}, ${w.pid}, ${w.version}, ${w.role}, ${w.startedAt}, ${w.heartbeatAt}, ${JSON.stringify(w.jobs)}, ${w.draining}, ${w.metricsUrl})
    ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, jobs = EXCLUDED.jobs, draining = EXCLUDED.draining,
      metrics_url = EXCLUDED.metrics_url`.execute(db);
}

export async function removeWorker(db: Db, id: string): Promise<void> {
  await sql`DELETE FROM farm_workers WHERE id = ${id}`.execute(db);
}

/** Workers whose heartbeat is newer than `since`, oldest start first. */
export async function listWorkers(db: Db, since: number): Promise<WorkerRow[]> {
  const r = await sql<Record<string, unknown>>`SELECT * FROM farm_workers WHERE heartbeat_at >= ${since} ORDER BY started_at, id`.execute(db);
  return r.rows.map((row) => ({
    id: String(row.id),
    host: String(row.host),
    pid: Number(row.pid),
    version: String(row.version),
    role: row.role === 'api' ? 'api' : 'worker',
    startedAt: Number(row.started_at),
    heartbeatAt: Number(row.heartbeat_at),
    jobs: parseIds(row.jobs),
    draining: row.draining === true,
    metricsUrl: row.metrics_url === null ? null : String(row.metrics_url),
  }));
}

/** Rows of workers silent for longer than `olderThan` ms are dropped (they stay visible until then). */
export async function pruneWorkers(db: Db, before: number): Promise<void> {
  await sql`DELETE FROM farm_workers WHERE heartbeat_at < ${before}`.execute(db);
}

function parseIds(v: unknown): number[] {
  try {
    const a: unknown = JSON.parse(String(v));
    return Array.isArray(a) ? a.filter((x): x is number => typeof x === 'number') : [];
  } catch {
    // a row written by hand or cut short: it lists no jobs rather than failing the listing
    return [];
  }
}

/** The attempt number of a job's current queue entry (0 until its first takeover) and who held it last. */
export async function currentAttempt(db: Db, jobId: number): Promise<{ attempt: number; releasedFrom: string | null; releasedHeartbeatAt: number | null }> {
  const r = await sql<Record<string, unknown>>`SELECT attempt, released_from, released_heartbeat_at FROM farm_jobs WHERE job_id = ${jobId}`.execute(db);
  const row = r.rows[0];
  if (!row) return { attempt: 0, releasedFrom: null, releasedHeartbeatAt: null };
  return {
    attempt: Number(row.attempt),
    releasedFrom: row.released_from === null ? null : String(row.released_from),
    releasedHeartbeatAt: row.released_heartbeat_at === null ? null : Number(row.released_heartbeat_at),
  };
}

/**
 * Claims a job for `runnerId`: a pending one (12 -> 13), or a running one whose holder was
 * released as dead (runner_id NULL). One guarded UPDATE each, so two workers never both win.
 */
export async function claimJob(store: Store & { db: Db }, jobId: number, runnerId: string, now: number, skewMs = 0): Promise<JobRow | null> {
  // reservations are queued only once due (API node's clock); a worker clock a little behind must
  // not refuse them, since a refused queue entry is spent
  if (await store.startPending(jobId, now + skewMs, { runnerId, startedAt: now, heartbeatAt: now, crawlCount: 0 })) {
    return (await store.getJob(jobId)) ?? null;
  }
  const r = await store.db
    .updateTable('jobs')
    .set({ runner_id: runnerId, heartbeat_at: now })
    .where('id', '=', jobId)
    .where('status', 'in', RUNNING_STATUSES)
    .where('runner_id', 'is', null)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return null;
  return (await store.getJob(jobId)) ?? null;
}

/**
 * Takes a running job away from a runner that stopped beating (or that hands it over while
 * draining): its runner_id is cleared and its attempt counted up, in one transaction guarded by
 * the holder and heartbeat it was seen with. Returns the new attempt, or null when another
 * process released it first or its holder came back.
 */
export async function releaseJob(db: Db, job: Pick<JobRow, 'id' | 'runnerId' | 'heartbeatAt'>, now: number): Promise<number | null> {
  return db.transaction().execute(async (tx) => {
    let q = tx.updateTable('jobs').set({ runner_id: null, heartbeat_at: now }).where('id', '=', job.id).where('status', 'in', RUNNING_STATUSES);
    q = job.runnerId === null ? q.where('runner_id', 'is', null) : q.where('runner_id', '=', job.runnerId);
    q = job.heartbeatAt === null ? q.where('heartbeat_at', 'is', null) : q.where('heartbeat_at', '=', job.heartbeatAt);
    const r = await q.executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return null;
    const a = await sql<{ attempt: number }>`INSERT INTO farm_jobs (job_id, attempt, updated_at, released_from, released_heartbeat_at)
      VALUES (${job.id}, 1, ${now}, ${job.runnerId}, ${job.heartbeatAt})
      ON CONFLICT (job_id) DO UPDATE SET attempt = farm_jobs.attempt + 1, updated_at = EXCLUDED.updated_at,
        released_from = COALESCE(EXCLUDED.released_from, farm_jobs.released_from),
        released_heartbeat_at = COALESCE(EXCLUDED.released_heartbeat_at, farm_jobs.released_heartbeat_at)
      RETURNING attempt`.execute(tx);
    return Number(a.rows[0]?.attempt ?? 1);
  });
}

export async function recordTakeover(db: Db, t: TakeoverRow): Promise<void> {
  await sql`INSERT INTO farm_takeovers (job_id, from_runner, to_runner, last_heartbeat_at, taken_at, attempt)
    VALUES (${t.jobId}, ${t.fromRunner}, ${t.toRunner}, ${t.lastHeartbeatAt}, ${t.takenAt}, ${t.attempt})`.execute(db);
}

export async function listTakeovers(db: Db): Promise<TakeoverRow[]> {
  const r = await sql<Record<string, unknown>>`SELECT * FROM farm_takeovers ORDER BY id`.execute(db);
  return r.rows.map((row) => ({
    jobId: Number(row.job_id),
    fromRunner: row.from_runner === null ? null : String(row.from_runner),
    toRunner: String(row.to_runner),
    lastHeartbeatAt: row.last_heartbeat_at === null ? null : Number(row.last_heartbeat_at),
    takenAt: Number(row.taken_at),
    attempt: Number(row.attempt),
  }));
}
