// A job's checkpoint in PostgreSQL: the finished crawl (targets, pages, code paths) and the scan
// units done, so a worker that takes the job over skips what the dead one finished. The scan's
// units are also how a job is split: the owner publishes them in farm_job_units, and any worker
// with a free slot takes some (UnitLeases below), each unit held under a lease that a dead
// worker's stops renewing.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { EngineCheckpoint, ScanUnitPlan, SplitCheckpoint, UnitLease } from '../engine/checkpoint.js';
import { AbortError } from '../engine/http.js';
import type { Logger } from '../core/log.js';
import type { CrawledPage } from '../checks/types.js';
import type { CrawlResult } from '../engine/crawler.js';
import type { CodePaths } from '../engine/crawl/structure.js';
import type { Database } from '../jobs/store-kysely.js';

interface SavedCrawl extends Omit<CrawlResult, 'codePaths'> {
  /** CodePaths (Map of Map of Set) as nested pairs, which JSON can hold. */
  codePaths: [string, [string, string[]][]][];
}

function toSaved(c: CrawlResult): SavedCrawl {
  const codePaths = [...c.codePaths].map(([path, names]) => [path, [...names].map(([n, values]) => [n, [...values]])] as [string, [string, string[]][]]);
  return { ...c, codePaths };
}

function fromSaved(s: SavedCrawl): CrawlResult {
  const codePaths: CodePaths = new Map(s.codePaths.map(([path, names]) => [path, new Map(names.map(([n, values]) => [n, new Set(values)]))]));
  const out: CrawlResult = { requests: s.requests, pages: s.pages, urls: s.urls, codePaths, pagesSkipped: s.pagesSkipped ?? 0 };
  if (s.limitReached !== undefined) out.limitReached = s.limitReached;
  return out;
}

export interface SplitOptions {
  /** Attack targets per unit of a check that splits (WSC_UNIT_TARGETS). */
  targetsPerUnit: number;
  heartbeatMs: number;
  staleMs: number;
  /** How often the owner looks again while units run elsewhere, ms. */
  waitMs: number;
  /** 'owner': publishes the plan and waits for every unit; 'helper': takes free units only. */
  role: 'owner' | 'helper';
  /** Called once the plan is published (wakes idle workers). */
  onPublished?: (jobId: number) => Promise<void>;
  log: Logger;
}

export class PgCheckpoint implements SplitCheckpoint {
  readonly targetsPerUnit: number;
  private lease: PgUnitLease | null = null;
  private signal: AbortSignal = new AbortController().signal;
  constructor(
    private readonly db: Kysely<Database>,
    readonly jobId: number,
    private readonly runnerId: string,
    private readonly now: () => number,
    private readonly split: SplitOptions,
  ) {
    this.targetsPerUnit = split.targetsPerUnit;
  }

  /** The run's signal: a stop ends the owner's wait for the others' units. */
  attach(signal: AbortSignal): void {
    this.signal = signal;
  }

  async units(plan: readonly ScanUnitPlan[]): Promise<UnitLease> {
    if (this.split.role === 'owner') {
      // idempotent: a new owner after a takeover publishes the same plan (the crawl is the saved one)
      const done = await this.doneUnits();
      for (let i = 0; i < plan.length; i += 500) {
        const chunk = plan.slice(i, i + 500);
        await sql`INSERT INTO farm_job_units (job_id, unit, seq, done_at, done_by)
          VALUES ${sql.join(chunk.map((u, j) => sql`(${this.jobId}, ${u.unit}, ${i + j}, ${done.has(u.unit) ? this.now() : null}, ${done.has(u.unit) ? this.runnerId : null})`))}
          ON CONFLICT (job_id, unit) DO NOTHING`.execute(this.db);
      }
      await this.split.onPublished?.(this.jobId);
    }
    this.lease = new PgUnitLease(this.db, this.jobId, this.runnerId, this.now, this.split, this.signal);
    await this.lease.refresh();
    return this.lease;
  }

  /** Units this process holds and has not finished go back to the others (a stop, a hand-over, the end). */
  async close(): Promise<void> {
    await this.lease?.close();
  }

  /** Units this process ran to their end, with the requests they sent. */
  unitsRun(): number {
    return this.lease?.ran ?? 0;
  }

  async loadCrawl(): Promise<CrawlResult | null> {
    const r = await sql<{ crawl: string | null }>`SELECT crawl FROM farm_jobs WHERE job_id = ${this.jobId}`.execute(this.db);
    const text = r.rows[0]?.crawl;
    if (!text) return null;
    return fromSaved(JSON.parse(text) as SavedCrawl);
  }

  async saveCrawl(crawl: CrawlResult): Promise<void> {
    const text = JSON.stringify(toSaved(crawl));
    await sql`INSERT INTO farm_jobs (job_id, attempt, crawl, updated_at) VALUES (${this.jobId}, 0, ${text}, ${this.now()})
      ON CONFLICT (job_id) DO UPDATE SET crawl = EXCLUDED.crawl, updated_at = EXCLUDED.updated_at`.execute(this.db);
    // the finished crawl holds every page: the ones saved on the way are not needed any more
    await sql`DELETE FROM farm_crawl_pages WHERE job_id = ${this.jobId}`.execute(this.db);
  }

  async loadCrawlPages(): Promise<CrawledPage[]> {
    const r = await sql<{ page: string }>`SELECT page FROM farm_crawl_pages WHERE job_id = ${this.jobId} ORDER BY seq`.execute(this.db);
    return r.rows.map((row) => JSON.parse(row.page) as CrawledPage);
  }

