// The farm's guarded claims and releases on PostgreSQL: however many workers race, one wins.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { createSealer, masterKeyFromString } from '../../src/core/crypto.js';
import { STATUS } from '../../src/core/status.js';
import { PgCheckpoint } from '../../src/farm/checkpoint.js';
import { claimJob, currentAttempt, ensureFarmTables, releaseJob } from '../../src/farm/state.js';
import { openKyselyStore } from '../../src/jobs/open-store.js';
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
  const cp = new PgCheckpoint(store.db, id, 'w1', () => Date.now());
  assert.equal(await cp.loadCrawl(), null);
  const codePaths = new Map([['http://x/index.php', new Map([['page', new Set(['a.php', 'b.php'])]])]]);
  await cp.saveCrawl({ requests: [{ method: 'GET', url: 'http://x/index.php?page=a.php', source: 'link', depth: 1 }], pages: [], urls: [{ method: 'GET', url: 'http://x/' }], codePaths, pagesSkipped: 0, limitReached: 'maxUrls' });
  const back = await new PgCheckpoint(store.db, id, 'w2', () => Date.now()).loadCrawl();
  assert.deepEqual(back?.codePaths, codePaths);
  assert.equal(back?.limitReached, 'maxUrls');
  assert.equal(back?.requests[0]?.url, 'http://x/index.php?page=a.php');
  await cp.unitDone('check:xss');
  await cp.unitDone('check:xss');
  assert.deepEqual([...(await cp.doneUnits())], ['check:xss']);
});
