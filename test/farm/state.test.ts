// The farm's guarded claims and releases on PostgreSQL: however many workers race, one wins.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createSealer, masterKeyFromString } from '../../src/core/crypto.js';
import { STATUS } from '../../src/core/status.js';
import { PgCheckpoint, type SplitOptions } from '../../src/farm/checkpoint.js';
import { PgLimiter, waterFill } from '../../src/farm/limiter.js';
import { createLogger } from '../../src/core/log.js';
import { claimJob, currentAttempt, ensureFarmTables, releaseJob } from '../../src/farm/state.js';
import { openKyselyStore } from '../../src/jobs/open-store.js';
import { runEngine } from '../../src/engine/engine.js';
import { AbortError } from '../../src/engine/http.js';
import { startSite } from '../helpers/site.js';
import type { KyselyStore } from '../../src/jobs/store-kysely.js';

const pgUrl = process.env.WSC_TEST_DATABASE_URL;
const schema = `farm_s${process.pid}_${Date.now().toString(36)}`;
const skip = !pgUrl && 'WSC_TEST_DATABASE_URL not set';
let store: KyselyStore;
let dir: string;

before(async () => {
  if (!pgUrl) return;
  dir = mkdtempSync(join(tmpdir(), 'wsc-farm-state-'));
  store = await openKyselyStore({ databaseUrl: pgUrl, dataDir: dir, sealer: createSealer(masterKeyFromString('k')), pgSchema: schema });
  // several processes start at once: the tables' creation must not collide
  await Promise.all([ensureFarmTables(store.db), ensureFarmTables(store.db), ensureFarmTables(store.db)]);
});
after(async () => {
  if (!pgUrl) return;
  await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(store.db);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function splitOpts(role: 'owner' | 'helper'): SplitOptions {
  return { targetsPerUnit: 4, heartbeatMs: 100, staleMs: 400, waitMs: 50, role, log: createLogger('silent') };
}

async function newJob(): Promise<number> {
  const acc = (await store.getAccountByName('farm')) ?? (await store.createAccount('farm'));
  const j = await store.createJob({
    accountId: acc.id,
    startUrl: 'http://127.0.0.1:1/',
    memo: null,
    masterId: null,
    settings: { startUrl: 'http://127.0.0.1:1/', excludeUrls: [], headers: {}, vulnItems: ['ALL'], userAgent: 'PC Chrome', speed: '1' },
  });
  return j.id;
}

test('ten workers claim one pending job: one gets it', { skip }, async () => {
  const id = await newJob();
  const got = await Promise.all(Array.from({ length: 10 }, (_, i) => claimJob(store, id, `w${i}`, Date.now())));
  const winners = got.filter((j) => j !== null);
  assert.equal(winners.length, 1);
  assert.equal(winners[0]?.status, STATUS.CRAWL_RUNNING);
});

test('a dead holder is released once however many workers see it; the next claim resumes it', { skip }, async () => {
  const id = await newJob();
  const first = await claimJob(store, id, 'dead', Date.now() - 60_000);
  assert.ok(first);
  await store.transition(id, [STATUS.CRAWL_RUNNING], STATUS.CRAWL_DONE);
  const seen = (await store.getJob(id))!;
  const attempts = await Promise.all(Array.from({ length: 5 }, () => releaseJob(store.db, seen, Date.now())));
  assert.deepEqual(attempts.filter((a) => a !== null), [1]);
  assert.deepEqual(await currentAttempt(store.db, id), { attempt: 1, releasedFrom: 'dead', releasedHeartbeatAt: seen.heartbeatAt });
  const claims = await Promise.all(['a', 'b', 'c'].map((w) => claimJob(store, id, w, Date.now())));
  const taken = claims.filter((j) => j !== null);
  assert.equal(taken.length, 1);
  assert.equal(taken[0]?.status, STATUS.CRAWL_DONE, 'taken over where it was');
  // a holder that beat again since it was seen is alive: not released
  const holder = (await store.getJob(id))!;
  await store.updateJob(id, { heartbeatAt: Date.now() + 1 });
  assert.equal(await releaseJob(store.db, holder, Date.now()), null);
});

test('a canceled or finished job is not claimed', { skip }, async () => {
  const id = await newJob();
  await store.transition(id, [STATUS.CRAWL_PENDING], STATUS.CANCELED);
  assert.equal(await claimJob(store, id, 'w', Date.now()), null);
});

test('checkpoint: the crawl round-trips with its code paths; units are recorded once', { skip }, async () => {
  const id = await newJob();
  const cp = new PgCheckpoint(store.db, id, 'w1', () => Date.now(), splitOpts('owner'));
  assert.equal(await cp.loadCrawl(), null);
  const codePaths = new Map([['http://x/index.php', new Map([['page', new Set(['a.php', 'b.php'])]])]]);
  await cp.saveCrawl({ requests: [{ method: 'GET', url: 'http://x/index.php?page=a.php', source: 'link', depth: 1 }], pages: [], urls: [{ method: 'GET', url: 'http://x/' }], codePaths, pagesSkipped: 0, limitReached: 'maxUrls' });
  const back = await new PgCheckpoint(store.db, id, 'w2', () => Date.now(), splitOpts('owner')).loadCrawl();
  assert.deepEqual(back?.codePaths, codePaths);
  assert.equal(back?.limitReached, 'maxUrls');
  assert.equal(back?.requests[0]?.url, 'http://x/index.php?page=a.php');
  await cp.unitDone('check:xss');
  await cp.unitDone('check:xss');
  assert.deepEqual([...(await cp.doneUnits())], ['check:xss']);
});

test('split units: each unit goes to one taker; a dead taker\'s units come back after its lease; the owner waits for all', { skip }, async () => {
  const id = await newJob();
  const plan = Array.from({ length: 6 }, (_, i) => ({ unit: `check:xss#${i}`, check: 'xss', group: i }));
  const owner = await new PgCheckpoint(store.db, id, 'w1', () => Date.now(), splitOpts('owner')).units(plan);
  const helpers = await Promise.all(['w2', 'w3'].map((w) => new PgCheckpoint(store.db, id, w, () => Date.now(), splitOpts('helper')).units(plan)));
  // three takers race for the six units: every unit once
  const sig = new AbortController().signal;
  const taken = await Promise.all([owner, ...helpers].flatMap((l) => [l.next(sig), l.next(sig)]));
  assert.deepEqual([...taken].sort(), plan.map((u) => u.unit).sort());
  assert.equal(await helpers[0]!.next(sig), null, 'a helper gets null when no unit is free');
  // the owner's and the first helper's units are done; the second helper's two are left
  for (const u of taken.slice(0, 4)) await owner.done(u!, 3);
  // the last two are held by a "dead" helper (never renewed past 400 ms: its lease object is dropped)
  const dead = helpers[1] as unknown as { close(): Promise<void>; timer: NodeJS.Timeout };
  clearInterval(dead.timer);
  const t0 = Date.now();
  const again = [await owner.next(sig), await owner.next(sig)];
  assert.ok(Date.now() - t0 >= 200, 'the owner waited for the leases to run out');
  for (const u of again) await owner.done(u!, 1);
  assert.equal(await owner.next(sig), null, 'every unit done');
  assert.deepEqual(owner.progress(), { done: 6, total: 6 });
});

test('shared limiter: shares are water-filled; grants never exceed the Speed; start times are spaced over every process', { skip }, async () => {
  assert.deepEqual(waterFill(4, [10, 10]), [2, 2]);
  assert.deepEqual(waterFill(10, [1, 10, 10]), [1, 5, 4]);
  assert.deepEqual(waterFill(4, [0, 3]), [0, 3]);
  const id = await newJob();
  const profile = { concurrency: 4, maxRps: 20 };
  const mk = () => new PgLimiter({ db: store.db, jobId: id, profile, maxRequests: 60, heartbeatMs: 100, staleMs: 1000, log: createLogger('silent') });
  const a = mk();
  const b = mk();
  a.demand(4, 0);
  await waitUntil(() => a.inFlightLimit() === 4);
  b.demand(4, 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(a.inFlightLimit() + b.inFlightLimit() <= 4, true);
  // a gives back its share at its renewal (nothing of it in flight), b then gets 2
  await waitUntil(() => b.inFlightLimit() === 2 && a.inFlightLimit() === 2);
  const signal = new AbortController().signal;
  const starts: number[] = [];
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).startSlot(signal).then(() => starts.push(Date.now()))));
  starts.sort((x, y) => x - y);
  // 40 starts at 20/s over two processes: about two seconds, never more than 20 in any second
  assert.ok(Date.now() - t0 >= 1800, `40 starts took ${Date.now() - t0} ms`);
  let peak = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i]! - starts[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  assert.ok(peak <= 20, `${peak} starts in one sliding second`);
  // the job's budget (60) over both, taken in chunks: 60 requests in all, whoever sends them
  let sent = 0;
  for (let i = 0; i < 200; i++) if (await (i % 3 ? a : b).spend()) sent++;
  assert.equal(sent, 60, 'the budget is counted over every process');
  await a.close();
  await b.close();
});

