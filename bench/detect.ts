// Detection benchmark: scans the loopback testbed with every check (items ALL) and scores each
// finding against the ground truth the testbed's routes declare (`vulnerable` / `safeFor`), so any
// engineer's new pages count without touching this file. Where `wapiti` is on PATH it scans the same
// testbed (kept on loopback: endpoints point at our own listener, no bug reports) and is scored the
// same way. Usage: npm run bench:detect [-- --no-wapiti --wapiti-seconds 600]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { VULN_ITEMS, type VulnItem } from '../src/core/items.js';
import { runEngine } from '../src/engine/engine.js';
import { OastServer } from '../src/engine/oast.js';
import { AUTHZ_COOKIE } from '../test/testbed/routes/authz.js';
import { startTestbed, type Route } from '../test/testbed/server.js';

const args = process.argv.slice(2);
const useWapiti = !args.includes('--no-wapiti');
const wapitiSeconds = Number(args[args.indexOf('--wapiti-seconds') + 1]) || 600;

const ROUTES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'testbed', 'routes');

async function loadRoutes(): Promise<Route[]> {
  const all: Route[] = [];
  for (const f of readdirSync(ROUTES_DIR).filter((f) => /\.(ts|js)$/.test(f) && !f.includes('.test.')).sort()) {
    const mod = (await import(pathToFileURL(join(ROUTES_DIR, f)).href)) as { routes?: Route[] };
    if (Array.isArray(mod.routes)) all.push(...mod.routes);
  }
  return all;
}

function routeFor(routes: Route[], method: string, path: string): Route | undefined {
  return routes.find((r) => {
    if (r.method !== undefined) {
      const ms = Array.isArray(r.method) ? r.method : [r.method];
      if (!ms.some((m) => m.toUpperCase() === method.toUpperCase())) return false;
    }
    return typeof r.path === 'string' ? r.path === path : r.path.test(path);
  });
}

interface Hit {
  item: VulnItem;
  method: string;
  url: string;
}

interface Score {
  tp: number;
  fn: number;
  fp: number;
  unlabelled: number;
  missed: string[];
  false: string[];
}

function score(routes: Route[], hits: Hit[]): Map<VulnItem, Score> {
  const out = new Map<VulnItem, Score>();
  const get = (item: VulnItem): Score => {
    let s = out.get(item);
    if (!s) out.set(item, (s = { tp: 0, fn: 0, fp: 0, unlabelled: 0, missed: [], false: [] }));
    return s;
  };
  const detected = new Set<string>();
  for (const h of hits) {
    const path = new URL(h.url).pathname;
    const r = routeFor(routes, h.method, path);
    const s = get(h.item);
    if (r?.vulnerable?.some((v) => v.item === h.item)) detected.add(`${routes.indexOf(r)} ${h.item}`);
    else if (r && (r.safeFor?.includes(h.item) || r.vulnerable !== undefined)) {
      s.fp++;
      s.false.push(`${h.method} ${path}`);
    } else s.unlabelled++;
  }
  routes.forEach((r, i) => {
    for (const v of r.vulnerable ?? []) {
      const s = get(v.item);
      if (detected.has(`${i} ${v.item}`)) s.tp++;
      else {
        s.fn++;
        s.missed.push(`${String(r.path)}${v.parameter ? ` (${v.parameter})` : ''}`);
      }
    }
  });
  return out;
}

function table(title: string, s: Map<VulnItem, Score>, requests: number | null, ms: number): void {
  const rows = VULN_ITEMS.filter((i) => s.has(i)).map((i) => [i, s.get(i)!] as const);
  let tp = 0;
  let fn = 0;
  let fp = 0;
  process.stdout.write(`\n${title}\n${'item'.padEnd(28)}${'TP'.padStart(5)}${'FN'.padStart(5)}${'FP'.padStart(5)}${'other'.padStart(7)}\n`);
  for (const [item, r] of rows) {
    tp += r.tp;
    fn += r.fn;
    fp += r.fp;
    process.stdout.write(`${item.padEnd(28)}${String(r.tp).padStart(5)}${String(r.fn).padStart(5)}${String(r.fp).padStart(5)}${String(r.unlabelled).padStart(7)}\n`);
  }
  const recall = tp + fn === 0 ? 0 : (100 * tp) / (tp + fn);
  process.stdout.write(`${'total'.padEnd(28)}${String(tp).padStart(5)}${String(fn).padStart(5)}${String(fp).padStart(5)}\n`);
  process.stdout.write(`recall ${recall.toFixed(1)} %, false positives ${fp}, ${requests === null ? '' : `requests ${requests}, `}duration ${(ms / 1000).toFixed(1)} s\n`);
  for (const [item, r] of rows) {
    if (r.missed.length) process.stdout.write(`  missed ${item}: ${r.missed.join(', ')}\n`);
    if (r.false.length) process.stdout.write(`  false ${item}: ${r.false.join(', ')}\n`);
  }
}

