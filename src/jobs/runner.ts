// The job runner: takes pending jobs up to a concurrency limit and drives each through URL
// collection (12 -> 13 -> 14) and diagnosis (2 -> 3 -> 4) by calling the engine, with failures
// 15 and 5. Stop (92 -> 93) and cancel (91) reach the engine through an AbortSignal. Every status
// change is a guarded transition, so a stop or cancel racing the runner never gets overwritten.
import { randomUUID } from 'node:crypto';
import { isSpeedWord, isUserAgentWord, resolveVulnItems } from '../core/items.js';
import type { Logger } from '../core/log.js';
import type { Finding } from '../core/model.js';
import { STATUS, type JobStatus } from '../core/status.js';
import type { Clock } from '../core/time.js';
import type { EngineCheckpoint } from '../engine/checkpoint.js';
import type { EngineHooks, EngineJob, EngineResult, EngineStats } from '../engine/types.js';
import { CrawlError } from '../engine/types.js';
import { explicitAllowances } from '../engine/egress.js';
import { authSecrets } from '../engine/auth/types.js';
import { redactSecrets } from '../report/json.js';
import type { JobRow, Store } from './store.js';

export type EngineFn = (
  job: EngineJob,
  hooks: EngineHooks,
  signal: AbortSignal,
  deps?: { label?: string; checkpoint?: EngineCheckpoint },
) => Promise<EngineResult>;

export interface RunnerOptions {
  store: Store;
  engine: EngineFn;
  clock: Clock;
  log: Logger;
  maxConcurrent: number;
  /** How often the queue and the running jobs' statuses are polled, ms. */
  pollMs?: number;
  /** A running job whose heartbeat is older than this is taken to be orphaned (multi-process stores). */
  staleMs?: number;
  /** True when no other process can be running jobs on this store (embedded SQLite). */
  soleRunner: boolean;
  /** After a stop, how long the engine gets to settle before the job is marked stopped anyway. */
  stopGraceMs?: number;
  /**
   * False: the runner does not look in the store for pending jobs; they are handed to run() by a
   * queue (a farm worker, src/farm/). Default true.
   */
  takeWork?: boolean;
  /**
   * A job whose runner went silent is handed here to be taken over, instead of failing it
   * (a farm re-queues it). Without it, such jobs fail with a cause, as a restart finds them.
   */
  onOrphan?: (job: JobRow) => Promise<void>;
  /** The checkpoint a job resumes from and saves to (a farm's, in PostgreSQL); none by default. */
  checkpointFor?: (job: JobRow) => EngineCheckpoint | undefined;
}

const CRAWL_PHASE: readonly JobStatus[] = [STATUS.CRAWL_RUNNING, STATUS.CRAWL_DONE];
const RUNNING: readonly JobStatus[] = [STATUS.CRAWL_RUNNING, STATUS.CRAWL_DONE, STATUS.DIAG_PENDING, STATUS.DIAG_RUNNING];

interface Active {
  controller: AbortController;
  done: Promise<void>;
  /** Set once the runner has written a final status itself (the engine may still be settling). */
  detached: boolean;
  /** Another runner holds the job now (this one was taken for dead): write nothing more. */
  lost: boolean;
}

export class Runner {
  readonly id = randomUUID();
  private readonly active = new Map<number, Active>();
  private timer: NodeJS.Timeout | null = null;
  private filling = false;
  private refill = false;
  private closed = false;
  private readonly pollMs: number;
  private readonly staleMs: number;
  private readonly stopGraceMs: number;

  constructor(private readonly o: RunnerOptions) {
    this.pollMs = o.pollMs ?? 1000;
    this.staleMs = o.staleMs ?? 30_000;
    this.stopGraceMs = o.stopGraceMs ?? 1500;
  }