  async saveCrawlPages(pages: readonly CrawledPage[]): Promise<void> {
    for (let i = 0; i < pages.length; i += 200) {
      const chunk = pages.slice(i, i + 200);
      await sql`INSERT INTO farm_crawl_pages (job_id, page) VALUES ${sql.join(chunk.map((p) => sql`(${this.jobId}, ${JSON.stringify(p)})`))}`.execute(this.db);
    }
  }

  async doneUnits(): Promise<ReadonlySet<string>> {
    const r = await sql<{ unit: string }>`SELECT unit FROM farm_units WHERE job_id = ${this.jobId}`.execute(this.db);
    return new Set(r.rows.map((row) => row.unit));
  }

  async unitDone(unit: string): Promise<void> {
    await sql`INSERT INTO farm_units (job_id, unit, done_at, runner_id) VALUES (${this.jobId}, ${unit}, ${this.now()}, ${this.runnerId})
      ON CONFLICT (job_id, unit) DO NOTHING`.execute(this.db);
  }
}

/** The job's units in farm_job_units, as one process takes, renews and finishes them. */
export class PgUnitLease implements UnitLease {
  /** Lease holder: one per run, so two runs of a job in one process never share a lease. */
  private readonly holder: string;
  private readonly held = new Set<string>();
  private counts = { done: 0, total: 0 };
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private waiting = false;
  ran = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly jobId: number,
    private readonly runnerId: string,
    private readonly now: () => number,
    private readonly o: SplitOptions,
    private readonly signal: AbortSignal,
  ) {
    this.holder = `${runnerId}/${randomUUID().slice(0, 8)}`;
    // a failed renewal is retried at the next beat; the lease outlives a few of them (staleMs)
    this.timer = setInterval(() => void this.renew().catch((err: unknown) => o.log.warn({ err, jobId }, 'unit lease renewal failed')), o.heartbeatMs);
    this.timer.unref();
  }

  progress(): { done: number; total: number } {
    return this.counts;
  }

  async refresh(): Promise<void> {
    const r = await sql<{ total: number; done: number }>`SELECT count(*)::int AS total, count(done_at)::int AS done FROM farm_job_units WHERE job_id = ${this.jobId}`.execute(this.db);
    this.counts = { done: Number(r.rows[0]?.done ?? 0), total: Number(r.rows[0]?.total ?? 0) };
  }

  async next(signal: AbortSignal): Promise<string | null> {
    let mine = false;
    try {
      return await this.take(signal, () => {
        if (this.waiting && !mine) return false;
        this.waiting = mine = true;
        return true;
      });
    } finally {
      if (mine) this.waiting = false;
    }
  }

  /** `mayWait` says whether this call is the one loop that waits for units running elsewhere. */
  private async take(signal: AbortSignal, mayWait: () => boolean): Promise<string | null> {
    for (;;) {
      if (signal.aborted || this.signal.aborted || this.closed) throw new AbortError();
      const now = this.now();
      // free units first in plan order; a unit whose lease ran out (its worker died) is free again
      const r = await sql<{ unit: string }>`UPDATE farm_job_units SET holder = ${this.holder}, lease_until = ${now + this.o.staleMs}
        WHERE job_id = ${this.jobId} AND unit = (
          SELECT unit FROM farm_job_units WHERE job_id = ${this.jobId} AND done_at IS NULL AND (holder IS NULL OR lease_until < ${now})
          ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING unit`.execute(this.db);
      const unit = r.rows[0]?.unit;
      if (unit !== undefined) {
        this.held.add(unit);
        return unit;
      }
      await this.refresh();
      if (this.o.role === 'helper' || this.counts.done >= this.counts.total) return null;
      // one of the engine's loops waits for the units running elsewhere; the others end here
      if (!mayWait()) return null;
      await new Promise<void>((resolve) => {
        const onAbort = (): void => {
          clearTimeout(t);
          this.signal.removeEventListener('abort', onAbort);
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const t = setTimeout(onAbort, this.o.waitMs);
        this.signal.addEventListener('abort', onAbort, { once: true });
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  async done(unit: string, requests: number): Promise<void> {
    const now = this.now();
    // the first to finish a unit records it (a unit taken back from a worker thought dead may end twice)
    await sql`UPDATE farm_job_units SET done_at = ${now}, done_by = ${this.runnerId}, requests = ${requests}, holder = NULL, lease_until = NULL
      WHERE job_id = ${this.jobId} AND unit = ${unit} AND done_at IS NULL`.execute(this.db);
    await sql`INSERT INTO farm_units (job_id, unit, done_at, runner_id) VALUES (${this.jobId}, ${unit}, ${now}, ${this.runnerId})
      ON CONFLICT (job_id, unit) DO NOTHING`.execute(this.db);
    this.held.delete(unit);
    this.ran++;
    await this.refresh();
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0 || this.closed) return;
    await sql`UPDATE farm_job_units SET lease_until = ${this.now() + this.o.staleMs}
      WHERE job_id = ${this.jobId} AND holder = ${this.holder} AND done_at IS NULL`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (this.held.size === 0) return;
    await sql`UPDATE farm_job_units SET holder = NULL, lease_until = NULL WHERE job_id = ${this.jobId} AND holder = ${this.holder} AND done_at IS NULL`.execute(this.db);
    this.held.clear();
  }
}

/** Requests the helpers of a job sent for it (added as each help ends). */
export async function helperRequests(db: Kysely<Database>, jobId: number): Promise<number> {
  const r = await sql<{ n: string | null }>`SELECT helper_requests AS n FROM farm_jobs WHERE job_id = ${jobId}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}
