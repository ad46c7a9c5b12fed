// What the farm test and bench:farm share: a loopback target whose answers take a fixed time and
// that counts requests per job (each job scans its own /sN/ prefix), and real `wsc` processes
// (API node, workers) started as children on one PostgreSQL schema.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface FarmSite {
  url: string;
  /** Requests by job prefix ("s3"), by second. */
  perSecond: Map<string, Map<number, number>>;
  total: number;
  /** Requests by "METHOD /path" (query left out); "GET /sN/app.js" is fetched by crawls only. */
  hits: Map<string, number>;
  /** Most requests in flight at once, by prefix and over all. */
  peakInFlight: Map<string, number>;
  peakInFlightAll: number;
  /** Arrival times of requests by prefix, ms, for peaks over a sliding second. */
  arrivals: Map<string, number[]>;
  close(): Promise<void>;
}

export interface FarmSiteOptions {
  /** Each answer waits this long, ms. */
  delayMs: number;
  /** Directory listings per job (one finding each). */
  dirs: number;
  /** Pages with a reflected, escaped parameter (attacked, no finding). */
  params: number;
  /** Pages that reflect their parameter unescaped (one XSS finding each). */
  reflect?: number;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export async function startFarmSite(o: FarmSiteOptions): Promise<FarmSite> {
  const sockets = new Set<Socket>();
  const perSecond = new Map<string, Map<number, number>>();
  const inFlight = new Map<string, number>();
  const peakInFlight = new Map<string, number>();
  let all = 0;
  const site: FarmSite = {
    url: '',
    perSecond,
    total: 0,
    hits: new Map(),
    peakInFlight,
    peakInFlightAll: 0,
    arrivals: new Map(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const u = new URL(req.url ?? '/', 'http://x');
    const m = /^\/(s\d+)(\/.*)$/.exec(u.pathname);
    const prefix = m?.[1] ?? '-';
    const rest = m?.[2] ?? u.pathname;
    const sec = Math.floor(Date.now() / 1000);
    let arr = site.arrivals.get(prefix);
    if (!arr) site.arrivals.set(prefix, (arr = []));
    arr.push(performance.now());
    let bySec = perSecond.get(prefix);
    if (!bySec) perSecond.set(prefix, (bySec = new Map()));
    bySec.set(sec, (bySec.get(sec) ?? 0) + 1);
    site.total += 1;
    const hk = `${req.method} ${u.pathname}`;
    site.hits.set(hk, (site.hits.get(hk) ?? 0) + 1);
    const now = (inFlight.get(prefix) ?? 0) + 1;
    inFlight.set(prefix, now);
    peakInFlight.set(prefix, Math.max(peakInFlight.get(prefix) ?? 0, now));
    all += 1;
    site.peakInFlightAll = Math.max(site.peakInFlightAll, all);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      inFlight.set(prefix, (inFlight.get(prefix) ?? 1) - 1);
      all -= 1;
    };
    res.on('close', finish);
    setTimeout(() => {
      const html = (body: string) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<html><body>${body}</body></html>`);
      if (rest === '/') {
        const links: string[] = [];
        for (let i = 0; i < o.dirs; i++) links.push(`<a href="d${i}/">d${i}</a>`);
        for (let i = 0; i < o.params; i++) links.push(`<a href="p${i}?q=hello">p${i}</a>`);
        for (let i = 0; i < (o.reflect ?? 0); i++) links.push(`<a href="r${i}?name=bob">r${i}</a>`);
        // the crawl reads scripts for endpoints; no check attacks a script: its fetches count crawls
        html(`<script src="app.js"></script>\n${links.join('\n')}`);
      } else if (rest === '/app.js') {
        res.writeHead(200, { 'content-type': 'application/javascript' }).end('window.wsc = 1;\n');
      } else if (/^\/d\d+\/$/.test(rest) && Number(rest.slice(2, -1)) < o.dirs) {
        res.writeHead(200, { 'content-type': 'text/html' }).end(
          `<html><head><title>Index of ${u.pathname}</title></head><body><h1>Index of ${u.pathname}</h1><ul><li><a href="../">Parent Directory</a></li><li><a href="notes.txt">notes.txt</a></li></ul></body></html>`,
        );
      } else if (/^\/p\d+$/.test(rest) && Number(rest.slice(2)) < o.params) {
        html(`<p>You asked for ${escapeHtml(u.searchParams.get('q') ?? '')}</p>`);
      } else if (/^\/r\d+$/.test(rest) && Number(rest.slice(2)) < (o.reflect ?? 0)) {
        html(`<p>Hello ${u.searchParams.get('name') ?? ''}</p>`);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
      finish();
    }, o.delayMs);
  };
  const server = createServer(answer);
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return site;
}

/** The highest requests-in-one-second of a prefix (or of all prefixes together with "*"). */
export function peakPerSecond(site: FarmSite, prefix: string): number {
  if (prefix !== '*') return Math.max(0, ...(site.perSecond.get(prefix)?.values() ?? []));
  const sum = new Map<number, number>();
  for (const m of site.perSecond.values()) for (const [s, n] of m) sum.set(s, (sum.get(s) ?? 0) + n);
  return Math.max(0, ...sum.values());
}

/** The most requests of a prefix (or "*" for all) that arrived within any 1000 ms. */
export function peakSlidingSecond(site: FarmSite, prefix: string): number {
  const times = prefix === '*' ? [...site.arrivals.values()].flat().sort((a, b) => a - b) : (site.arrivals.get(prefix) ?? []);
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while ((times[i] as number) - (times[j] as number) >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

export interface Role {
  child: ChildProcess;
  /** Worker id (from its first line) or API URL. */
  id: string;
  output(): string;
  exited: Promise<number | null>;
  kill9(): Promise<void>;
  term(): Promise<number | null>;
}

/** Starts `wsc <args>` and waits for its ready line. */
export async function spawnRole(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 90_000): Promise<Role> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const id = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // a child that never got ready must not outlive the test
      child.kill('SIGKILL');
      reject(new Error(`wsc ${args[0]} did not start in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (): void => {
      const m = ready.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`wsc ${args[0]} exited with ${code} before it was ready:\n${out}`));
    });
  });
  return {
    child,
    id,
    output: () => out,
    exited,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async term() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The environment a farm role (serve --no-runner, worker, workers) of a test runs with; `extra` adds or overrides. */
export function roleEnv(o: { pgUrl: string | undefined; schema: string; master: string; dataDir: string; staleMs: number; extra?: NodeJS.ProcessEnv }): NodeJS.ProcessEnv {
  return {
    WSC_DATABASE_URL: o.pgUrl,
    WSC_DATABASE_SCHEMA: o.schema,
    WSC_MASTER_KEY: o.master,
    WSC_DATA_DIR: o.dataDir,
    WSC_LOG_LEVEL: 'info',
    WSC_WORKER_HEARTBEAT_MS: '500',
    WSC_WORKER_STALE_MS: String(o.staleMs),
    WSC_WORKER_POLL_MS: '500',
    WSC_METRICS_LISTEN: '127.0.0.1:0',
    WSC_MAX_CONCURRENT_JOBS: '2',
    WSC_DRAIN_TIMEOUT_MS: '500',
    WSC_RATE_LIMIT: '0',
    WSC_RATE_LIMIT_ADDRESS: '0',
    ...o.extra,
  };
}

export const API_READY = /wsc listening on (http:\/\/\S+)/;
export const WORKER_READY = /wsc worker (\S+) running/;
