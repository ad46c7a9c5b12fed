// API benchmark (issue "Service foundation"): fills the store with 100,000 jobs, serves it from a
// child `wsc serve`, and prints getJobs and searchJobs (url, memo) latency p50/p99 and signed
// getJobs requests/s, on SQLite and on PostgreSQL; then getJobs latency again while the server
// crawls a generated site of 64 KB pages (the API must stay responsive while a scan parses pages).
// Usage: npm run bench:api [-- --jobs 100000 --seconds 5 --samples 300 --only sqlite|postgres]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { Worker } from 'node:worker_threads';
import { Agent, request } from 'undici';
import { STATUS } from '../src/core/status.js';
import { signatureV2 } from '../src/core/signature.js';
import type { KyselyStore } from '../src/jobs/store-kysely.js';
import type { NewJob } from '../src/jobs/store.js';
import { startServer } from '../src/server.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '5' },
    samples: { type: 'string', default: '300' },
    only: { type: 'string' },
  },
});
const JOBS = Number(args.jobs);
const SECONDS = Number(args.seconds);
const SAMPLES = Number(args.samples);
const PG_ADMIN_URL = process.env.WSC_BENCH_PG_URL ?? process.env.WSC_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Creds {
  accessKey: string;
  secretKey: string;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function fill(dataDir: string, env: NodeJS.ProcessEnv): Promise<Creds> {
  const server = await startServer({ dataDir, env, port: 0, host: '127.0.0.1', banner: false });
  try {
    if (!server.adminCredentials) throw new Error('expected an empty store');
    const store = server.store as KyselyStore;
    const t0 = performance.now();
    const batch: NewJob[] = [];
    const now = Date.now();
    for (let i = 0; i < JOBS; i++) {
      batch.push({
        accountId: 1,
        startUrl: `https://host-${i % 1000}.example.com/app/${i}`,
        memo: `audit ${i % 500} sprint ${i % 37}`,
        settings: { startUrl: `https://host-${i % 1000}.example.com/`, excludeUrls: [], headers: { Cookie: `s=${i}` }, vulnItems: ['ALL'], userAgent: 'PC Chrome', speed: '2' },
        masterId: null,
        status: i % 10 === 0 ? STATUS.DIAG_FAILED : STATUS.DIAG_DONE,
        createdAt: now - (JOBS - i) * 1000,
      });
      if (batch.length === 10_000) await store.createJobsBulk(batch.splice(0));
    }
    if (batch.length) await store.createJobsBulk(batch.splice(0));
    process.stdout.write(`  filled ${JOBS} jobs in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    return server.adminCredentials;
  } finally {
    await server.close();
  }
}

async function serve(dataDir: string, env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  // The built bin when there is one (as `npm start` runs it), else the sources through tsx.
  const built = join(ROOT, 'dist/cli/main.js');
  const argv = existsSync(built) ? [built] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
  const child = spawn(process.execPath, [...argv, 'serve', '--port', '0', '--data', dataDir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /wsc listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
  return { url, child };
}

function signed(method: string, uri: string, c: Creds): Record<string, string> {
  const ts = String(Date.now());
  return {
    'x-ncp-apigw-timestamp': ts,
    'x-ncp-iam-access-key': c.accessKey,
    'x-ncp-apigw-signature-v2': signatureV2(method, uri, ts, c.accessKey, c.secretKey),
    'content-type': 'application/json',
  };
}

async function latency(url: string, c: Creds, make: (i: number) => { method: 'GET' | 'POST'; uri: string; body?: unknown }): Promise<{ p50: number; p99: number; total: number }> {
  const dispatcher = new Agent({ connections: 1 });
  const times: number[] = [];
  let total = 0;
  try {
    for (let i = 0; i < SAMPLES + 20; i++) {
      const { method, uri, body } = make(i);
      const t0 = performance.now();
      const res = await request(url + uri, { method, headers: signed(method, uri, c), body: body === undefined ? undefined : JSON.stringify(body), dispatcher });
      const json = (await res.body.json()) as { resources?: { total_cnt?: number } };
      const ms = performance.now() - t0;
      if (res.statusCode !== 200) throw new Error(`${method} ${uri}: HTTP ${res.statusCode}`);
      total = json.resources?.total_cnt ?? 0;
      if (i >= 20) times.push(ms); // the first requests warm caches and JIT
    }
  } finally {
    await dispatcher.close();
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p99: pct(times, 99), total };
}

async function throughput(url: string, c: Creds): Promise<{ rps: number; non2xx: number }> {
  const uri = '/api/v1/jobs?limit=10&page=1';
  // One signature stays valid for the ±5 min window, as it would for a client replaying within it.
  const result = await autocannon({ url: url + uri, method: 'GET', headers: signed('GET', uri, c), connections: 32, duration: SECONDS });
  return { rps: result.requests.average, non2xx: result.non2xx };
}

/**
 * A generated site (pages of ~64 KB of markup, each linking to four others) served from a worker
 * thread, so serving it does not delay the latency measurements made on this thread.
 */
async function crawlSite(pages: number): Promise<{ url: string; stop(): Promise<void> }> {
  const code = `
    const { createServer } = require('node:http');
    const { parentPort } = require('node:worker_threads');
    const pages = ${pages};
    const name = (i) => { let s = ''; let n = i; do { s = String.fromCharCode(97 + (n % 26)) + s; n = Math.floor(n / 26); } while (n > 0); return s; };
    const path = (i) => '/s/' + name(i % 17) + '/p-' + name(i);
    const index = new Map();
    for (let i = 0; i < pages; i++) index.set(path(i), i);
    let filler = '';
    while (filler.length < 65536) filler += '<div class="card"><h2>Section ' + filler.length + '</h2><p>Lorem ipsum dolor sit amet, <b>consectetur</b> adipiscing elit, sed do eiusmod tempor.</p></div>\\n';
    const server = createServer((req, res) => {
      const p = (req.url || '/').split('?')[0];
      const i = p === '/' ? 0 : index.get(p);
      if (i === undefined) { res.writeHead(404, { 'content-type': 'text/html' }); res.end('<h1>not found</h1>'); return; }
      let list = '';
      for (const j of [i + 1, (i * 7 + 1) % pages, (i * 13 + 5) % pages, (i * 31 + 11) % pages]) if (j < pages) list += '<li><a href="' + path(j) + '">page ' + j + '</a></li>';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><head><title>Page ' + i + '</title></head><body><h1>Page ' + i + '</h1><ul>' + list + '</ul>' + filler + '</body></html>');
    });
    server.keepAliveTimeout = 30000;
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
    parentPort.on('message', () => server.close(() => process.exit(0)));
  `;
  const worker = new Worker(code, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (m) => resolve(m as number));
    worker.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    async stop() {
      await worker.terminate();
    },
  };
}

const CRAWL_PAGES = 20_000;

/** getJobs latency while the server crawls (status 13); how many samples were taken during the crawl. */
async function latencyDuringCrawl(url: string, c: Creds): Promise<{ p50: number; p99: number; total: number; during: number }> {
  const site = await crawlSite(CRAWL_PAGES);
  const status = async (): Promise<{ status: string; crawl: number }> => {
    const uri = '/api/v1/jobs?limit=1&page=1';
    const res = await request(url + uri, { method: 'GET', headers: signed('GET', uri, c) });
    const j = (await res.body.json()) as { resources: { record_data: { status: string; crawl_cnt: string | null }[] | null } };
    const r = j.resources.record_data?.[0];
    return { status: r?.status ?? '', crawl: Number(r?.crawl_cnt ?? 0) };
  };
  try {
    const uri = '/api/v1/job';
    const body = { StartUrl: site.url, VulnItems: ['Directory Listing'], UserAgent: 'PC Chrome', Speed: '3', Memo: 'bench crawl', Limits: { maxUrls: CRAWL_PAGES + 100, maxDepth: 100, maxDurationMs: 10 * 60_000 } };
    const res = await request(url + uri, { method: 'PUT', headers: signed('PUT', uri, c), body: JSON.stringify(body) });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`createJob: HTTP ${res.statusCode} ${text}`);
    // wait until the crawl is under way
    for (let s = await status(); !(s.status === 'Collecting URLs' && s.crawl >= 200); s = await status()) await new Promise((r) => setTimeout(r, 50));
    const r = await latency(url, c, (i) => ({ method: 'GET', uri: `/api/v1/jobs?limit=10&page=${(i % 100) + 1}` }));
    const after = await status();
    return { ...r, during: after.status === 'Collecting URLs' ? SAMPLES : 0 };
  } finally {
    await site.stop();
  }
}

interface Row {
  store: string;
  query: string;
  p50: string;
  p99: string;
  matches: string;
}

async function runOne(kind: 'sqlite' | 'postgres'): Promise<{ rows: Row[]; rps: number; non2xx: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), `wsc-bench-${kind}-`));
  const env: NodeJS.ProcessEnv = { WSC_RATE_LIMIT: '0', WSC_RATE_LIMIT_ADDRESS: '0', WSC_LOG_LEVEL: 'warn' };
  let dbName: string | null = null;
  if (kind === 'postgres') {
    dbName = `wsc_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${dbName}`;
    env.WSC_DATABASE_URL = u.toString();
  }
  process.stdout.write(`${kind}:\n`);
  const creds = await fill(dataDir, env);
  const { url, child } = await serve(dataDir, env);
  try {
    const rows: Row[] = [];
    const add = (query: string, r: { p50: number; p99: number; total: number }) =>
      rows.push({ store: kind, query, p50: r.p50.toFixed(2), p99: r.p99.toFixed(2), matches: String(r.total) });
    add('getJobs limit=10, pages 1-1000', await latency(url, creds, (i) => ({ method: 'GET', uri: `/api/v1/jobs?limit=10&page=${(i % 1000) + 1}` })));
    add('searchJobs url "host-42." (100 hits)', await latency(url, creds, () => ({ method: 'POST', uri: '/api/v1/jobs/search', body: { searchType: 'url', searchKeyword: 'host-42.', statusCode: null, limit: 10, page: 1 } })));
    add('searchJobs url "example.com" (all)', await latency(url, creds, () => ({ method: 'POST', uri: '/api/v1/jobs/search', body: { searchType: 'url', searchKeyword: 'example.com', statusCode: null, limit: 10, page: 1 } })));
    add('searchJobs memo "audit 42 " (200 hits)', await latency(url, creds, () => ({ method: 'POST', uri: '/api/v1/jobs/search', body: { searchType: 'memo', searchKeyword: 'audit 42 ', statusCode: null, limit: 10, page: 1 } })));
    add('searchJobs memo + status 5', await latency(url, creds, () => ({ method: 'POST', uri: '/api/v1/jobs/search', body: { searchType: 'memo', searchKeyword: 'sprint 3', statusCode: 5, limit: 10, page: 1 } })));
    const t = await throughput(url, creds);
    const during = await latencyDuringCrawl(url, creds);
    add(`getJobs while a crawl runs (64 KB pages)${during.during === 0 ? ' [crawl ended early]' : ''}`, during);
    return { rows, ...t };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
    if (dbName) {
      const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
      await admin.end();
    }
  }
}

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch (err) {
    process.stdout.write(`PostgreSQL not reachable at ${PG_ADMIN_URL} (${(err as Error).message}); skipped\n`);
    return false;
  }
}

const kinds: ('sqlite' | 'postgres')[] = [];
if (args.only !== 'postgres') kinds.push('sqlite');
if (args.only !== 'sqlite' && (await pgReachable())) kinds.push('postgres');

const rows: Row[] = [];
const rates: string[] = [];
for (const k of kinds) {
  const r = await runOne(k);
  rows.push(...r.rows);
  rates.push(`${k}: ${Math.round(r.rps)} signed getJobs/s (32 connections, ${SECONDS} s, non-2xx ${r.non2xx})  goal >= 2000`);
}
process.stdout.write(`\nAPI latency at ${JOBS} jobs (ms, ${SAMPLES} sequential signed requests each; goal p99 < 20, < 50 while a crawl runs)\n`);
console.table(rows);
process.stdout.write(rates.join('\n') + '\n');
