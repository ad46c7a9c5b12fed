// Recurring schedules over HTTP on the real server with a controlled clock: one job per period,
// MaxRuns, SkipIfRunning (the skip recorded), time zones, pause/resume, a missed run fired once
// after a restart, and the documented envelope for bad inputs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { movableClock, startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { fakeEngine, type FakeEngine } from './fake-engine.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const clock = movableClock(Date.parse('2026-12-03T05:00:30Z'));
let t: TestServer;
let fe: FakeEngine;
const job = { StartUrl: 'http://localhost:9/s', VulnItems: ['ALL'], UserAgent: 'PC Chrome', Speed: '1', Headers: { Authorization: 'Bearer s3cret-token' } };

before(async () => {
  fe = fakeEngine(clock);
  t = await startTestServer({ clock, engine: fe.engine, config: { schedulerTickMs: 50, clockSkewMs: 10 * 365 * 24 * 3600 * 1000 } });
});
after(async () => {
  await t.close();
});

const tick = () => new Promise((r) => setTimeout(r, 400));
async function show(id: number) {
  const r = await t.call('GET', `/api/v1/schedules/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.json.resources as { schedule: Record<string, any>; runs: Record<string, any>[] };
}
async function jobsOf(url: string): Promise<number> {
  return (await t.server.store.listJobs(1, { limit: 1000, offset: 0 })).rows.filter((j) => j.startUrl === url).length;
}

test('a cron schedule creates one job per period, at its time, as an ordinary job', async () => {
  const url = 'http://localhost:9/every-hour';
  const r = await t.call('PUT', '/api/v1/schedules', { Name: 'hourly', Cron: '0 * * * *', Job: { ...job, StartUrl: url } });
  assert.equal(r.status, 200, r.text);
  const s = r.json.resources.schedule;
  assert.equal(s.cron, '0 * * * *');
  assert.equal(s.every, null);
  assert.equal(s.timezone, 'UTC');
  assert.equal(s.next_run_at, Date.parse('2026-12-03T06:00:00Z'));
  assert.equal(s.job.Headers.Authorization, '********', 'secrets are masked in answers');
  assert.ok(!r.text.includes('s3cret-token'));

  await tick();
  assert.equal(await jobsOf(url), 0, 'nothing before its time');
  clock.set(Date.parse('2026-12-03T06:00:00Z'));
  await waitFor(async () => (await jobsOf(url)) === 1, 5000);
  await tick();
  await tick();
  assert.equal(await jobsOf(url), 1, 'one job for the period, however many ticks');
  const shown = await show(s.schedule_id);
  assert.equal(shown.schedule.run_count, 1);
  assert.equal(shown.schedule.next_run_at, Date.parse('2026-12-03T07:00:00Z'));
  assert.equal(shown.runs.length, 1);
  assert.equal(shown.runs[0]?.outcome, 'created');
  assert.equal(shown.runs[0]?.instance_id, shown.schedule.last_instance_id);
  const created = await t.server.store.getJob(Number(shown.runs[0]?.instance_id));
  assert.equal(created?.accountId, 1);
  assert.equal(created?.settings.headers.Authorization, 'Bearer s3cret-token', 'the job gets the real secrets');
  await waitFor(async () => (await t.server.store.getJob(created!.id))?.status === 4);

  clock.set(Date.parse('2026-12-03T07:00:00Z'));
  await waitFor(async () => (await jobsOf(url)) === 2, 5000);
  assert.equal((await t.call('DELETE', `/api/v1/schedules/${s.schedule_id}`)).status, 200);
  assert.equal((await t.call('GET', `/api/v1/schedules/${s.schedule_id}`)).status, 400);
});

test('MaxRuns stops the schedule; pause and resume', async () => {
  const url = 'http://localhost:9/max';
  const r = await t.call('PUT', '/api/v1/schedules', { Name: 'twice', Cron: '*/10 * * * *', MaxRuns: 2, Job: { ...job, StartUrl: url } });
  const id = r.json.resources.schedule.schedule_id;
  for (let i = 0; i < 3; i++) {
    clock.advance(10 * MIN);
    await tick();
    await tick();
  }
  assert.equal(await jobsOf(url), 2);
  const s = (await show(id)).schedule;
  assert.equal(s.run_count, 2);
  assert.equal(s.next_run_at, null);

  const p = await t.call('PUT', '/api/v1/schedules', { Name: 'paused', Cron: '*/10 * * * *', Job: { ...job, StartUrl: 'http://localhost:9/paused' } });
  const pid = p.json.resources.schedule.schedule_id;
  const paused = await t.call('PATCH', `/api/v1/schedules/${pid}`, { Enabled: false });
  assert.equal(paused.json.resources.schedule.enabled, false);
  assert.equal(paused.json.resources.schedule.next_run_at, null);
  clock.advance(30 * MIN);
  await tick();
  assert.equal(await jobsOf('http://localhost:9/paused'), 0);
  const resumed = await t.call('PATCH', `/api/v1/schedules/${pid}`, { Enabled: true });
  assert.ok(resumed.json.resources.schedule.next_run_at > clock.now(), 'resumed: next run from now, missed ones dropped');
  await tick();
  assert.equal(await jobsOf('http://localhost:9/paused'), 0);
  await t.call('DELETE', `/api/v1/schedules/${pid}`);
});

test('SkipIfRunning: a run due while the previous job runs is skipped and recorded', async () => {
  const url = 'http://localhost:9/skip';
  const r = await t.call('PUT', '/api/v1/schedules', { Name: 'skipper', Cron: '*/5 * * * *', Job: { ...job, StartUrl: url } });
  const id = r.json.resources.schedule.schedule_id;
  fe.hold = true;
  try {
    clock.set(r.json.resources.schedule.next_run_at);
    await waitFor(async () => (await jobsOf(url)) === 1, 5000);
    clock.advance(5 * MIN);
    await waitFor(async () => (await show(id)).runs.length === 2, 5000);
    const shown = await show(id);
    assert.equal(shown.runs[0]?.outcome, 'skipped');
    assert.equal(shown.runs[0]?.instance_id, null);
    assert.match(shown.runs[0]?.error, /still running/);
    assert.equal(shown.schedule.run_count, 1, 'a skip is not a run');
    assert.equal(await jobsOf(url), 1);
  } finally {
    fe.hold = false;
  }
  await t.call('PATCH', `/api/v1/schedules/${id}`, { SkipIfRunning: false });
  await t.call('DELETE', `/api/v1/schedules/${id}`);
});

test('Every daily/weekly/monthly compile to cron in the schedule time zone', async () => {
  clock.set(Date.parse('2026-12-03T05:00:30Z')); // a Thursday; 14:00:30 in Seoul
  const daily = await t.call('PUT', '/api/v1/schedules', { Name: 'd', Every: 'daily', At: '09:30', TimeZone: 'Asia/Seoul', Enabled: false, Job: job });
  assert.equal(daily.json.resources.schedule.cron, '30 9 * * *');
  const on = await t.call('PATCH', `/api/v1/schedules/${daily.json.resources.schedule.schedule_id}`, { Enabled: true });
  // next 09:30 in Seoul (UTC+9) is tomorrow 00:30Z
  assert.equal(on.json.resources.schedule.next_run_at, Date.parse('2026-12-04T00:30:00Z'));
  const weekly = await t.call('PUT', '/api/v1/schedules', { Name: 'w', Every: 'weekly', Weekday: 1, At: '08:00', TimeZone: 'America/New_York', Job: job });
  assert.equal(weekly.json.resources.schedule.cron, '0 8 * * 1');
  assert.equal(weekly.json.resources.schedule.next_run_at, Date.parse('2026-12-07T13:00:00Z'));
  const monthly = await t.call('PUT', '/api/v1/schedules', { Name: 'm', Every: 'monthly', MonthDay: 15, Job: job });
  assert.equal(monthly.json.resources.schedule.cron, '0 0 15 * *');
  assert.equal(monthly.json.resources.schedule.next_run_at, Date.parse('2026-12-15T00:00:00Z'));
  const list = await t.call('GET', '/api/v1/schedules');
  assert.ok(list.json.resources.schedules.length >= 3);
  for (const s of list.json.resources.schedules) await t.call('DELETE', `/api/v1/schedules/${s.schedule_id}`);
});

test('bad inputs get the 160433 envelope naming the field', async () => {
  const cases: [unknown, string][] = [
    [{ Name: 'x', Cron: 'not a cron', Job: job }, 'Cron'],
    [{ Name: 'x', Cron: '61 * * * *', Job: job }, 'Cron'],
    [{ Name: 'x', Cron: '0 0 * * * *', Job: job }, 'Cron'],
    [{ Name: 'x', Cron: '0 * * * *', Every: 'daily', Job: job }, 'Every'],
    [{ Name: 'x', Job: job }, 'Cron'],
    [{ Name: 'x', Every: 'hourly', Job: job }, 'Every'],
    [{ Name: 'x', Every: 'daily', At: '25:00', Job: job }, 'At'],
    [{ Name: 'x', Every: 'daily', Weekday: 2, Job: job }, 'Weekday'],
    [{ Name: 'x', Cron: '0 * * * *', TimeZone: 'Mars/Olympus', Job: job }, 'TimeZone'],
    [{ Name: 'x', Cron: '0 * * * *', MaxRuns: 0, Job: job }, 'MaxRuns'],
    [{ Name: '', Cron: '0 * * * *', Job: job }, 'Name'],
    [{ Name: 'x', Cron: '0 * * * *', Job: { ...job, StartUrl: 'ftp://x' } }, 'Job.StartUrl'],
    [{ Name: 'x', Cron: '0 * * * *', Job: { ...job, ReservedAt: 1 } }, 'Job.ReservedAt'],
    [{ Name: 'x', Cron: '0 * * * *', Job: job, Bogus: 1 }, 'Bogus'],
  ];
  for (const [body, field] of cases) {
    const r = await t.call('PUT', '/api/v1/schedules', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.error.errorCode, 160433, r.text);
    assert.equal(r.json.error.message, `Param Value Not Define - ${field}`, r.text);
    assert.equal(typeof r.json.error.details, 'string');
  }
  const notMine = await t.call('PUT', '/api/v1/schedules', { Name: 'x', Cron: '0 * * * *', Job: { ...job, StartUrl: 'http://example.com/' } });
  assert.equal(notMine.status, 400);
  assert.equal(notMine.json.error.errorCode, 160451);
  const other = await t.account('mallory', ['localhost']);
  const mine = await t.call('PUT', '/api/v1/schedules', { Name: 'mine', Cron: '0 * * * *', Job: job });
  const id = mine.json.resources.schedule.schedule_id;
  assert.equal((await t.call('GET', `/api/v1/schedules/${id}`, undefined, other)).status, 400, 'another account does not see it');
  assert.equal((await t.call('DELETE', `/api/v1/schedules/${id}`, undefined, other)).status, 400);
  assert.equal((await t.call('GET', '/api/v1/schedules/abc')).status, 400);
  await t.call('DELETE', `/api/v1/schedules/${id}`);
});

test('a run missed while the server was down runs once on start, not once per missed period', async () => {
  const { startServer } = await import('../../src/server.js');
  const url = 'http://localhost:9/missed';
  const r = await t.call('PUT', '/api/v1/schedules', { Name: 'missed', Cron: '*/5 * * * *', Job: { ...job, StartUrl: url } });
  const id = r.json.resources.schedule.schedule_id;
  await t.server.close();
  clock.advance(HOUR); // twelve periods pass while down
  const s2 = await startServer({ host: '127.0.0.1', port: 0, dataDir: t.dataDir, env: { WSC_LOG_LEVEL: 'silent' }, config: { rateLimitPerKey: 0, schedulerTickMs: 50 }, banner: false, clock, engine: fe.engine });
  try {
    await waitFor(async () => (await s2.store.schedules.get(id))?.runCount === 1, 5000);
    await tick();
    await tick();
    const s = await s2.store.schedules.get(id);
    assert.equal(s?.runCount, 1);
    assert.ok((s?.nextRunAt ?? 0) > clock.now());
  } finally {
    await s2.close();
  }
});