// Wapiti 3 report categories, mapped to our items; the rest (headers, cookies, CSP...) have no item here.
const WAPITI_ITEMS: Record<string, VulnItem> = {
  'SQL Injection': 'SQL Injection',
  'Blind SQL Injection': 'SQL Injection',
  'Cross Site Scripting': 'XSS',
  'Stored Cross Site Scripting': 'XSS',
  'Reflected Cross Site Scripting': 'XSS',
  'Command execution': 'Command Injection',
  'Path Traversal': 'LFI',
  'Open Redirect': 'URL Redirection',
  'XML External Entity': 'XXE',
  'Server Side Request Forgery': 'SSRF',
  'Unrestricted File Upload': 'File Upload',
  'Backup file': 'Information Disclosure',
};

interface WapitiVuln {
  method?: string;
  path?: string;
}

async function runWapiti(startUrl: string, endpoint: string): Promise<{ hits: Hit[]; ms: number; note: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'wsc-wapiti-'));
  const config = join(dir, 'config');
  const report = join(dir, 'report.json');
  spawnSync('mkdir', ['-p', config]);
  writeFileSync(join(config, 'apps.json'), '{}');
  const started = Date.now();
  const argv = ['-u', startUrl, '--scope', 'domain', '--flush-session', '--store-session', join(dir, 'session'), '--store-config', config,
    '-f', 'json', '-o', report, '--external-endpoint', endpoint, '--internal-endpoint', endpoint, '--no-bugreport',
    '--max-scan-time', String(wapitiSeconds), '--max-attack-time', '60', '-t', '10',
    // Without a depth cap wapiti's crawler never leaves the testbed's relative-link maze (/rel/),
    // a trap ours cuts by pattern; every vulnerable page is within 3 links of the start.
    '-d', '3'];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('wapiti', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-2000);
    });
    // a hard bound above wapiti's own, should it hang
    const timer = setTimeout(() => child.kill('SIGKILL'), (wapitiSeconds + 120) * 1000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      if (c !== 0) process.stderr.write(`wapiti exited with ${c}: ${err}\n`);
      resolve(c);
    });
  });
  const ms = Date.now() - started;
  let hits: Hit[] = [];
  let note = `exit ${code}`;
  try {
    const doc = JSON.parse(readFileSync(report, 'utf8')) as { vulnerabilities?: Record<string, WapitiVuln[]> };
    const unmapped: string[] = [];
    for (const [category, list] of Object.entries(doc.vulnerabilities ?? {})) {
      const item = WAPITI_ITEMS[category];
      if (!item) {
        if (list.length) unmapped.push(`${category} ${list.length}`);
        continue;
      }
      for (const v of list) hits.push({ item, method: v.method ?? 'GET', url: new URL(v.path ?? '/', startUrl).href });
    }
    if (unmapped.length) note += `; categories without an item: ${unmapped.join(', ')}`;
  } catch (err) {
    note += `; no report: ${err instanceof Error ? err.message : String(err)}`;
    hits = [];
  }
  rmSync(dir, { recursive: true, force: true });
  return { hits, ms, note };
}

async function main(): Promise<void> {
  const routes = await loadRoutes();
  const tb = await startTestbed({ keepLog: false });
  const oast = await OastServer.start();
  const startUrl = `${tb.url}/vuln/`;
  try {
    const controller = new AbortController();
    const result = await runEngine(
      // Logged in as the testbed's member (alice), as a DAST job with session Headers would be.
      { startUrl, excludeUrls: [], headers: { Cookie: AUTHZ_COOKIE }, userAgent: 'PC Chrome', speed: '3', items: [...VULN_ITEMS], limits: { maxDurationMs: 30 * 60_000, requestTimeoutMs: 10_000 } },
      { log: (level, message, data) => level !== 'debug' && level !== 'info' && process.stderr.write(`[${level}] ${message} ${data ? JSON.stringify(data).slice(0, 300) : ''}\n`) },
      controller.signal,
      { oast, label: 'bench' },
    );
    const ours = score(routes, result.findings.map((f) => ({ item: f.item, method: f.method, url: f.url })));
    table(`wsc (${result.stats.urls} URLs crawled)`, ours, result.stats.requests, result.stats.durationMs);
    const hasWapiti = spawnSync('sh', ['-c', 'command -v wapiti'], { encoding: 'utf8' }).stdout.trim() !== '';
    if (useWapiti && hasWapiti) {
      process.stdout.write(`\nrunning wapiti on ${startUrl} (bounded to ${wapitiSeconds} s)...\n`);
      const w = await runWapiti(startUrl, oast.baseUrl);
      // Wapiti reports every traversal as "Path Traversal"; one in a download parameter is what we
      // call File Download, so it is scored as that.
      const theirs = score(
        routes,
        w.hits.map((h) => {
          const r = routeFor(routes, h.method, new URL(h.url).pathname);
          return h.item === 'LFI' && r?.vulnerable?.some((v) => v.item === 'File Download') ? { ...h, item: 'File Download' as const } : h;
        }),
      );
      // only the items wapiti has modules for are comparable
      table(`wapiti (${w.note})`, theirs, null, w.ms);
    } else if (useWapiti) {
      process.stdout.write('\nwapiti is not on PATH: no comparison\n');
    }
  } finally {
    await oast.close();
    await tb.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
