// The engine's optional checkpoint: a first run saves its crawl and reports each check it finished;
// a run given that checkpoint crawls nothing and skips the finished checks (a farm takeover).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFarmSite, type FarmSite } from '../../test/farm/harness.js';
import { planUnits, targetGroups, type EngineCheckpoint } from './checkpoint.js';
import type { CrawlResult } from './crawler.js';
import { runEngine } from './engine.js';
import type { EngineJob } from './types.js';

let site: FarmSite;
before(async () => {
  site = await startFarmSite({ delayMs: 1, dirs: 3, params: 2 });
});
after(async () => {
  await site.close();
});

/** A checkpoint kept in memory, as a farm keeps it in PostgreSQL (src/farm/checkpoint.ts). */
class MemoryCheckpoint implements EngineCheckpoint {
  crawl: CrawlResult | null = null;
  saves = 0;
  readonly units = new Set<string>();
  async loadCrawl() {
    return this.crawl;
  }
  async saveCrawl(c: CrawlResult) {
    this.saves += 1;
    this.crawl = c;
  }
  async doneUnits() {
    return new Set(this.units);
  }
  async unitDone(u: string) {
    this.units.add(u);
  }
}

const job = (prefix: string): EngineJob => ({
  startUrl: `${site.url}/${prefix}/`,
  excludeUrls: [],
  headers: {},
  userAgent: 'PC Chrome',
  speed: '3',
  items: ['Directory Listing', 'XSS'],
});

/** The site's script is fetched by the crawl only (checks attack pages and requests, not scripts). */
const crawlHits = (prefix: string): number => site.hits.get(`GET /${prefix}/app.js`) ?? 0;

test('a first run saves its crawl once and reports every check it finished', async () => {
  const cp = new MemoryCheckpoint();
  const r = await runEngine(job('s1'), {}, new AbortController().signal, { checkpoint: cp });
  assert.equal(cp.saves, 1);
  assert.equal(cp.crawl?.requests.length, r.urls.length);
  assert.deepEqual([...cp.units].sort(), ['check:directory-listing', 'check:dom-xss', 'check:xss']);
  assert.equal(r.findings.filter((f) => f.item === 'Directory Listing').length, 3);
});

test('a run resumed from a checkpoint crawls nothing and skips the checks done', async () => {
  const first = new MemoryCheckpoint();
  await runEngine(job('s2'), {}, new AbortController().signal, { checkpoint: first });
  const crawled = crawlHits('s2');
  assert.ok(crawled > 0);
  const resumed = new MemoryCheckpoint();
  resumed.crawl = first.crawl;
  resumed.units.add('check:directory-listing');
  // DOM XSS reads the pages' scripts again (app.js), which would look like a crawl here
  resumed.units.add('check:dom-xss');
  const r = await runEngine(job('s2'), {}, new AbortController().signal, { checkpoint: resumed });
  assert.equal(crawlHits('s2'), crawled, 'the crawl did not run again');
  assert.equal(resumed.saves, 0);
  assert.equal(r.urls.length, first.crawl?.urls.length, 'the saved crawl is the job\'s crawl');
  assert.equal(r.findings.filter((f) => f.item === 'Directory Listing').length, 0, 'the finished check was not run again');
  assert.ok(resumed.units.has('check:xss'));
});

test('an aborted check is not reported done', async () => {
  const cp = new MemoryCheckpoint();
  const ac = new AbortController();
  await runEngine(job('s3'), { onPhase: (p) => void (p === 'scan' && ac.abort()) }, ac.signal, { checkpoint: cp }).catch((err: unknown) => {
    assert.ok(err instanceof Error && /abort/i.test(err.name + err.message));
  });
  assert.equal(cp.saves, 1, 'the crawl finished and was saved');
  assert.equal(cp.units.size, 0);
});

test('split plan: targets of one path share a group; only perTarget checks split, the same plan from the same crawl', () => {
  const req = (url: string) => ({ method: 'GET', url, source: 'link', depth: 1 });
  const requests = [req('http://x/a?x=1'), req('http://x/b?y=1'), req('http://x/a?z=1'), req('http://x/c'), req('http://x/d?q=1'), req('http://x/e')];
  const groups = targetGroups(requests, 2);
  assert.deepEqual(groups, [[0, 2], [1, 3], [4, 5]]);
  assert.deepEqual(targetGroups(requests, Number.POSITIVE_INFINITY), [[0, 2, 1, 3, 4, 5]]);
  const checks = [{ meta: { id: 'xss', perTarget: true } }, { meta: { id: 'directory-listing' } }];
  const plan = planUnits(checks, groups.length);
  assert.deepEqual(plan.map((u) => u.unit), ['check:xss#0', 'check:xss#1', 'check:xss#2', 'check:directory-listing']);
  assert.deepEqual(planUnits(checks, 1).map((u) => u.unit), ['check:xss', 'check:directory-listing']);
});
