// What a job can resume from when another process takes it over (see src/farm/): the finished
// crawl and the units of the scan already run. The engine only reads and writes through this
// interface; where it is kept (PostgreSQL for a farm) is the caller's business. Without one the
// engine runs as it always did, from zero.
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
