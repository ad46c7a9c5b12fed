// A real farm on the test PostgreSQL: one API node (`wsc serve --no-runner`) and three `wsc worker`
// processes, each its own child process, in a schema of their own. Jobs are created over the
// signed API against a loopback target; a worker is killed with SIGKILL in the middle of a scan.
// Every job must complete once, with the findings a single-process run finds, the killed job
// taken over within 30 s from its checkpoint; then a stop and a cancel reach jobs on the workers.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { resolveVulnItems } from '../../src/core/items.js';
import { findingKey, type Finding } from '../../src/core/model.js';
import { STATUS } from '../../src/core/status.js';
import { createSealer, masterKeyFromString } from '../../src/core/crypto.js';
import { runEngine } from '../../src/engine/engine.js';
import { listTakeovers } from '../../src/farm/state.js';
import { openKyselyStore } from '../../src/jobs/open-store.js';
import type { KyselyStore } from '../../src/jobs/store-kysely.js';
import { send, signedHeaders, waitFor, type Key } from '../helpers/server.js';
import { API_READY, roleEnv, spawnRole, startFarmSite, WORKER_READY, type FarmSite, type Role } from './harness.js';

const pgUrl = process.env.WSC_TEST_DATABASE_URL;
const JOBS = Number(process.env.WSC_FARM_JOBS ?? 30);
const ITEMS = ['Directory Listing', 'XSS', 'Information Disclosure', 'URL Redirection'];
const MASTER = 'farm-test-master-key';
const STALE_MS = 5000;

let site: FarmSite;
const dirs: string[] = [];
const roles: Role[] = [];
let store: KyselyStore | undefined;
const schema = `farm_t${process.pid}_${Date.now().toString(36)}`;

function tmp(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `wsc-farm-${name}-`));
  dirs.push(d);
  return d;
}

const env = (dataDir: string): NodeJS.ProcessEnv => roleEnv({ pgUrl, schema, master: MASTER, dataDir, staleMs: STALE_MS });

