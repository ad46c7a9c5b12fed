// Detection benchmark: scans the loopback testbed with every check (items ALL) and scores each
// finding against the ground truth the testbed's routes declare (`vulnerable` / `safeFor`), so any
// engineer's new pages count without touching this file. Where `wapiti` is on PATH it scans the same
// testbed (kept on loopback: endpoints point at our own listener, no bug reports) and is scored the
// same way. Usage: npm run bench:detect [-- --no-wapiti --wapiti-seconds 600]
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { VULN_ITEMS, type VulnItem } from '../src/core/items.js';
import { runEngine } from '../src/engine/engine.js';
import { OastServer } from '../src/engine/oast.js';
import { printDom, scoreDom } from './dom.js';
import { hasWapiti, runWapiti, scoreMap, table, type Hit, type Score } from './scoring.js';
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

function score(routes: Route[], hits: Hit[]): Map<VulnItem, Score> {
  const { scores: out, get } = scoreMap();
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
    printDom(scoreDom(result.findings));
    if (useWapiti && hasWapiti()) {
      process.stdout.write(`\nrunning wapiti on ${startUrl} (bounded to ${wapitiSeconds} s)...\n`);
      const w = await runWapiti({
        startUrl,
        endpoint: oast.baseUrl,
        seconds: wapitiSeconds,
        // Without a depth cap wapiti's crawler never leaves the testbed's relative-link maze (/rel/),
        // a trap ours cuts by pattern; every vulnerable page is within 3 links of the start.
        extra: ['-d', '3'],
      });
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
