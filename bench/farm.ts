// `npm run bench:farm`: the farm's throughput with 1, 2 and 4 `wsc worker` processes (and one
// `wsc serve --no-runner` API node) on PostgreSQL, against a loopback target whose every answer
// takes 50 ms, so the target's latency and the jobs' Speed, not the CPU, bound a job. Prints
// jobs/hour, requests/s seen by the target, and the target-side peaks (requests in one second and
// in flight) per job, which must stay within the job's Speed however many workers there are.
// Then one large job alone on 1, 2 and 4 workers: its diagnosis split into units (check x group of
// attack targets) run by every worker, the job's Speed shared over them in PostgreSQL: wall time,
// requests/s, and the target-side peaks (sliding second, in flight) against the Speed.
// Needs WSC_BENCH_DATABASE_URL or WSC_TEST_DATABASE_URL; each run uses schemas of its own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { signatureV2 } from '../src/core/signature.js';
import { API_READY, peakPerSecond, peakSlidingSecond, spawnRole, startFarmSite, WORKER_READY, type Role } from '../test/farm/harness.js';

const url = process.env.WSC_BENCH_DATABASE_URL ?? process.env.WSC_TEST_DATABASE_URL;
if (!url) {
  console.error('bench:farm needs PostgreSQL: set WSC_BENCH_DATABASE_URL (or WSC_TEST_DATABASE_URL), e.g. postgres://postgres@127.0.0.1:5432/test');
  process.exit(2);
}
const WORKERS = (process.env.WSC_FARM_BENCH_WORKERS ?? '1,2,4').split(',').filter(Boolean).map(Number);
const JOBS = Number(process.env.WSC_FARM_BENCH_JOBS ?? 16);
const SLOTS = Number(process.env.WSC_FARM_BENCH_SLOTS ?? 2);
const SPEED = process.env.WSC_FARM_BENCH_SPEED ?? '1';
// Speed words as README documents them: requests in flight and requests/s per job
const SPEED_LIMITS: Record<string, { inFlight: number; perSecond: number }> = { '1': { inFlight: 4, perSecond: 25 }, '2': { inFlight: 10, perSecond: 100 }, '3': { inFlight: 32, perSecond: Infinity } };
const limits = SPEED_LIMITS[SPEED];
if (!limits) throw new Error(`WSC_FARM_BENCH_SPEED must be 1, 2 or 3, got ${SPEED}`);
const ITEMS = ['Directory Listing', 'XSS', 'Information Disclosure', 'URL Redirection'];
const LARGE_WORKERS = (process.env.WSC_FARM_BENCH_LARGE_WORKERS ?? '1,2,4').split(',').filter(Boolean).map(Number);
const LARGE_SPEED = process.env.WSC_FARM_BENCH_LARGE_SPEED ?? '2';
const largeLimits = SPEED_LIMITS[LARGE_SPEED];
if (!largeLimits) throw new Error(`WSC_FARM_BENCH_LARGE_SPEED must be 1, 2 or 3, got ${LARGE_SPEED}`);
/** The large job's site: pages with parameters (attacked by every split check), 8 of them reflecting. */
const LARGE_SITE = { delayMs: 50, dirs: 8, params: 48, reflect: 8 };
/** SQL injection makes it large: ~2,600 of its ~3,000 requests, over 260 insertion points. */
const LARGE_ITEMS = [...ITEMS, 'SQL Injection'];

interface Row {
  workers: number;
  jobs: number;
  seconds: number;
  jobsPerHour: number;
  requestsPerSecond: number;
  peakJobPerSecond: number;
  peakJobInFlight: number;
  peakAllPerSecond: number;
}

interface LargeRow {
  workers: number;
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  peakSliding: number;
  peakInFlight: number;
  units: number;
  unitWorkers: number;
  findings: number;
}

async function runOnce(workers: number): Promise<Row> {
  const r = await farmRun(workers, 'many');
  return r as Row;
}

async function runLarge(workers: number): Promise<LargeRow> {
  return (await farmRun(workers, 'large')) as LargeRow;
}