before(async () => {
  if (!pgUrl) return;
  site = await startFarmSite({ delayMs: 50, dirs: 8, params: 6 });
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

/** A finding's identity with the job's own /sN prefix taken out of its URL. */
function keyOf(f: Finding): string {
  return findingKey({ ...f, url: f.url.replace(/\/s\d+\//, '/sN/') });
}

test('farm: 1 API node + 3 workers, a worker killed mid-scan, stop and cancel on workers, drain, a paused worker', { skip: !pgUrl && 'WSC_TEST_DATABASE_URL not set', timeout: 400_000 }, async () => {
  // The reference: the same job in this one process, no farm.
  const items = resolveVulnItems(ITEMS);
  assert.ok(items);
  const single = await runEngine({ startUrl: `${site.url}/s0/`, excludeUrls: [], headers: {}, userAgent: 'PC Chrome', speed: '1', items }, {}, new AbortController().signal);
  const reference = single.findings.map(keyOf).sort();
  assert.ok(reference.length >= 8, `the reference run finds the listings (${reference.length})`);
  // Only a crawl fetches the site's script (checks attack pages and requests): its count tells a crawl run again.
  const crawlOnly = (prefix: string): number => site.hits.get(`GET /${prefix}/app.js`) ?? 0;
  const crawlHitsSingle = crawlOnly('s0');
  assert.ok(crawlHitsSingle > 0);

  const apiDir = tmp('api');
  const api = await spawnRole(['serve', '--no-runner', '--port', '0'], env(apiDir), API_READY);
  roles.push(api);
  // each one in `roles` as soon as it runs, so a worker that is slow to start leaves none behind
  const starting = await Promise.allSettled([1, 2, 3].map((i) => spawnRole(['worker'], env(tmp(`w${i}`)), WORKER_READY)));
  const workers = starting.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  roles.push(...workers);
  for (const s of starting) if (s.status === 'rejected') throw s.reason;
  const key = JSON.parse(readFileSync(join(apiDir, 'credentials'), 'utf8')) as Key;
  store = await openKyselyStore({ databaseUrl: pgUrl, dataDir: apiDir, sealer: createSealer(masterKeyFromString(MASTER)), pgSchema: schema });
  const db = store.db;
  const call = (method: string, uri: string, body?: unknown) =>
    send(api.id, method, uri, { ...signedHeaders(method, uri, key), 'content-type': 'application/json' }, body === undefined ? undefined : JSON.stringify(body));
  const create = async (n: number): Promise<number> => {
    const r = await call('PUT', '/api/v1/job', { StartUrl: `${site.url}/s${n}/`, VulnItems: ITEMS, UserAgent: 'PC Chrome', Speed: '1', Memo: `farm ${n}` });
    assert.equal(r.status, 200, r.text);
    return Number(r.headers['x-wsc-instance-no']);
  };

  const started = Date.now();
  const ids: number[] = [];
  for (let n = 1; n <= JOBS; n++) ids.push(await create(n));

  // Kill the holder of a job that is diagnosing and has finished at least one unit of its scan.
  const victim = await waitFor(async () => {
    const r = await sql<{ id: number; runner_id: string; n: number }>`
      SELECT j.id, j.runner_id, count(u.unit)::int AS n FROM jobs j JOIN farm_units u ON u.job_id = j.id
      WHERE j.status = ${STATUS.DIAG_RUNNING} AND j.runner_id IS NOT NULL GROUP BY j.id, j.runner_id ORDER BY j.id LIMIT 1`.execute(db);
    return r.rows[0];
  }, 120_000, 100);
  const dead = workers.find((w) => w.id === victim.runner_id);
  assert.ok(dead, `the holder ${victim.runner_id} is one of the workers`);
  const unitsBefore = (await sql<{ unit: string }>`SELECT unit FROM farm_units WHERE job_id = ${victim.id}`.execute(db)).rows.map((r) => r.unit);
  const findingsBefore = await store.countFindings(Number(victim.id));
  const killedAt = Date.now();
  await dead.kill9();
  const alive = workers.filter((w) => w !== dead);

  // Every job completes.
  await waitFor(async () => {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE status = ${STATUS.DIAG_DONE}`.execute(db);
    return Number(r.rows[0]?.n) === JOBS;
  }, 300_000, 250).catch(async (err: unknown) => {
    const r = await sql<{ id: number; status: number; runner_id: string | null }>`SELECT id, status, runner_id FROM jobs ORDER BY id`.execute(db);
    throw new Error(`${String(err)}\n${JSON.stringify(r.rows)}\n${alive.map((w) => w.output().slice(-3000)).join('\n---\n')}`);
  });
  const elapsed = Date.now() - started;

  // The killed job was taken over once, within 30 s, and resumed from its checkpoint.
  const takeovers = (await listTakeovers(db)).filter((t) => t.jobId === Number(victim.id));
  assert.equal(takeovers.length, 1, JSON.stringify(takeovers));
  const t = takeovers[0]!;
  assert.equal(t.fromRunner, dead.id);
  assert.ok(alive.some((w) => w.id === t.toRunner));
  const takeoverMs = t.takenAt - killedAt;
  assert.ok(takeoverMs < 30_000, `taken over in ${takeoverMs} ms`);
  const victimPrefix = (await store.getJob(Number(victim.id)))!.startUrl.replace(/.*\/(s\d+)\/$/, '$1');
  // the crawl was not run again: the start page was fetched as often as in an uninterrupted run
  assert.equal(crawlOnly(victimPrefix), crawlHitsSingle, 'the job resumed from its checkpoint: its crawl did not run again');

  // No job ran to its end twice: one "job completed" line per job over all workers' logs.
  const completed = new Map<number, number>();
  for (const w of workers) {
    for (const line of w.output().split('\n')) {
      if (!line.includes('"msg":"job completed"')) continue;
      const id = Number(/"jobId":(\d+)/.exec(line)?.[1]);
      completed.set(id, (completed.get(id) ?? 0) + 1);
    }
  }
  for (const id of ids) assert.equal(completed.get(id), 1, `job ${id} completed ${completed.get(id) ?? 0} times`);

  // Findings equal the single-process run's, for every job, the taken-over one included.
  for (const id of ids) {
    const got = (await store.listFindings(id)).map(keyOf).sort();
    assert.deepEqual(got, reference, `findings of job ${id}`);
    const row = await store.getJob(id);
    assert.equal(row?.scanCount, reference.length, `scan_cnt of job ${id}`);
  }
  const perWorker = new Map<string, number>();
  for (const w of workers) perWorker.set(w.id.slice(0, 8), w.output().split('"msg":"job completed"').length - 1);
  console.log(
    `farm: ${JOBS} jobs on 3 workers (2 slots each) in ${(elapsed / 1000).toFixed(1)} s; worker ${dead.id.slice(0, 8)} killed (kill -9) ` +
      `during job ${victim.id} after ${unitsBefore.length} unit(s) [${unitsBefore.join(', ')}] and ${findingsBefore} finding(s); ` +
      `taken over by ${t.toRunner.slice(0, 8)} ${(takeoverMs / 1000).toFixed(1)} s after the kill (stale after ${STALE_MS / 1000} s); ` +
      `jobs completed per worker ${JSON.stringify(Object.fromEntries(perWorker))}`,
  );

  // Stop reaches a job on whichever worker runs it.
  const stopId = await create(JOBS + 1);
  const running = await waitFor(async () => {
    const j = await store!.getJob(stopId);
    return j && j.status === STATUS.DIAG_RUNNING && j.runnerId ? j : undefined;
  }, 60_000, 50);
  assert.ok(alive.some((w) => w.id === running.runnerId));
  const stopAt = Date.now();
  assert.equal((await call('PATCH', `/api/v1/jobs/${stopId}/stop`)).status, 200);
  await waitFor(async () => (await store!.getJob(stopId))?.status === STATUS.STOPPED, 5000, 20);
  const stopMs = Date.now() - stopAt;
  assert.ok(stopMs <= 2000, `stopped in ${stopMs} ms`);
  const stoppedHits = site.perSecond.get(`s${JOBS + 1}`);
  const lastHit = Math.max(...(stoppedHits?.keys() ?? [0]));

  // Cancel: a job waiting in the queue is canceled and never runs.
  const cancelId = await create(JOBS + 2);
  assert.equal((await call('PATCH', `/api/v1/jobs/${cancelId}/cancel`)).status, 200);
  await new Promise((r) => setTimeout(r, 1500));
  const canceled = await store.getJob(cancelId);
  assert.equal(canceled?.status, STATUS.CANCELED);
  assert.equal(canceled?.runnerId, null);
  assert.equal(site.perSecond.get(`s${JOBS + 2}`), undefined, 'a canceled job sends nothing');
  // nothing reaches the target from the stopped job a second after its stop
  assert.ok(lastHit <= Math.floor((stopAt + stopMs) / 1000) + 1);
  console.log(`farm: stop reached job ${stopId} on worker ${running.runnerId!.slice(0, 8)} and it was Stopped in ${stopMs} ms; a queued job was canceled and never ran`);

  // wsc workers lists the two live workers and the API node, /metrics answers on each role.
  const list = await spawnRole(['workers', '--json'], env(tmp('cli')), /(\[)/, 20_000);
  await list.exited;
  const listed = JSON.parse(list.output()) as { id: string; role: string; jobs: number[]; version: string }[];
  assert.deepEqual(listed.filter((w) => w.role === 'worker').map((w) => w.id).sort(), alive.map((w) => w.id).sort());
  assert.equal(listed.filter((w) => w.role === 'api').length, 1);
  const metricsUrl = /metrics\s+(http:\/\/\S+)/.exec(alive[0]!.output())?.[1];
  assert.ok(metricsUrl);
  const m = await fetch(metricsUrl);
  const text = await m.text();
  assert.match(text, new RegExp(`wsc_jobs\\{status="4",text="Diagnostics completed"\\} ${JOBS}`));
  assert.match(text, /wsc_queue_depth \d+/);
  const apiMetrics = await (await fetch(`${api.id}/metrics`)).text();
  assert.match(apiMetrics, /wsc_api_requests_total \d+/);
  assert.match(apiMetrics, /wsc_role_info\{role="api"\} 1/);

  // SIGTERM drains: a worker past its drain time hands its running job over, leaves the list and
  // exits 0; the job completes on the other worker, from its checkpoint.
  const drainId = await create(JOBS + 3);
  const held = await waitFor(async () => {
    const j = await store!.getJob(drainId);
    return j && j.status === STATUS.DIAG_RUNNING && j.runnerId ? j : undefined;
  }, 60_000, 50);
  const leaving = alive.find((w) => w.id === held.runnerId)!;
  const staying = alive.find((w) => w !== leaving)!;
  const termAt = Date.now();
  const code = await leaving.term();
  assert.equal(code, 0, leaving.output().slice(-2000));
  await waitFor(async () => (await store!.getJob(drainId))?.status === STATUS.DIAG_DONE, 60_000, 100);
  const handed = (await listTakeovers(db)).filter((x) => x.jobId === drainId);
  assert.equal(handed.length, 1);
  assert.equal(handed[0]!.fromRunner, leaving.id);
  assert.equal(handed[0]!.toRunner, staying.id);
  assert.deepEqual((await store.listFindings(drainId)).map(keyOf).sort(), reference);
  // A worker paused (SIGSTOP) past the stale time loses its job to another and, once resumed
  // (SIGCONT), drops it without ending it: the job completes once, with the same findings.
  const fresh = await spawnRole(['worker'], env(tmp('w4')), WORKER_READY);
  roles.push(fresh);
  const pauseId = await create(JOBS + 4);
  const pausedHeld = await waitFor(async () => {
    const j = await store!.getJob(pauseId);
    return j && j.status === STATUS.DIAG_RUNNING && j.runnerId ? j : undefined;
  }, 60_000, 50);
  const paused = [staying, fresh].find((w) => w.id === pausedHeld.runnerId)!;
  paused.child.kill('SIGSTOP');
  await waitFor(async () => {
    const j = await store!.getJob(pauseId);
    return j && j.runnerId !== null && j.runnerId !== paused.id;
  }, 30_000, 100);
  paused.child.kill('SIGCONT');
  await waitFor(async () => (await store!.getJob(pauseId))?.status === STATUS.DIAG_DONE, 60_000, 100);
  await new Promise((r) => setTimeout(r, 1500));
  const ends = [staying, fresh].map((w) => w.output().split('\n').filter((l) => l.includes('"msg":"job completed"') && l.includes(`"jobId":${pauseId}`)).length);
  assert.deepEqual(ends.sort(), [0, 1], 'one worker completed the job');
  assert.match(paused.output(), /dropping it here|left to that runner/);
  assert.deepEqual((await store.listFindings(pauseId)).map(keyOf).sort(), reference);
  console.log(`farm: worker ${paused.id.slice(0, 8)} paused (SIGSTOP) past the stale time lost job ${pauseId} to another and, resumed, dropped it; the job completed once`);

  console.log(`farm: SIGTERM drained worker ${leaving.id.slice(0, 8)}; its job ${drainId} was taken over ${((handed[0]!.takenAt - termAt) / 1000).toFixed(1)} s after the signal and completed`);
});
