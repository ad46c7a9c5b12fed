// Reservations (createJob's ReservedAt): status 12 with reserved_at until the controlled clock
// reaches the time, started then by the runner's own tick (no request comes in), kept across a
// restart, cancelable; NCP clients' records are unchanged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { movableClock, startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { fakeEngine, type FakeEngine } from './fake-engine.js';

const clock = movableClock(Date.parse('2026-12-03T05:00:00Z'));
let t: TestServer;
let fe: FakeEngine;
const body = { StartUrl: 'http://localhost:9/app', VulnItems: ['ALL'], UserAgent: 'PC Chrome', Speed: '1' };

before(async () => {
  fe = fakeEngine(clock);
  t = await startTestServer({ clock, engine: fe.engine, config: { schedulerTickMs: 100, clockSkewMs: 10 * 365 * 24 * 3600 * 1000 } });
});
after(async () => {
  await t.close();
});

async function record(id: string, key = t.admin) {
  const r = await t.call('GET', '/api/v1/jobs?limit=100&page=1', undefined, key);
  return (r.json.resources.record_data ?? []).find((x: { instanceNo: string }) => x.instanceNo === id);
}

test('a reserved job stays Scheduled until its time, then starts without any request', async () => {
  const at = '2026-12-03T15:00:00+09:00'; // 06:00Z, one hour ahead of the clock
  const r = await t.call('PUT', '/api/v1/job', { ...body, Memo: 'reserved', ReservedAt: at });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.resources, null);
  const id = String(r.headers['x-wsc-instance-no']);
  const rec = await record(id);
  assert.equal(rec.status, 'Scheduled');
  assert.equal(rec.reserved_at, Date.parse(at));

  // an ordinary job created meanwhile runs at once, and has no reserved_at
  const plain = await t.call('PUT', '/api/v1/job', { ...body, StartUrl: 'http://localhost:9/plain' });
  const plainId = String(plain.headers['x-wsc-instance-no']);
  await waitFor(async () => (await record(plainId))?.status === 'Diagnostics completed');
  assert.equal('reserved_at' in (await record(plainId)), false);

  clock.set(Date.parse(at) - 1000);
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal((await record(id)).status, 'Scheduled', 'not started a second early');
  assert.equal(fe.starts.filter((s) => s.url.endsWith('/app')).length, 0);

  clock.set(Date.parse(at));
  await waitFor(async () => (await record(id))?.status === 'Diagnostics completed', 5000);
  const start = fe.starts.find((s) => s.url.endsWith('/app'));
  assert.equal(start?.at, Date.parse(at), 'started at the reserved time of the controlled clock');
});

test('a reserved job can be canceled; bad ReservedAt values are refused with the field named', async () => {
  const r = await t.call('PUT', '/api/v1/job', { ...body, ReservedAt: clock.now() + 60_000 });
  const id = String(r.headers['x-wsc-instance-no']);
  assert.equal((await t.call('PATCH', `/api/v1/jobs/${id}/cancel`)).status, 200);
  clock.advance(120_000);
  await new Promise((res) => setTimeout(res, 1200));
  assert.equal((await record(id)).status, 'Canceled');

  for (const bad of [clock.now() - 1, clock.now() + 400 * 24 * 3600 * 1000, '2026-12-03 15:00', 'tomorrow', true]) {
    const e = await t.call('PUT', '/api/v1/job', { ...body, ReservedAt: bad });
    assert.equal(e.status, 400, String(bad));
    assert.equal(e.json.error.errorCode, 160433);
    assert.equal(e.json.error.message, 'Param Value Not Define - ReservedAt');
  }
});

test('a reservation survives a restart and starts after it at its time', async () => {
  const { startServer } = await import('../../src/server.js');
  await t.server.close();
  const at = clock.now() + 3_600_000;
  // the store of the closed server, reopened by a new one on the same data dir
  let s2 = await startServer({ host: '127.0.0.1', port: 0, dataDir: t.dataDir, env: { WSC_LOG_LEVEL: 'silent' }, config: { rateLimitPerKey: 0, schedulerTickMs: 100, clockSkewMs: 10 * 365 * 24 * 3600 * 1000 }, banner: false, clock, engine: fe.engine });
  const { signedHeaders, send } = await import('../helpers/server.js');
  const put = (srv: typeof s2) => send(srv.url, 'PUT', '/api/v1/job', { ...signedHeaders('PUT', '/api/v1/job', t.admin, String(clock.now())), 'content-type': 'application/json' }, JSON.stringify({ ...body, StartUrl: 'http://localhost:9/restart', ReservedAt: at }));
  const r = await put(s2);
  const id = Number(r.headers['x-wsc-instance-no']);
  await s2.close();
  s2 = await startServer({ host: '127.0.0.1', port: 0, dataDir: t.dataDir, env: { WSC_LOG_LEVEL: 'silent' }, config: { rateLimitPerKey: 0, schedulerTickMs: 100 }, banner: false, clock, engine: fe.engine });
  try {
    await new Promise((res) => setTimeout(res, 1200));
    assert.equal((await s2.store.getJob(id))?.status, 12);
    clock.set(at);
    await waitFor(async () => (await s2.store.getJob(id))?.status === 4, 5000);
  } finally {
    await s2.close();
  }
});
