// 200 concurrent createJob/stop/cancel calls racing on the same jobs and against the runner:
// every job ends in exactly one legal final state, the transitions it went through were legal
// (a canceled job never ran, a stopped one did), and getJobs' counts match the store.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FINAL_STATUSES, STATUS, STATUS_TEXT } from '../../src/core/status.js';
import { record } from '../hostile/harness.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { startSite, type Site } from '../helpers/site.js';

let t: TestServer;
let site: Site;
before(async () => {
  // a target slow enough that jobs are caught in every phase: pending, crawling, scanning
  const links = Array.from({ length: 12 }, (_, i) => `<a href="/p${i}/">p${i}</a>`).join(' ');
  const routes: Record<string, import('../helpers/site.js').Handler | string> = {
    '/': (_req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>${links}</body></html>`), 100),
  };
  for (let i = 0; i < 12; i++) {
    routes[`/p${i}/`] = (_req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(`<title>Index of /p${i}</title><h1>Index of /p${i}</h1><a href="../">Parent Directory</a>`), 80);
  }
  site = await startSite(routes);
  t = await startTestServer({ config: { maxConcurrentJobs: 3 } });
});
after(async () => {
  await t.close();
  await site.close();
});

test('200 concurrent createJob/stop/cancel races: one legal final state each, counts consistent', { timeout: 90_000 }, async () => {
  const acc = await t.account('racer', ['127.0.0.1']);
  const body = { StartUrl: `${site.url}/`, VulnItems: ['Directory Listing'], UserAgent: 'PC Chrome', Speed: '1' };
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) {
    const r = await t.call('PUT', '/api/v1/job', { ...body, Memo: `seed ${i}` }, acc);
    assert.equal(r.status, 200, r.text);
    ids.push(String(r.headers['x-wsc-instance-no']));
  }
  let seed = 42;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const statuses: number[] = [];
  const ops = Array.from({ length: 200 }, (_, i) => async () => {
    const kind = rnd(3);
    if (kind === 0) {
      const r = await t.call('PUT', '/api/v1/job', { ...body, Memo: `race ${i}` }, acc);
      statuses.push(r.status);
      if (r.status === 200) ids.push(String(r.headers['x-wsc-instance-no']));
      return;
    }
    const id = ids[rnd(ids.length)] as string;
    const r = await t.call('PATCH', `/api/v1/jobs/${id}/${kind === 1 ? 'stop' : 'cancel'}`, undefined, acc);
    statuses.push(r.status);
    // a refused stop/cancel (wrong state) is an envelope with 901, never a 5xx
    if (r.status !== 200) assert.equal(r.json.error.errorCode, 901, r.text);
  });
  // staggered a little so the races span the runner's claim, crawl and scan
  await Promise.all(ops.map((op, i) => new Promise<void>((res, rej) => setTimeout(() => op().then(res, rej), (i % 20) * 40))));
  assert.ok(statuses.every((s) => s < 500), 'no 5xx');
  // settle the rest: stop what runs, cancel what waits, until nothing moves
  const store = t.server.store;
  const final = new Set<number>(FINAL_STATUSES);
  await waitFor(async () => {
    let open = 0;
    for (const id of ids) {
      const j = await store.getJob(Number(id));
      assert.ok(j, `job ${id} exists`);
      if (final.has(j.status)) continue;
      open++;
      await t.call('PATCH', `/api/v1/jobs/${id}/stop`, undefined, acc);
      await t.call('PATCH', `/api/v1/jobs/${id}/cancel`, undefined, acc);
    }
    return open === 0;
  }, 45_000, 300);
  const byStatus: Record<string, number> = {};
  for (const id of ids) {
    const j = await store.getJob(Number(id));
    assert.ok(j && final.has(j.status), `job ${id} final: ${j?.status}`);
    byStatus[STATUS_TEXT[j.status]] = (byStatus[STATUS_TEXT[j.status]] ?? 0) + 1;
    if (j.status === STATUS.CANCELED) assert.equal(j.startedAt, null, `canceled job ${id} never ran`);
    if (j.status === STATUS.STOPPED) assert.notEqual(j.startedAt, null, `stopped job ${id} had run`);
    assert.notEqual(j.endedAt, null, `job ${id} has an end time`);
  }
  // a second look after a pause: final really is final
  await new Promise((r) => setTimeout(r, 1500));
  for (const id of ids) {
    const j = await store.getJob(Number(id));
    assert.ok(j && final.has(j.status), `job ${id} stayed final`);
  }
  const list = await t.call('GET', '/api/v1/jobs?limit=1000&page=1', undefined, acc);
  assert.equal(list.status, 200);
  assert.equal(list.json.resources.total_cnt, ids.length);
  const fromStore = await store.listJobs(acc.accountId, { limit: 1000, offset: 0 });
  assert.equal(fromStore.total, ids.length);
  const apiStatuses = new Map<string, string>((list.json.resources.record_data as { instanceNo: string; status: string }[]).map((r) => [r.instanceNo, r.status]));
  for (const row of fromStore.rows) assert.equal(apiStatuses.get(String(row.id)), STATUS_TEXT[row.status], `job ${row.id}`);
  record('races', { ops: 200, jobs: ids.length, fivexx: statuses.filter((s) => s >= 500).length, lost: ids.length - fromStore.total, byStatus });
});