  async start(): Promise<void> {
    await this.recover();
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  runningCount(): number {
    return this.active.size;
  }

  /** Ids of the jobs this runner is running. */
  runningJobs(): number[] {
    return [...this.active.keys()];
  }

  /**
   * Runs a job its caller has already claimed for this runner (runnerId = this.id): pending jobs
   * moved to 13, or a running job taken over from a runner that died. Resolves when it settles.
   */
  run(job: JobRow): Promise<void> {
    if (this.active.has(job.id)) return this.active.get(job.id)!.done;
    return this.launch(job).done;
  }

  /** Stops heartbeats for a job and aborts it without writing its status: another runner will run it. */
  release(jobId: number): void {
    const a = this.active.get(jobId);
    if (!a) return;
    a.lost = true;
    a.controller.abort(new Error('handed over to another runner'));
  }

  /** Look for pending work now. Concurrent calls coalesce. */
  kick(): void {
    if (this.closed || this.o.takeWork === false) return;
    if (this.filling) {
      this.refill = true;
      return;
    }
    this.filling = true;
    void this.fill()
      .catch((err: unknown) => this.o.log.error({ err }, 'runner could not take pending jobs'))
      .finally(() => {
        this.filling = false;
        if (this.refill) {
          this.refill = false;
          this.kick();
        }
      });
  }

  abort(jobId: number): void {
    const a = this.active.get(jobId);
    if (!a) return;
    a.controller.abort(new Error('stopped by request'));
    // The engine is expected to settle at once; if a target holds it, the job is stopped anyway.
    setTimeout(() => void this.forceStopped(jobId), this.stopGraceMs).unref();
  }

  /** Stops taking work, aborts running engines and waits for them; their jobs are re-queued. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const waits: Promise<void>[] = [];
    for (const a of this.active.values()) {
      a.controller.abort(new Error('server shutting down'));
      waits.push(a.done);
    }
    await Promise.race([Promise.allSettled(waits), new Promise((r) => setTimeout(r, 3000).unref())]);
  }

  private async tick(): Promise<void> {
    try {
      await this.heartbeat();
      if (!this.o.soleRunner) await this.recover();
      this.kick();
    } catch (err) {
      this.o.log.error({ err }, 'runner tick failed');
    }
  }

  /** Refreshes heartbeats and notices stops made by other processes sharing the store. */
  private async heartbeat(): Promise<void> {
    const now = this.o.clock.now();
    for (const [id, a] of this.active) {
      if (a.detached || a.lost) continue;
      const job = await this.o.store.getJob(id);
      if (job && job.runnerId !== null && job.runnerId !== this.id) {
        // This process was taken for dead (paused past the stale time) and the job runs elsewhere.
        this.o.log.warn({ jobId: id, holder: job.runnerId }, 'job taken over by another runner; dropping it here');
        this.release(id);
        continue;
      }
      if (!job || job.status === STATUS.STOPPING || job.status === STATUS.CANCELED) {
        if (!a.controller.signal.aborted) this.abort(id);
        continue;
      }
      await this.o.store.updateJob(id, { heartbeatAt: now }, RUNNING);
    }
  }

  /**
   * Jobs left running by a runner that is gone: with the embedded store that is every job not ours
   * (one process owns the file); with a shared store, jobs whose heartbeat went stale. They fail with
   * a cause, keeping what they stored; a job caught stopping is marked stopped.
   */
  private async recover(): Promise<void> {
    const now = this.o.clock.now();
    const orphans = (await this.o.store.jobsInStatus([...RUNNING, STATUS.STOPPING])).filter(
      (j) =>
        !this.active.has(j.id) &&
        j.runnerId !== this.id &&
        (this.o.soleRunner || j.heartbeatAt === null || now - j.heartbeatAt > this.staleMs),
    );
    for (const j of orphans) {
      const patch = { endedAt: now, runnerId: null };
      if (j.status === STATUS.STOPPING) {
        await this.o.store.transition(j.id, [STATUS.STOPPING], STATUS.STOPPED, patch);
      } else if (this.o.onOrphan) {
        await this.o.onOrphan(j);
        continue;
      } else if (CRAWL_PHASE.includes(j.status)) {
        await this.o.store.transition(j.id, CRAWL_PHASE, STATUS.CRAWL_FAILED, {
          ...patch,
          resultDesc: 'Interrupted: the server stopped while URLs were being collected. Create the job again to rerun it.',
        });
      } else {
        await this.o.store.transition(j.id, [STATUS.DIAG_PENDING, STATUS.DIAG_RUNNING], STATUS.DIAG_FAILED, {
          ...patch,
          resultDesc: `Interrupted: the server stopped during diagnosis; the ${await this.o.store.countFindings(j.id)} finding(s) stored before are kept.`,
          scanCount: await this.o.store.countFindings(j.id),
        });
      }
      this.o.log.warn({ jobId: j.id, status: j.status }, 'recovered a job left running by a previous process');
    }
  }

  private async fill(): Promise<void> {
    while (!this.closed && this.active.size < this.o.maxConcurrent) {
      // reserved jobs wait for their time: the poll tick reads the injected clock, so they start then
      const [next] = await this.o.store.startableJobs(this.o.clock.now(), 1);
      if (!next) return;
      const now = this.o.clock.now();
      const claimed = await this.o.store.startPending(next.id, now, {
        runnerId: this.id,
        startedAt: now,
        heartbeatAt: now,
        crawlCount: 0,
      });
      // Another runner (or a cancel) got there first: look again.
      if (!claimed) continue;
      this.launch({ ...next, status: STATUS.CRAWL_RUNNING, runnerId: this.id, startedAt: now, heartbeatAt: now, crawlCount: 0 });
    }
  }

  private launch(job: JobRow): Active {
    const controller = new AbortController();
    const entry: Active = { controller, done: Promise.resolve(), detached: false, lost: false };
    entry.done = this.execute(job, controller.signal)
      .catch((err: unknown) => this.o.log.error({ err, jobId: job.id }, 'job runner failed'))
      .finally(() => {
        this.active.delete(job.id);
        this.kick();
      });
    this.active.set(job.id, entry);
    return entry;
  }

  private async forceStopped(jobId: number): Promise<void> {
    const a = this.active.get(jobId);
    if (!a || a.detached) return;
    const moved = await this.o.store.transition(jobId, [STATUS.STOPPING], STATUS.STOPPED, { endedAt: this.o.clock.now() });
    if (moved) {
      a.detached = true;
      this.o.log.warn({ jobId }, 'engine did not settle after stop; job marked stopped');
    }
  }

  private async execute(job: JobRow, signal: AbortSignal): Promise<void> {
    const { store, clock, log } = this.o;
    const id = job.id;
    const prepared = engineJobOf(job);
    if (!prepared) {
      await store.transition(id, [STATUS.CRAWL_RUNNING], STATUS.CRAWL_FAILED, {
        endedAt: clock.now(),
        resultDesc: 'The stored job settings are not valid.',
      });
      return;
    }
    const { engineJob, secrets } = prepared;
    const s = job.settings;
    const items = engineJob.items;
    // scan_cnt is what the store holds: a re-run after a re-queue finds again what it stored before
    // A job taken over from a runner that died is somewhere past 13. Counts come from the store: a
    // re-run after a re-queue or a takeover finds again what it stored before.
    const resumed = job.status !== STATUS.CRAWL_RUNNING;
    let phase: 'crawl' | 'scan' = job.status === STATUS.DIAG_RUNNING ? 'scan' : 'crawl';
    let findings = await store.countFindings(id);
    let status: JobStatus = job.status;
    let lastWrite = 0;
    let lastStats: EngineStats | undefined;
    let lastStatsWrite = 0;
    const throttled = (patch: Parameters<Store['updateJob']>[1], onlyIn: readonly JobStatus[]) => {
      const now = clock.now();
      if (now - lastWrite < 250) return;
      lastWrite = now;
      store.updateJob(id, patch, onlyIn).catch((err: unknown) => log.warn({ err, jobId: id }, 'progress update failed'));
    };
    const assertActive = (moved: boolean) => {
      if (!moved && !signal.aborted) throw new Error('job left the running states (stopped or canceled)');
    };

    const hooks: EngineHooks = {
      onCrawlProgress: (n) => throttled({ crawlCount: n }, [STATUS.CRAWL_RUNNING]),
      onUrls: async (urls) => {
        // A run that died after storing the URLs (13 or later) stored them already.
        if (status === STATUS.CRAWL_RUNNING && !(resumed && (await store.listUrls(id)).length > 0)) await store.addUrls(id, urls);
        const steps: [JobStatus, JobStatus, Parameters<Store['transition']>[3]][] = [
          [STATUS.CRAWL_RUNNING, STATUS.CRAWL_DONE, { crawlCount: urls.length }],
          [STATUS.CRAWL_DONE, STATUS.DIAG_PENDING, {}],
          [STATUS.DIAG_PENDING, STATUS.DIAG_RUNNING, { progress: 0, scanCount: findings }],
        ];
        for (const [from, to, patch] of steps) {
          if (status !== from) continue;
          assertActive(await store.transition(id, [from], to, patch));
          status = to;
        }
        phase = 'scan';
      },
      onScanProgress: (p) => throttled({ progress: Math.max(0, Math.min(99, Math.floor(p))) }, [STATUS.DIAG_RUNNING]),
      onFinding: async (f: Finding) => {
        if (await store.addFinding(id, f)) {
          findings = await store.countFindings(id);
          await store.updateJob(id, { scanCount: findings }, [STATUS.DIAG_RUNNING, STATUS.STOPPING]);
        }
      },
      // live health and counts, kept with the job so a stopped or interrupted one has its true counts
      onStats: (st) => {
        lastStats = st;
        const now = clock.now();
        if (now - lastStatsWrite < 1000) return;
        lastStatsWrite = now;
        store.updateJob(id, { stats: st }, [...RUNNING, STATUS.STOPPING]).catch((err: unknown) => log.warn({ err, jobId: id }, 'stats update failed'));
      },
      // the engine's lines name URLs and answers of the target, which may echo the job's secrets
      log: (level, message, data) => log[level]({ jobId: id, ...redactFields(data, secrets) }, redactSecrets(message, secrets)),
    };

    log.info({ jobId: id, startUrl: s.startUrl, items: items.length }, 'job started');
    try {
      await allowAddressesOf(store, job, engineJob);
      const checkpoint = this.o.checkpointFor?.(job);
      const result = await this.o.engine(engineJob, hooks, signal, { label: `job:${id}`, ...(checkpoint ? { checkpoint } : {}) });
      if (this.active.get(id)?.lost) return;
      if (!this.o.soleRunner) {
        // A process paused past the stale time may come back with its engine done before its next
        // heartbeat: the job is another runner's by then, and ending it here would end it twice.
        const holder = (await store.getJob(id))?.runnerId ?? null;
        if (holder !== null && holder !== this.id) {
          this.release(id);
          log.warn({ jobId: id, holder }, 'job taken over by another runner while this one was away; its end is left to that runner');
          return;
        }
      }
      const now = clock.now();
      findings = await store.countFindings(id);
      const health = result.stats.health;
      if (result.limitReached === 'targetDown' && !signal.aborted) {
        // The target stopped answering: the job fails in the phase it was in, keeping what it found.
        const cause = health ? health.reasons.join('; ') : 'the target stopped answering';
        if (phase === 'crawl') {
          await store.addUrls(id, result.urls);
          await store.transition(id, CRAWL_PHASE, STATUS.CRAWL_FAILED, { endedAt: now, crawlCount: result.urls.length, stats: result.stats, resultDesc: `URL collection failed: ${cause}`, runnerId: null });
        } else {
          await store.transition(id, [STATUS.DIAG_PENDING, STATUS.DIAG_RUNNING], STATUS.DIAG_FAILED, {
            endedAt: now,
            stats: result.stats,
            scanCount: findings,
            resultDesc: `Diagnosis failed: ${cause}; the ${findings} finding(s) found before are kept.`,
            runnerId: null,
          });
        }
        log.warn({ jobId: id, phase, cause }, 'job failed: target down');
        return;
      }
      const patch = {
        endedAt: now,
        progress: 100,
        stats: result.stats,
        scanCount: findings,
        runnerId: null,
        // a completed job whose coverage was degraded says so where NCP's clients look (result_desc)
        ...(health && health.verdict !== 'healthy' ? { resultDesc: `Completed with a warning: ${health.reasons.join('; ')}` } : {}),
      };
      if (phase === 'crawl') {
        // An engine that ran no scan phase still completes the job through both phases.
        await hooks.onUrls?.(result.urls);
      }
      const done = await store.transition(id, [STATUS.DIAG_RUNNING], STATUS.DIAG_DONE, patch);
      if (done) {
        log.info({ jobId: id, findings, ...result.stats, limitReached: result.limitReached }, 'job completed');
        return;
      }
      await this.settleAborted(id, result.stats);
    } catch (err) {
      if (this.active.get(id)?.lost) return;
      if (signal.aborted) {
        await this.settleAborted(id, lastStats);
        return;
      }
      findings = await store.countFindings(id);
      const message = redactSecrets(err instanceof Error ? err.message : String(err), secrets);
      const now = clock.now();
      if (phase === 'crawl' || err instanceof CrawlError) {
        await store.transition(id, CRAWL_PHASE, STATUS.CRAWL_FAILED, { endedAt: now, resultDesc: `URL collection failed: ${message}`, runnerId: null, ...(lastStats ? { stats: lastStats } : {}) });
      } else {
        await store.transition(id, [STATUS.DIAG_PENDING, STATUS.DIAG_RUNNING], STATUS.DIAG_FAILED, {
          endedAt: now,
          resultDesc: `Diagnosis failed: ${message}`,
          scanCount: findings,
          runnerId: null,
          ...(lastStats ? { stats: lastStats } : {}),
        });
      }
      log.warn({ jobId: id, err: message, phase }, 'job failed');
    }
  }

  /** The engine ended because of a stop, a cancel or a shutdown: record which, with its true counts. */
  private async settleAborted(id: number, stats: EngineStats | undefined): Promise<void> {
    const now = this.o.clock.now();
    const findings = await this.o.store.countFindings(id);
    if (await this.o.store.transition(id, [STATUS.STOPPING], STATUS.STOPPED, { endedAt: now, scanCount: findings, runnerId: null, ...(stats ? { stats } : {}) })) {
      this.o.log.info({ jobId: id }, 'job stopped');
      return;
    }
    if (this.closed) {
      // Shutdown: put the job back in the queue; the next start runs it again (findings dedupe).
      await this.o.store.transition(id, RUNNING, STATUS.CRAWL_PENDING, { runnerId: null, progress: null, scanCount: findings, ...(stats ? { stats } : {}) });
      this.o.log.info({ jobId: id }, 'job re-queued for the next start');
    }
  }
}

/**
 * The engine's view of a stored job, and the secrets its log lines are redacted of (headers, the
 * login's, the proxy's); null when the stored settings are not valid.
 */
export function engineJobOf(job: JobRow): { engineJob: EngineJob; secrets: Record<string, string> } | null {
  const items = resolveVulnItems(job.settings.vulnItems);
  const s = job.settings;
  if (!items || !isUserAgentWord(s.userAgent) || !isSpeedWord(s.speed)) return null;
  const engineJob: EngineJob = {
    startUrl: s.startUrl,
    excludeUrls: s.excludeUrls,
    headers: s.headers,
    userAgent: s.userAgent,
    speed: s.speed,
    items,
    limits: s.limits,
    ...(s.crawl !== undefined ? { crawl: s.crawl } : {}),
  };
  if (s.auth) engineJob.auth = s.auth;
  if (s.seeds) engineJob.seeds = s.seeds;
  if (s.transport) engineJob.transport = s.transport;
  return { engineJob, secrets: { ...s.headers, ...authSecrets(s.auth), ...proxySecret(s.transport?.proxy) } };
}

/** Link-local and metadata addresses are reachable only through CIDR assets naming them. */
export async function allowAddressesOf(store: Store, job: JobRow, engineJob: EngineJob): Promise<void> {
  const allow = explicitAllowances((await store.listAssets(job.accountId)).filter((a) => a.kind === 'cidr').map((a) => a.value));
  if (allow.length > 0) engineJob.allowAddresses = allow;
}

/** String fields of a log line with the job's secrets redacted (one level: the engine logs flat data). */
export function redactFields(data: Record<string, unknown> | undefined, headers: Record<string, string>): Record<string, unknown> {
  if (!data) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) out[k] = typeof v === 'string' ? redactSecrets(v, headers) : v;
  return out;
}

/** The password in a proxy URL, for redaction. */
function proxySecret(proxy: string | undefined): Record<string, string> {
  if (proxy === undefined) return {};
  try {
    const p = decodeURIComponent(new URL(proxy).password);
    return p.length >= 4 ? { 'x-wsc-proxy-secret': p } : {};
  } catch {
    // validated by the API; an unparsable one has no password to hide
    return {};
  }
}
