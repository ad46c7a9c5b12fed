// `wsc worker`: runs jobs handed out by the queue, no HTTP API. It holds each job with a heartbeat
// (the jobs row's heartbeat_at, refreshed every WSC_WORKER_HEARTBEAT_MS by the runner); any
// worker that sees a running job whose heartbeat is older than WSC_WORKER_STALE_MS releases it
// and queues a new attempt, and the worker that takes it resumes from its checkpoint.
import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import { loadConfig, type Config } from '../core/config.js';
import { createSealer, loadMasterKey } from '../core/crypto.js';
import { createLogger, type Logger } from '../core/log.js';
import { STATUS } from '../core/status.js';
import { systemClock, type Clock } from '../core/time.js';
import { sql } from 'kysely';
import { SPEEDS } from '../core/items.js';
import type { Finding } from '../core/model.js';
import { resolveLimits, runEngine } from '../engine/engine.js';
import type { EngineHooks, EngineJob } from '../engine/types.js';
import { redactSecrets } from '../report/json.js';
import { OastServer } from '../engine/oast.js';
import { openKyselyStore } from '../jobs/open-store.js';
import { Notifier, notifyLimits } from '../jobs/notify.js';
import { allowAddressesOf, engineJobOf, redactFields, Runner, type EngineFn } from '../jobs/runner.js';
import { Scheduler } from '../jobs/scheduler.js';
import type { KyselyStore } from '../jobs/store-kysely.js';
import type { JobRow } from '../jobs/store.js';
import { helperRequests, PgCheckpoint, type SplitOptions } from './checkpoint.js';
import { PgLimiter } from './limiter.js';
import { loadFarmConfig, type FarmConfig } from './config.js';
import { listenControl, notifyUnits, type ControlListener } from './control.js';
import { Metrics, serveMetrics } from './metrics.js';
import { ScanQueue, SCAN_QUEUE, TAKEOVER_QUEUE, type ScanMessage } from './queue.js';
import { claimJob, currentAttempt, ensureFarmTables, pruneWorkers, recordTakeover, releaseJob, removeWorker, upsertWorker } from './state.js';
import { WSC_VERSION } from './version.js';

export interface WorkerOptions {
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  clock?: Clock;
  engine?: EngineFn;
  /** Jobs run at once (default WSC_MAX_CONCURRENT_JOBS). */
  concurrency?: number;
}

export interface RunningWorker {
  id: string;
  metricsUrl: string | null;
  runner: Runner;
  /** Stops taking work; running jobs go on for up to drainTimeoutMs, then are handed over. */
  drain(): Promise<void>;
  /** Immediate stop: running jobs are handed to other workers at once. */
  close(): Promise<void>;
}

/** Refuses to start a farm role on the embedded store, with the reason. */
export function requirePostgres(databaseUrl: string | null, role: string): string {
  if (!databaseUrl) {
    throw new Error(
      `${role} needs PostgreSQL: set WSC_DATABASE_URL=postgres://... (the embedded SQLite store is single-process; run "wsc serve" for API and runner in one process)`,
    );
  }
  return databaseUrl;
}

export async function startWorker(opts: WorkerOptions = {}): Promise<RunningWorker> {
  const env = opts.env ?? process.env;
  const config = loadConfig(env, opts.dataDir ? { dataDir: opts.dataDir } : {});
  const databaseUrl = requirePostgres(config.databaseUrl, 'wsc worker');
  const farm = loadFarmConfig(env);
  const log = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const sealer = createSealer(loadMasterKey(config.dataDir, env));
  const store = await openKyselyStore({
    databaseUrl,
    dataDir: config.dataDir,
    sealer,
    logger: log,
    ...(farm.dbSchema ? { pgSchema: farm.dbSchema } : {}),
  });
  const cleanup: (() => Promise<void>)[] = [() => store.close()];
  const unwind = async (): Promise<void> => {
    for (const f of cleanup.reverse()) await f().catch((err: unknown) => log.warn({ err }, 'worker cleanup step failed'));
  };
  try {
    await ensureFarmTables(store.db);
    const queue = await ScanQueue.open({ databaseUrl, schema: farm.queueSchema, log, pollingIntervalSeconds: farm.pollMs / 1000, supervise: true });
    cleanup.push(() => queue.close());
    const oast = await OastServer.start({ host: config.oastListen.host, port: config.oastListen.port, publicUrl: config.oastUrl });
    cleanup.push(() => oast.close());
    return await assemble({ opts, env, config, farm, log, clock, store, queue, oast, concurrency: opts.concurrency ?? config.maxConcurrentJobs, databaseUrl, cleanup, unwind });
  } catch (err) {
    await unwind();
    throw err;
  }
}

