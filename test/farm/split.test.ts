// One large job split over three `wsc worker` processes on the test PostgreSQL: its diagnosis is
// divided into units (check x group of attack targets) that several workers run at once. The
// findings must equal a single-process run's, and the target must never see more than the job's
// Speed (requests per sliding second and in flight, counted by the loopback target itself) however
// many workers send for it. A worker holding units is killed with SIGKILL: the job still completes,
// with the same findings. A stop reaches every worker running a unit of the job.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { resolveVulnItems, SPEEDS } from '../../src/core/items.js';
import { findingKey, type Finding } from '../../src/core/model.js';
import { STATUS } from '../../src/core/status.js';
import { createSealer, masterKeyFromString } from '../../src/core/crypto.js';
import { runEngine } from '../../src/engine/engine.js';
import { openKyselyStore } from '../../src/jobs/open-store.js';
import type { KyselyStore } from '../../src/jobs/store-kysely.js';
import { send, signedHeaders, waitFor, type Key } from '../helpers/server.js';
import { API_READY, peakSlidingSecond, roleEnv, spawnRole, startFarmSite, WORKER_READY, type FarmSite, type Role } from './harness.js';

const pgUrl = process.env.WSC_TEST_DATABASE_URL;
const ITEMS = ['Directory Listing', 'XSS', 'Information Disclosure', 'URL Redirection'];
const SPEED = '2' as const;
const MASTER = 'farm-split-master-key';
const STALE_MS = 4000;

let site: FarmSite;
const dirs: string[] = [];
const roles: Role[] = [];
let store: KyselyStore | undefined;
const schema = `farm_x${process.pid}_${Date.now().toString(36)}`;

function tmp(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `wsc-split-${name}-`));
  dirs.push(d);
  return d;
}

const env = (dataDir: string): NodeJS.ProcessEnv => roleEnv({ pgUrl, schema, master: MASTER, dataDir, staleMs: STALE_MS, extra: { WSC_METRICS_LISTEN: 'off', WSC_UNIT_TARGETS: '3' } });

before(async () => {
  if (!pgUrl) return;
  site = await startFarmSite({ delayMs: 50, dirs: 4, params: 16, reflect: 6 });
});

