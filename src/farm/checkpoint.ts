// A job's checkpoint in PostgreSQL: the finished crawl (targets, pages, code paths) and the scan
// units done, so a worker that takes the job over skips what the dead one finished.
import { sql, type Kysely } from 'kysely';
import type { EngineCheckpoint } from '../engine/checkpoint.js';
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

export class PgCheckpoint implements EngineCheckpoint {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly jobId: number,
    private readonly runnerId: string,
    private readonly now: () => number,
  ) {}

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
