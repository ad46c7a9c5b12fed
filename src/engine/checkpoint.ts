// What a job can resume from when another process takes it over (see src/farm/): the finished
// crawl and the units of the scan already run. The engine only reads and writes through this
// interface; where it is kept (PostgreSQL for a farm) is the caller's business. Without one the
// engine runs as it always did, from zero.
import type { CrawledPage } from '../checks/types.js';
import type { CrawledRequest } from '../core/model.js';
import type { CrawlResult } from './crawler.js';

export interface EngineCheckpoint {
  /** The crawl an earlier run of this job finished, or null: the scan then starts from it. */
  loadCrawl(): Promise<CrawlResult | null>;
  /** Called once the crawl is over, before the scan starts. */
  saveCrawl(crawl: CrawlResult): Promise<void>;
  /** Scan units an earlier run finished (see scanUnit); their findings are already stored. */
  doneUnits(): Promise<ReadonlySet<string>>;
  /** Called when a unit ran to its end (not when it was aborted). */
  unitDone(unit: string): Promise<void>;
  /**
   * Pages of a crawl an earlier run did not finish, in the order it saved them: the crawl starts
   * again with their answers replayed instead of fetched, so it resumes where that run was.
   */
  loadCrawlPages?(): Promise<CrawledPage[]>;
  /** Pages fetched since the last call, saved while the crawl runs (every crawlSaveMs). */
  saveCrawlPages?(pages: readonly CrawledPage[]): Promise<void>;
}

/**
 * One unit of the scan: a check over every attack target of the crawl. A check's generator walks
 * its targets and insertion points itself, so the engine can tell only a whole check done; a
 * check interrupted half-way runs again from its start and the store drops the findings it
 * already had (findingKey).
 */
export function scanUnit(checkId: string): string {
  return `check:${checkId}`;
}

/**
 * One unit of a split scan: a check over one group of attack targets (`group` indexes
 * targetGroups), or over all of them (`group` null).
 */
export interface ScanUnitPlan {
  unit: string;
  check: string;
  group: number | null;
}

/**
 * The units of a job shared by several processes (src/farm/): each process takes units one at a
 * time, runs them and says so. The engine asks for the next unit until there is none left for it.
 */
export interface UnitLease {
  /**
   * The next unit this process should run, or null. The job's owner waits while units it cannot
   * take are running elsewhere and gets null once every unit is done; a helper gets null as soon
   * as no unit is free. `signal` ends the wait (a stop, the job's duration limit).
   */
  next(signal: AbortSignal): Promise<string | null>;
  /** The unit ran to its end; `requests` it sent. */
  done(unit: string, requests: number): Promise<void>;
  /** Units done over every process, of all units. */
  progress(): { done: number; total: number };
}

export interface SplitCheckpoint extends EngineCheckpoint {
  /** Attack targets per unit of a check that splits (CheckMeta.perTarget). */
  readonly targetsPerUnit: number;
  /** Publishes the job's plan (the owner) or joins it (a helper); the lease hands units out. */
  units(plan: readonly ScanUnitPlan[]): Promise<UnitLease>;
}

export function isSplitCheckpoint(c: EngineCheckpoint | undefined): c is SplitCheckpoint {
  return c !== undefined && typeof (c as Partial<SplitCheckpoint>).units === 'function';
}

/** Path (origin + path, no query) of a target: targets of one path stay in one group. */
function pathOf(r: CrawledRequest): string {
  const q = r.url.search(/[?#]/);
  return q === -1 ? r.url : r.url.slice(0, q);
}

/**
 * The crawl's attack targets in groups of about `size` (indexes into `requests`), in crawl order.
 * Targets of one path share a group, so what a check does once per path (header insertion
 * points, see attackPoints' headersOncePerPath) is done once as in a run over all targets. The
 * crawl is saved, so every process computes the same groups from it.
 */
export function targetGroups(requests: readonly CrawledRequest[], size: number): number[][] {
  const byPath = new Map<string, number[]>();
  requests.forEach((r, i) => {
    const k = pathOf(r);
    const list = byPath.get(k);
    if (list) list.push(i);
    else byPath.set(k, [i]);
  });
  const groups: number[][] = [];
  let cur: number[] = [];
  for (const idx of byPath.values()) {
    if (cur.length > 0 && cur.length + idx.length > size) {
      groups.push(cur);
      cur = [];
    }
    cur.push(...idx);
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}

/** The units of a scan: a check that splits gets one per target group (when it has more than one). */
export function planUnits(checks: readonly { meta: { id: string; perTarget?: boolean } }[], groups: number): ScanUnitPlan[] {
  const out: ScanUnitPlan[] = [];
  for (const c of checks) {
    if (c.meta.perTarget === true && groups > 1) for (let g = 0; g < groups; g++) out.push({ unit: `${scanUnit(c.meta.id)}#${g}`, check: c.meta.id, group: g });
    else out.push({ unit: scanUnit(c.meta.id), check: c.meta.id, group: null });
  }
  return out;
}