async function farmRun(workers: number, kind: 'many' | 'large'): Promise<Row | LargeRow> {
  const jobs = kind === 'many' ? JOBS : 1;
  const speed = kind === 'many' ? SPEED : LARGE_SPEED;
  const schema = `farm_bench_${process.pid}_${workers}_${Date.now().toString(36)}`;
  const dirs: string[] = [];
  const tmp = (n: string): string => {
    const d = mkdtempSync(join(tmpdir(), `wsc-farm-bench-${n}-`));
    dirs.push(d);
    return d;
  };
  const env = (dataDir: string): NodeJS.ProcessEnv => ({
    WSC_DATABASE_URL: url,
    WSC_DATABASE_SCHEMA: schema,
    WSC_MASTER_KEY: 'farm-bench-master-key',
    WSC_DATA_DIR: dataDir,
    WSC_LOG_LEVEL: 'warn',
    WSC_METRICS_LISTEN: 'off',
    WSC_MAX_CONCURRENT_JOBS: String(SLOTS),
    WSC_WORKER_POLL_MS: '500',
    WSC_RATE_LIMIT: '0',
    WSC_RATE_LIMIT_ADDRESS: '0',
    WSC_UNIT_TARGETS: '4',
  });
  const site = await startFarmSite(kind === 'many' ? { delayMs: 50, dirs: 8, params: 6 } : LARGE_SITE);
  const roles: Role[] = [];
  const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` }) }) });
  try {
    const apiDir = tmp('api');
    const api = await spawnRole(['serve', '--no-runner', '--port', '0'], env(apiDir), API_READY);
    roles.push(api);
    const starting = await Promise.allSettled(Array.from({ length: workers }, (_, i) => spawnRole(['worker'], env(tmp(`w${i}`)), WORKER_READY)));
    for (const s of starting) if (s.status === 'fulfilled') roles.push(s.value);
    for (const s of starting) if (s.status === 'rejected') throw s.reason;
    const key = JSON.parse(readFileSync(join(apiDir, 'credentials'), 'utf8')) as { accessKey: string; secretKey: string };
    const started = Date.now();
    for (let n = 1; n <= jobs; n++) {
      const uri = '/api/v1/job';
      const ts = String(Date.now());
      const res = await fetch(api.id + uri, {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          'x-ncp-apigw-timestamp': ts,
          'x-ncp-iam-access-key': key.accessKey,
          'x-ncp-apigw-signature-v2': signatureV2('PUT', uri, ts, key.accessKey, key.secretKey),
        },
        body: JSON.stringify({ StartUrl: `${site.url}/s${n}/`, VulnItems: kind === 'many' ? ITEMS : LARGE_ITEMS, UserAgent: 'PC Chrome', Speed: speed }),
      });
      if (res.status !== 200) throw new Error(`createJob answered ${res.status}: ${await res.text()}`);
    }
    for (;;) {
      const r = await sql<{ done: number; open: number }>`SELECT count(*) FILTER (WHERE status IN (4, 5, 15, 91, 93))::int AS done,
        count(*) FILTER (WHERE status NOT IN (4, 5, 15, 91, 93))::int AS open FROM jobs`.execute(db);
      if (Number(r.rows[0]?.done) === jobs) break;
      if (Date.now() - started > 15 * 60_000) throw new Error('jobs did not end within 15 minutes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (Date.now() - started) / 1000;
    const failed = await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs WHERE status <> 4`.execute(db);
    if (Number(failed.rows[0]?.n) > 0) throw new Error(`${failed.rows[0]?.n} job(s) did not complete`);
    if (kind === 'large') {
      const u = await sql<{ units: number; by: number }>`SELECT count(*)::int AS units, count(DISTINCT done_by)::int AS by FROM farm_job_units`.execute(db);
      const f = await sql<{ n: number }>`SELECT count(*)::int AS n FROM findings`.execute(db);
      return {
        workers,
        seconds,
        requests: site.total,
        requestsPerSecond: site.total / seconds,
        peakSliding: peakSlidingSecond(site, 's1'),
        peakInFlight: site.peakInFlight.get('s1') ?? 0,
        units: Number(u.rows[0]?.units),
        unitWorkers: Number(u.rows[0]?.by),
        findings: Number(f.rows[0]?.n),
      };
    }
    let peakJobPerSecond = 0;
    let peakJobInFlight = 0;
    for (let n = 1; n <= JOBS; n++) {
      peakJobPerSecond = Math.max(peakJobPerSecond, peakPerSecond(site, `s${n}`));
      peakJobInFlight = Math.max(peakJobInFlight, site.peakInFlight.get(`s${n}`) ?? 0);
    }
    return {
      workers,
      jobs: JOBS,
      seconds,
      jobsPerHour: (JOBS / seconds) * 3600,
      requestsPerSecond: site.total / seconds,
      peakJobPerSecond,
      peakJobInFlight,
      peakAllPerSecond: peakPerSecond(site, '*'),
    };
  } finally {
    await Promise.all(roles.map((r) => (r.child.exitCode === null ? r.term() : Promise.resolve(null))));
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db);
    await sql`DROP SCHEMA IF EXISTS ${sql.id(`${schema}_queue`)} CASCADE`.execute(db);
    await db.destroy();
    await site.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