interface Parts {
  opts: WorkerOptions;
  env: NodeJS.ProcessEnv;
  config: Config;
  farm: FarmConfig;
  log: Logger;
  clock: Clock;
  store: KyselyStore;
  queue: ScanQueue;
  oast: OastServer;
  concurrency: number;
  databaseUrl: string;
  cleanup: (() => Promise<void>)[];
  unwind: () => Promise<void>;
}

async function assemble(p: Parts): Promise<RunningWorker> {
  const { farm, log, clock, store, queue, oast } = p;
  let metricsRef: Metrics | null = null;
  const limiterFor = (jobId: number, job: EngineJob): PgLimiter =>
    new PgLimiter({ db: store.db, jobId, profile: SPEEDS[job.speed], maxRequests: resolveLimits(job.limits).maxRequests, heartbeatMs: farm.heartbeatMs, staleMs: farm.staleMs, log });
  const engine: EngineFn =
    p.opts.engine ??
    (async (job, hooks, signal, deps) => {
      const cp = deps?.checkpoint instanceof PgCheckpoint ? deps.checkpoint : undefined;
      cp?.attach(signal);
      // the job's Speed is shared with the workers that help with its units (src/farm/limiter.ts)
      const limiter = cp ? limiterFor(cp.jobId, job) : undefined;
      try {
        const result = await runEngine(job, hooks, signal, { ...deps, oast, ...(limiter ? { limiter } : {}) });
        metricsRef?.incRate('wsc_target_requests', 'Requests sent to targets (counted when a job or its part on this worker ends).', result.stats.requests);
        // the job's figures count the requests its helpers sent too
        if (cp) result.stats.requests += await helperRequests(store.db, cp.jobId);
        return result;
      } finally {
        await cp?.close().catch((err: unknown) => log.warn({ err }, 'could not give back the units held'));
        await limiter?.close().catch((err: unknown) => log.warn({ err }, 'could not give back the in-flight grant'));
      }
    });
  const startedAt = clock.now();
  let draining = false;
  const splitOptions = (role: 'owner' | 'helper'): SplitOptions => ({
    targetsPerUnit: farm.unitTargets > 0 ? farm.unitTargets : Number.POSITIVE_INFINITY,
    heartbeatMs: farm.heartbeatMs,
    staleMs: farm.staleMs,
    waitMs: Math.min(250, farm.heartbeatMs),
    role,
    log,
    ...(role === 'owner' ? { onPublished: (jobId: number) => notifyUnits(store.db, farm.dbSchema, jobId) } : {}),
  });
  const runner: Runner = new Runner({
    store,
    engine,
    clock,
    log: log.child({ part: 'worker' }),
    maxConcurrent: p.concurrency,
    pollMs: farm.heartbeatMs,
    staleMs: farm.staleMs,
    soleRunner: false,
    takeWork: false,
    onOrphan: (job) => takeAway(job, 'stale'),
    checkpointFor: (job) => new PgCheckpoint(store.db, job.id, runner.id, () => clock.now(), splitOptions('owner')),
  });
  const metrics = new Metrics('worker', {
    store,
    queueDepth: () => queue.depth(),
    gauges: () => ({
      wsc_worker_running_jobs: { help: 'Jobs this worker runs now.', value: runner.runningCount() },
      wsc_worker_slots: { help: 'Jobs this worker may run at once.', value: p.concurrency },
      wsc_worker_draining: { help: '1 while the worker drains (SIGTERM).', value: draining ? 1 : 0 },
    }),
  });
  metricsRef = metrics;

  // Helping: a worker with a free slot runs units of another worker's running job (a split job's
  // diagnosis). Its findings go to the store (de-duplicated there), its requests to the job's
  // shared Speed; a stop, a cancel or the job's end aborts the help.
  const helping = new Map<number, { controller: AbortController; done: Promise<void> }>();
  let looking = false;
  const freeSlots = (): number => p.concurrency - runner.runningCount() - helping.size;
  const lookForUnits = async (): Promise<void> => {
    if (looking || draining) return;
    looking = true;
    try {
      while (!draining && freeSlots() > 0) {
        const now = clock.now();
        const skip = [...helping.keys(), ...runner.runningJobs(), -1];
        const r = await sql<{ job_id: string }>`SELECT u.job_id FROM farm_job_units u JOIN jobs j ON j.id = u.job_id
          WHERE j.status = ${STATUS.DIAG_RUNNING} AND j.runner_id IS NOT NULL AND j.runner_id <> ${runner.id}
            AND u.done_at IS NULL AND (u.holder IS NULL OR u.lease_until < ${now}) AND u.job_id NOT IN (${sql.join(skip)})
          ORDER BY u.job_id, u.seq LIMIT 1`.execute(store.db);
        const jobId = Number(r.rows[0]?.job_id);
        if (!Number.isSafeInteger(jobId) || jobId <= 0) return;
        const job = await store.getJob(jobId);
        if (!job || job.status !== STATUS.DIAG_RUNNING) return;
        startHelp(job);
      }
    } finally {
      looking = false;
    }
  };
  const kickHelp = (): void => void lookForUnits().catch((err: unknown) => log.warn({ err }, 'looking for units to help with failed'));

  function startHelp(job: JobRow): void {
    const controller = new AbortController();
    const entry = { controller, done: Promise.resolve() };
    helping.set(job.id, entry);
    entry.done = help(job, controller.signal)
      .catch((err: unknown) => log.warn({ err, jobId: job.id }, 'helping with a job failed; its units go back to the others'))
      .finally(() => {
        helping.delete(job.id);
        kickHelp();
      });
  }

  async function help(job: JobRow, signal: AbortSignal): Promise<void> {
    const prepared = engineJobOf(job);
    if (!prepared) return;
    const { engineJob, secrets } = prepared;
    await allowAddressesOf(store, job, engineJob);
    const id = job.id;
    const cp = new PgCheckpoint(store.db, id, runner.id, () => clock.now(), splitOptions('helper'));
    // a helper never crawls: without the owner's saved crawl there is nothing to help with
    if ((await cp.loadCrawl()) === null) return;
    cp.attach(signal);
    const limiter = limiterFor(id, engineJob);
    let requests = 0;
    const hooks: EngineHooks = {
      onFinding: async (f: Finding) => {
        if (await store.addFinding(id, f)) await store.updateJob(id, { scanCount: await store.countFindings(id) }, [STATUS.DIAG_RUNNING, STATUS.STOPPING]);
      },
      onStats: (st) => {
        requests = st.requests;
      },
      log: (level, message, data) => log[level]({ jobId: id, helping: true, ...redactFields(data, secrets) }, redactSecrets(message, secrets)),
    };
    metrics.inc('wsc_units_help_total', 'Runs of other workers\' job units started by this worker.');
    log.info({ jobId: id }, 'helping with a split job');
    try {
      const result = await runEngine(engineJob, hooks, signal, { oast, label: `job:${id}`, checkpoint: cp, limiter });
      requests = result.stats.requests;
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      await cp.close().catch((err: unknown) => log.warn({ err, jobId: id }, 'could not give back the units held'));
      await limiter.close().catch((err: unknown) => log.warn({ err, jobId: id }, 'could not give back the in-flight grant'));
      metrics.incRate('wsc_target_requests', 'Requests sent to targets (counted when a job or its part on this worker ends).', requests);
      await sql`UPDATE farm_jobs SET helper_requests = helper_requests + ${requests} WHERE job_id = ${id}`.execute(store.db);
      log.info({ jobId: id, units: cp.unitsRun(), requests }, 'helped with a split job');
    }
  }

  /** Aborts the help with a job that was stopped, canceled or ended. */
  const checkHelp = async (jobId: number): Promise<void> => {
    const h = helping.get(jobId);
    if (!h) return;
    const j = await store.getJob(jobId);
    if (!j || j.status !== STATUS.DIAG_RUNNING) h.controller.abort(new Error('the job left diagnosis'));
  };

  /** Releases a job from a silent (or draining) holder and queues its next attempt. */
  async function takeAway(job: JobRow, why: 'stale' | 'drain'): Promise<void> {
    const { attempt: before } = await currentAttempt(store.db, job.id);
    const attempt = await releaseJob(store.db, job, clock.now());
    if (attempt === null) return;
    await queue.send(job.id, attempt);
    // the dead holder's entry is still "active" in pg-boss; it is settled here, not left to expire
    await queue.abandon(job.id, before).catch((err: unknown) => log.debug({ err, jobId: job.id }, 'old queue entry was already settled'));
    metrics.inc('wsc_jobs_released_total', 'Running jobs released for takeover, by cause.', { cause: why });
    log.warn({ jobId: job.id, holder: job.runnerId, attempt, why }, why === 'stale' ? 'job holder stopped beating; job queued for takeover' : 'job handed over (drain)');
  }

  const handle = async (entries: PgBoss.Job<ScanMessage>[]): Promise<void> => {
    for (const entry of entries) {
      const { jobId, attempt } = entry.data;
      if (!Number.isSafeInteger(jobId)) continue;
      const before = await store.getJob(jobId);
      if (!before) continue;
      const job = await claimJob(store, jobId, runner.id, clock.now(), farm.clockSkewMs);
      if (!job) {
        metrics.inc('wsc_queue_entries_skipped_total', 'Queue entries whose job was no longer to run (canceled, held, ended).');
        continue;
      }
      if (before.status !== STATUS.CRAWL_PENDING) {
        const seen = await currentAttempt(store.db, jobId);
        await recordTakeover(store.db, { jobId, fromRunner: seen.releasedFrom, toRunner: runner.id, lastHeartbeatAt: seen.releasedHeartbeatAt, takenAt: clock.now(), attempt });
        metrics.inc('wsc_takeovers_total', 'Jobs this worker took over from another.');
        log.warn({ jobId, attempt, status: job.status }, 'took over a job; resuming from its checkpoint');
      }
      metrics.inc('wsc_jobs_started_total', 'Jobs (or taken-over parts of jobs) this worker started.');
      await runner.run(job);
      kickHelp();
      const after = await store.getJob(jobId);
      const outcome = after ? String(after.status) : 'gone';
      metrics.inc('wsc_jobs_finished_total', 'Jobs this worker ran to a final status, by status.', { status: outcome });
      if (after && (after.status === STATUS.DIAG_FAILED || after.status === STATUS.CRAWL_FAILED)) {
        metrics.inc('wsc_job_errors_total', 'Jobs that failed on this worker.');
      }
    }
  };

  const workIds: string[] = [];
  for (let i = 0; i < p.concurrency; i++) {
    workIds.push(await queue.boss.work<ScanMessage>(SCAN_QUEUE, { batchSize: 1, pollingIntervalSeconds: farm.pollMs / 1000 }, handle));
  }
  // the slots kept for takeovers, beyond the concurrency (see TAKEOVER_QUEUE)
  for (let i = 0; i < farm.takeoverSlots; i++) {
    workIds.push(await queue.boss.work<ScanMessage>(TAKEOVER_QUEUE, { batchSize: 1, pollingIntervalSeconds: farm.pollMs / 1000 }, handle));
  }
  const control: ControlListener = await listenControl(
    p.databaseUrl,
    farm.dbSchema,
    log,
    (jobId) => {
      if (runner.runningJobs().includes(jobId)) {
        void store.getJob(jobId).then((j) => {
          if (j && (j.status === STATUS.STOPPING || j.status === STATUS.CANCELED)) runner.abort(jobId);
        });
      }
      if (helping.has(jobId)) void checkHelp(jobId).catch((err: unknown) => log.warn({ err, jobId }, 'reading a helped job failed'));
    },
    () => kickHelp(),
  );
  p.cleanup.push(() => control.close());

  let metricsUrl: string | null = null;
  if (farm.metricsListen) {
    const m = await serveMetrics(metrics, farm.metricsListen, log);
    metricsUrl = m.url;
    p.cleanup.push(() => new Promise<void>((resolve) => m.server.close(() => resolve())));
  }

  const beat = async (): Promise<void> => {
    await upsertWorker(store.db, {
      id: runner.id,
      host: farm.host || hostname(),
      pid: process.pid,
      version: WSC_VERSION,
      role: 'worker',
      startedAt,
      heartbeatAt: clock.now(),
      jobs: [...new Set([...runner.runningJobs(), ...helping.keys()])],
      draining,
      metricsUrl,
    });
  };
  await beat();
  const helpTimer = setInterval(() => {
    for (const jobId of helping.keys()) void checkHelp(jobId).catch((err: unknown) => log.warn({ err, jobId }, 'reading a helped job failed'));
    kickHelp();
  }, farm.heartbeatMs);
  helpTimer.unref();
  // Jobs left pending without a queue entry (an API node died between storing and queueing):
  // queueing attempt 0 again is a no-op when it exists, so this sweep is cheap and rare.
  const sweep = async (): Promise<void> => {
    // reserved jobs are queued once due: their one attempt-0 entry must not be spent early
    for (const j of await store.startableJobs(clock.now(), 100)) await queue.send(j.id, 0);
    await pruneWorkers(store.db, clock.now() - 24 * 60 * 60 * 1000);
  };
  const beatTimer = setInterval(() => void beat().catch((err: unknown) => log.warn({ err }, 'worker heartbeat failed')), farm.heartbeatMs);
  const sweepTimer = setInterval(() => void sweep().catch((err: unknown) => log.warn({ err }, 'pending sweep failed')), 10_000);
  beatTimer.unref();
  sweepTimer.unref();
  await runner.start();
  // workers send notifications too (their jobs end here); schedules are fired by the API nodes,
  // which apply createJob's rules, the refusal to scan the service itself included
  const scheduler = new Scheduler({
    store,
    clock,
    log: log.child({ part: 'scheduler' }),
    tickMs: p.config.schedulerTickMs,
    makeJob: null,
    notifier: new Notifier({ store, clock, log: log.child({ part: 'notify' }), limits: notifyLimits(p.config) }),
  });
  scheduler.start();
  log.info({ worker: runner.id, concurrency: p.concurrency, metrics: metricsUrl }, 'worker started');

  let closing: Promise<void> | null = null;
  const stop = async (drainMs: number): Promise<void> => {
    draining = true;
    await beat().catch((err: unknown) => log.warn({ err }, 'worker heartbeat failed'));
    for (const id of workIds) await queue.boss.offWork({ id });
    clearInterval(helpTimer);
    // help is given up at once: the units go back to the job's owner and the other workers
    for (const h of helping.values()) h.controller.abort(new Error('worker stopping'));
    await Promise.allSettled([...helping.values()].map((h) => h.done));
    const deadline = Date.now() + drainMs;
    while (runner.runningCount() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // what is still running goes to other workers now, from its checkpoint, not from zero
    for (const jobId of runner.runningJobs()) {
      // released first: its heartbeat stops, so the guarded release below sees the row as it stays
      runner.release(jobId);
      const job = await store.getJob(jobId);
      if (job && job.runnerId === runner.id) await takeAway(job, 'drain');
    }
    clearInterval(beatTimer);
    clearInterval(sweepTimer);
    await scheduler.close();
    await runner.close();
    await removeWorker(store.db, runner.id).catch((err: unknown) => log.warn({ err }, 'could not remove the worker row'));
    await p.unwind();
  };
  return {
    id: runner.id,
    metricsUrl,
    runner,
    drain() {
      closing ??= stop(farm.drainTimeoutMs);
      return closing;
    },
    close() {
      closing ??= stop(0);
      return closing;
    },
  };
}