after(async () => {
  for (const r of roles) if (r.child.exitCode === null && r.child.signalCode === null) await r.kill9();
  if (store) {
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(store.db);
    await sql`DROP SCHEMA IF EXISTS ${sql.id(`${schema}_queue`)} CASCADE`.execute(store.db);
    await store.close();
  }
  await site?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function keyOf(f: Finding): string {
  return findingKey({ ...f, url: f.url.replace(/\/s\d+\//, '/sN/') });
}

test('split: one large job over 3 workers, within its Speed at the target; a worker holding units killed; a stop reaches every unit', { skip: !pgUrl && 'WSC_TEST_DATABASE_URL not set', timeout: 400_000 }, async () => {
  const items = resolveVulnItems(ITEMS);
  assert.ok(items);
  const limit = SPEEDS[SPEED];
  const single = await runEngine({ startUrl: `${site.url}/s0/`, excludeUrls: [], headers: {}, userAgent: 'PC Chrome', speed: SPEED, items }, {}, new AbortController().signal);
  const reference = single.findings.map(keyOf).sort();
  assert.ok(reference.filter((k) => k.includes('XSS')).length >= 6, `the reference finds the reflections (${reference.join(' | ')})`);

  const apiDir = tmp('api');
  const api = await spawnRole(['serve', '--no-runner', '--port', '0'], env(apiDir), API_READY);
  roles.push(api);
  const starting = await Promise.allSettled([1, 2, 3].map((i) => spawnRole(['worker'], env(tmp(`w${i}`)), WORKER_READY)));
  const workers = starting.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  roles.push(...workers);
  for (const s of starting) if (s.status === 'rejected') throw s.reason;
  const key = JSON.parse(readFileSync(join(apiDir, 'credentials'), 'utf8')) as Key;
  store = await openKyselyStore({ databaseUrl: pgUrl, dataDir: apiDir, sealer: createSealer(masterKeyFromString(MASTER)), pgSchema: schema });
  const db = store.db;
  const call = (method: string, uri: string, body?: unknown) =>
    send(api.id, method, uri, { ...signedHeaders(method, uri, key), 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
  const create = async (n: number, extra: Record<string, unknown> = {}): Promise<number> => {
    const r = await call('PUT', '/api/v1/job', { StartUrl: `${site.url}/s${n}/`, VulnItems: ITEMS, UserAgent: 'PC Chrome', Speed: SPEED, Memo: `split ${n}`, ...extra });
    assert.equal(r.status, 200, r.text);
    return Number(r.headers['x-wsc-instance-no']);
  };
  const unitsOf = async (id: number) =>
    (await sql<{ unit: string; holder: string | null; done_by: string | null }>`SELECT unit, holder, done_by FROM farm_job_units WHERE job_id = ${id} ORDER BY seq`.execute(db)).rows;
  const dump = async (): Promise<string> => workers.map((w) => w.output().slice(-2500)).join('\n---\n');

  // 1. One job, three workers: its units spread over more than one worker.
  const t0 = Date.now();
  const a = await create(1);
  await waitFor(async () => (await store!.getJob(a))?.status === STATUS.DIAG_DONE, 180_000, 100).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${await dump()}`);
  });
  const seconds = (Date.now() - t0) / 1000;
  const units = await unitsOf(a);
  const by = new Map<string, number>();
  for (const u of units) by.set(u.done_by ?? '-', (by.get(u.done_by ?? '-') ?? 0) + 1);
  assert.ok(units.length > 6, `the job was split (${units.length} units)`);
  assert.ok(by.size > 1, `units ran on more than one worker: ${JSON.stringify(Object.fromEntries(by))}`);
  assert.ok(!by.has('-'), 'every unit done');
  assert.deepEqual((await store.listFindings(a)).map(keyOf).sort(), reference, 'findings equal the single-process run');
  assert.equal((await store.getJob(a))?.scanCount, reference.length);
  const peakRate = peakSlidingSecond(site, 's1');
  const peakFlight = site.peakInFlight.get('s1') ?? 0;
  assert.ok(peakRate <= limit.maxRps, `peak ${peakRate} requests in a sliding second (Speed ${SPEED}: ${limit.maxRps})`);
  assert.ok(peakFlight <= limit.concurrency, `peak ${peakFlight} in flight (Speed ${SPEED}: ${limit.concurrency})`);
  let reservations = 0;
  let grants = 0;
  for (const w of workers) {
    for (const line of w.output().split('\n')) {
      if (!line.includes('"msg":"shared limiter closed"') || !line.includes(`"jobId":${a},`)) continue;
      reservations += Number(/"reservations":(\d+)/.exec(line)?.[1] ?? 0);
      grants += Number(/"grants":(\d+)/.exec(line)?.[1] ?? 0);
    }
  }
  console.log(`split: shared limiter cost for job ${a}: ${reservations} start-time reservations and ${grants} grant renewals over ${seconds.toFixed(1)} s (${(reservations / seconds).toFixed(1)} and ${(grants / seconds).toFixed(1)} round trips/s)`);
  console.log(
    `split: 1 job on 3 workers in ${seconds.toFixed(1)} s, ${units.length} units done by ${by.size} workers ${JSON.stringify([...by.values()])}; ` +
      `target saw peak ${peakRate} req in a sliding second and ${peakFlight} in flight (Speed ${SPEED}: ${limit.maxRps}/s, ${limit.concurrency}); ` +
      `single process: ${single.findings.length} findings, farm the same`,
  );

  // 2. kill -9 of a worker holding units of a job it does not own: the job completes, same findings.
  const b = await create(2);
  const victim = await waitFor(async () => {
    const j = await store!.getJob(b);
    if (!j || j.status !== STATUS.DIAG_RUNNING || !j.runnerId) return undefined;
    const held = (await unitsOf(b)).filter((u) => u.holder !== null && !u.holder.startsWith(j.runnerId!));
    const holder = held[0]?.holder?.split('/')[0];
    return holder ? { owner: j.runnerId, holder } : undefined;
  }, 120_000, 50);
  const dead = workers.find((w) => w.id === victim.holder);
  assert.ok(dead, `the unit holder ${victim.holder} is a worker`);
  const killedAt = Date.now();
  await dead.kill9();
  const alive = workers.filter((w) => w !== dead);
  await waitFor(async () => (await store!.getJob(b))?.status === STATUS.DIAG_DONE, 180_000, 100).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${await dump()}`);
  });
  const afterKill = (Date.now() - killedAt) / 1000;
  const unitsB = await unitsOf(b);
  assert.ok(unitsB.every((u) => u.done_by !== null), 'every unit done');
  assert.deepEqual((await store.listFindings(b)).map(keyOf).sort(), reference, 'findings equal after the kill');
  assert.ok(peakSlidingSecond(site, 's2') <= limit.maxRps && (site.peakInFlight.get('s2') ?? 0) <= limit.concurrency, 'within Speed across the kill');
  console.log(`split: helper ${dead.id.slice(0, 8)} killed (kill -9) holding units of job ${b}; the job completed ${afterKill.toFixed(1)} s later with the same ${reference.length} findings (units' lease ${STALE_MS / 1000} s)`);

  // 3. A stop reaches the owner and every worker running a unit of the job within 2 s.
  const c = await create(3);
  await waitFor(async () => {
    const j = await store!.getJob(c);
    if (!j || j.status !== STATUS.DIAG_RUNNING) return false;
    const holders = new Set((await unitsOf(c)).flatMap((u) => (u.holder ? [u.holder.split('/')[0]] : [])));
    return holders.size >= 2;
  }, 120_000, 50);
  const stopAt = Date.now();
  assert.equal((await call('PATCH', `/api/v1/jobs/${c}/stop`)).status, 200);
  await waitFor(async () => (await store!.getJob(c))?.status === STATUS.STOPPED, 5000, 20);
  const stopMs = Date.now() - stopAt;
  assert.ok(stopMs <= 2000, `stopped in ${stopMs} ms`);
  const before = site.arrivals.get('s3')?.length ?? 0;
  await new Promise((r) => setTimeout(r, 2000));
  const late = (site.arrivals.get('s3')?.length ?? 0) - before;
  assert.equal(late, 0, `${late} request(s) reached the target after the job was Stopped`);
  assert.deepEqual((await unitsOf(c)).filter((u) => u.holder !== null), [], 'no unit is held after the stop');
  // 4. The job's request budget is counted over every worker: the target sees at most maxRequests.
  const budget = Math.floor(single.stats.requests / 2);
  const d = await create(4, { Limits: { maxRequests: budget } });
  await waitFor(async () => (await store!.getJob(d))?.status === STATUS.DIAG_DONE, 120_000, 100).catch(async (err: unknown) => {
    throw new Error(`${String(err)}\n${await dump()}`);
  });
  const hitsD = site.arrivals.get('s4')?.length ?? 0;
  assert.ok(hitsD <= budget, `${hitsD} requests reached the target; the job's budget is ${budget}`);
  assert.match((await store.getJob(d))?.resultDesc ?? '', /warning/i);
  console.log(`split: a job with maxRequests ${budget} (half a full run) sent ${hitsD} requests over the workers and completed with a warning`);
  console.log(`split: stop of job ${c} (units on ${alive.length} workers) Stopped in ${stopMs} ms; nothing reached the target after it`);
});