async function waitUntil(f: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('checkpoint: a crawl interrupted half-way resumes from the pages it saved, without fetching them again', { skip }, async () => {
  process.env.WSC_CRAWL_SAVE_MS = '100';
  const PAGES = 60;
  const hits = new Map<string, number>();
  // a chain of slow pages: the crawl can only go one page further per answer
  const routes: Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void> = {};
  // letters, not numbers, in the names: numbered siblings would be a crawler trap's pattern
  const name = (i: number): string => `/p${String.fromCharCode(97 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`;
  for (let i = 0; i < PAGES; i++) {
    routes[name(i)] = (req, res) => {
      hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
      setTimeout(() => res.end(`<html><body><h1>page ${i}</h1>${i + 1 < PAGES ? `<a href="${name(i + 1)}">next</a>` : ''}</body></html>`), 20);
    };
  }
  routes['/'] = (_req, res) => res.end(`<html><body><a href="${name(0)}">start</a></body></html>`);
  const site = await startSite(routes);
  const id = await newJob();
  const job = { startUrl: `${site.url}/`, excludeUrls: [], headers: {}, userAgent: 'PC Chrome' as const, speed: '1' as const, items: ['Directory Listing' as const], crawl: 'html' as const, limits: { requestTimeoutMs: 5000, maxDepth: 200 } };
  try {
    const first = new PgCheckpoint(store.db, id, 'w1', () => Date.now(), splitOpts('owner'));
    const ac = new AbortController();
    let ended: unknown = null;
    const run1 = runEngine(job, {}, ac.signal, { label: 'first', checkpoint: first }).finally(() => {
      ended = true;
    });
    // half the chain fetched and some of it saved by the interval, then the run is stopped
    const until = Date.now() + 30_000;
    const wait = async (what: string, ok: () => Promise<boolean> | boolean): Promise<void> => {
      while (!(await ok())) {
        if (ended || Date.now() > until) {
          ac.abort();
          await run1.catch((err: unknown) => assert.fail(`${what}: the first run ended first (${String(err)})`));
          assert.fail(`${what}: not within 30 s`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await wait('half the pages fetched', () => [...hits.keys()].filter((k) => k.startsWith('/p')).length >= PAGES / 2);
    await wait('pages saved', async () => (await first.loadCrawlPages()).length >= 10);
    ac.abort();
    await run1.then(
      () => assert.fail('the first run was stopped'),
      (err: unknown) => assert.ok(err instanceof AbortError || (err instanceof Error && /abort/i.test(err.message)), String(err)),
    );
    const saved = (await first.loadCrawlPages()).map((p) => new URL(p.request.url).pathname).filter((p) => p.startsWith('/p'));
    assert.ok(saved.length >= PAGES / 2 - 2, `pages saved on the way (${saved.length})`);
    const before = new Map(hits);
    const second = new PgCheckpoint(store.db, id, 'w2', () => Date.now(), splitOpts('owner'));
    const done = await runEngine(job, {}, new AbortController().signal, { label: 'second', checkpoint: second });
    const crawledPaths = new Set(done.urls.map((u) => new URL(u.url).pathname));
    for (let i = 0; i < PAGES; i++) assert.ok(crawledPaths.has(name(i)), `${name(i)} in the resumed crawl`);
    const refetched = saved.filter((p) => (hits.get(p) ?? 0) > (before.get(p) ?? 0));
    assert.deepEqual(refetched, [], 'no saved page was fetched again');
    assert.deepEqual(await second.loadCrawlPages(), [], 'the finished crawl replaces the pages saved on the way');
  } finally {
    delete process.env.WSC_CRAWL_SAVE_MS;
    await site.close();
  }
});
