// Measures listJobs (getJobs and searchJobs by url and memo) at 100,000 jobs in one account.
// Usage: node --import tsx test/store/list-jobs-bench.ts [sqlite|postgres ...]
// PostgreSQL uses WSC_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) in a
// throw-away schema. Prints p50/p99 per query kind and dialect as JSON lines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createSealer } from '../../src/core/crypto.js';
import { STATUS, type JobStatus } from '../../src/core/status.js';
import { openKyselyStore } from '../../src/jobs/open-store.js';
import type { KyselyStore } from '../../src/jobs/store-kysely.js';
import type { JobQuery, NewJob } from '../../src/jobs/store.js';

const JOBS = Number(process.env.WSC_BENCH_JOBS ?? 100_000);
const RUNS = Number(process.env.WSC_BENCH_RUNS ?? 50);
const STATUSES: JobStatus[] = [STATUS.DIAG_DONE, STATUS.DIAG_FAILED, STATUS.CRAWL_PENDING, STATUS.CANCELED, STATUS.STOPPED];

export interface BenchFigures {
  dialect: string;
  kind: string;
  p50: number;
  p99: number;
  max: number;
  cpuP50: number;
  cpuP99: number;
  matches: number;
}

/** A realistic spread: 1,000 hosts, paths, memos drawn from a few words plus a serial number. */
export function benchJob(accountId: number, i: number): NewJob {
  const host = `shop${i % 1000}.example.com`;
  const memo = i % 4 === 0 ? null : `Weekly scan ${['Alpha', 'Beta', 'Gamma', 'Delta', 'Omega'][i % 5]} #${i}`;
  return {
    accountId,
    startUrl: `https://${host}/app/${i % 37}/index.php?id=${i}`,
    memo,
    masterId: null,
    status: STATUSES[i % STATUSES.length],
    createdAt: 1_700_000_000_000 + i * 1000,
    settings: {
      startUrl: `https://${host}/`,
      excludeUrls: [],
      headers: { cookie: `session=${i}` },
      vulnItems: ['ALL'],
      userAgent: 'PC',
      speed: 'Normal',
    },
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

type Timing = Omit<BenchFigures, 'dialect' | 'kind'>;

async function time(store: KyselyStore, accountId: number, queries: JobQuery[]): Promise<Timing> {
  // warm-up: first use of each statement pays for planning and page faults
  for (const q of queries.slice(0, 3)) await store.listJobs(accountId, q);
  const times: number[] = [];
  const cpu: number[] = [];
  let matches = 0;
  for (const q of queries) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await store.listJobs(accountId, q);
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    matches += r.total;
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    p50: round(pct(times, 50)),
    p99: round(pct(times, 99)),
    max: round(times.at(-1)!),
    // SQLite runs in this process, so its CPU time is the query cost without waiting for a core
    // (the figure that matters on a shared, loaded machine); for PostgreSQL it is only the client.
    cpuP50: round(pct(cpu, 50)),
    cpuP99: round(pct(cpu, 99)),
    matches: Math.round(matches / queries.length),
  };
}

export async function runBench(store: KyselyStore, label: string): Promise<BenchFigures[]> {
  const account = await store.createAccount(`bench-${randomBytes(4).toString('hex')}`);
  const other = await store.createAccount(`bench-other-${randomBytes(4).toString('hex')}`);
  const t0 = performance.now();
  const batch = 10_000;
  for (let i = 0; i < JOBS; i += batch) {
    const jobs: NewJob[] = [];
    for (let j = i; j < Math.min(JOBS, i + batch); j++) jobs.push(benchJob(account.id, j));
    await store.createJobsBulk(jobs);
  }
  // a second tenant, so the account filter has to do its job
  await store.createJobsBulk(Array.from({ length: 1000 }, (_, j) => benchJob(other.id, j)));
  const insertMs = Math.round(performance.now() - t0);
  // What autovacuum (PostgreSQL) and the next open (SQLite's PRAGMA optimize) do after a bulk load.
  if (store.dialect === 'postgres') await sql`VACUUM ANALYZE jobs`.execute(store.db);
  else await sql`PRAGMA optimize`.execute(store.db);
  console.error(`${label}: inserted ${JOBS} jobs in ${insertMs} ms`);

  const rnd = (n: number) => Math.floor(Math.random() * n);
  const page = (): Pick<JobQuery, 'limit' | 'offset'> => ({ limit: 20, offset: rnd(5) * 20 });
  const kinds: [string, () => JobQuery][] = [
    ['getJobs', () => ({ ...page() })],
    ['getJobs status', () => ({ ...page(), status: STATUSES[rnd(STATUSES.length)]! })],
    // one host out of 1,000: ~100 matches
    ['search url host', () => ({ ...page(), searchType: 'url', keyword: `SHOP${rnd(1000)}.example` })],
    // one serial: a single match (plus its prefixes' siblings)
    ['search url rare', () => ({ ...page(), searchType: 'url', keyword: `id=${rnd(JOBS)}` })],
    // matches every row: the worst case for counting
    ['search url all', () => ({ ...page(), searchType: 'url', keyword: 'example.com' })],
    ['search memo word', () => ({ ...page(), searchType: 'memo', keyword: ['alpha', 'beta', 'gamma', 'delta', 'omega'][rnd(5)]! })],
    ['search memo rare', () => ({ ...page(), searchType: 'memo', keyword: `#${rnd(JOBS)}` })],
    ['search both rare', () => ({ ...page(), searchType: '', keyword: `${rnd(JOBS)}` })],
  ];
  const out: BenchFigures[] = [];
  for (const [kind, make] of kinds) {
    const r = await time(store, account.id, Array.from({ length: RUNS }, make));
    out.push({ dialect: label, kind, ...r });
  }
  return out;
}

async function main(): Promise<void> {
  const which = process.argv.slice(2);
  const dialects = which.length > 0 ? which : ['sqlite', 'postgres'];
  const sealer = createSealer(randomBytes(32));
  for (const d of dialects) {
    if (d === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'wsc-bench-'));
      const store = await openKyselyStore({ dataDir: dir, sealer });
      try {
        for (const f of await runBench(store, 'sqlite')) console.log(JSON.stringify(f));
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      const url = process.env.WSC_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
      const schema = `wsc_bench_${randomBytes(4).toString('hex')}`;
      const store = await openKyselyStore({ databaseUrl: url, dataDir: tmpdir(), sealer, pgSchema: schema });
      try {
        console.error(`postgres: trigram indexes ${store.trigramIndexes ? 'on' : 'off'}`);
        for (const f of await runBench(store, 'postgres')) console.log(JSON.stringify(f));
      } finally {
        await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(store.db);
        await store.close();
      }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