for (const w of WORKERS) {
  const row = await runOnce(w);
  rows.push(row);
  console.log(
    `${w} worker(s): ${row.jobs} jobs in ${row.seconds.toFixed(1)} s = ${row.jobsPerHour.toFixed(0)} jobs/hour, ${row.requestsPerSecond.toFixed(1)} requests/s; ` +
      `per job peak ${row.peakJobPerSecond}/s and ${row.peakJobInFlight} in flight (Speed ${SPEED}: ${limits.perSecond}/s, ${limits.inFlight}); all jobs together peak ${row.peakAllPerSecond}/s`,
  );
}
console.log('');
console.log(`bench:farm  target answers in 50 ms; ${JOBS} jobs (${ITEMS.join(', ')}) at Speed ${SPEED}; ${SLOTS} job slots per worker`);
console.log('workers  jobs/hour  requests/s  job peak req/s  job peak in flight  all jobs peak req/s');
for (const r of rows) {
  console.log(
    `${String(r.workers).padStart(7)}  ${r.jobsPerHour.toFixed(0).padStart(9)}  ${r.requestsPerSecond.toFixed(1).padStart(10)}  ${String(r.peakJobPerSecond).padStart(14)}  ${String(r.peakJobInFlight).padStart(18)}  ${String(r.peakAllPerSecond).padStart(19)}`,
  );
}
const over = rows.filter((r) => r.peakJobPerSecond > limits.perSecond || r.peakJobInFlight > limits.inFlight);
if (over.length > 0) {
  console.log(`a job went past its Speed with ${over.map((r) => r.workers).join(', ')} worker(s)`);
  process.exitCode = 1;
} else {
  console.log(`every job stayed within Speed ${SPEED} at the target, whatever the number of workers`);
}

const large: LargeRow[] = [];
for (const w of LARGE_WORKERS) {
  const row = await runLarge(w);
  large.push(row);
  console.log(`large job on ${w} worker(s): ${row.seconds.toFixed(1)} s, ${row.requests} requests, ${row.units} units done by ${row.unitWorkers} worker(s), ${row.findings} findings`);
}
if (large.length > 0) {
  console.log('');
  console.log(`bench:farm  one large job (${LARGE_ITEMS.join(', ')}; ${LARGE_SITE.params + LARGE_SITE.reflect} parameter pages, ${LARGE_SITE.dirs} listings; 4 targets per unit) at Speed ${LARGE_SPEED} (${largeLimits.perSecond}/s, ${largeLimits.inFlight} in flight)`);
  console.log('workers  wall s  requests/s  peak req in a sliding s  peak in flight  units  units ran on  findings');
  for (const r of large) {
    console.log(
      `${String(r.workers).padStart(7)}  ${r.seconds.toFixed(1).padStart(6)}  ${r.requestsPerSecond.toFixed(1).padStart(10)}  ${String(r.peakSliding).padStart(23)}  ${String(r.peakInFlight).padStart(14)}  ${String(r.units).padStart(5)}  ${String(r.unitWorkers).padStart(12)}  ${String(r.findings).padStart(8)}`,
    );
  }
  const past = large.filter((r) => r.peakSliding > largeLimits.perSecond || r.peakInFlight > largeLimits.inFlight);
  if (past.length > 0) {
    console.log(`the large job went past its Speed with ${past.map((r) => r.workers).join(', ')} worker(s)`);
    process.exitCode = 1;
  } else console.log(`the split job stayed within Speed ${LARGE_SPEED} at the target on every number of workers`);
}
