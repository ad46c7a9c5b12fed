// Detection benchmark: scans the loopback testbed with every check (items ALL and EXTENDED) and scores each
// finding against the ground truth the testbed's routes declare (`vulnerable` / `safeFor`), so any
// engineer's new pages count without touching this file. Where `wapiti` is on PATH it scans the same
// testbed (kept on loopback: endpoints point at our own listener, no bug reports) and is scored the
// same way. Usage: npm run bench:detect [-- --no-wapiti --wapiti-seconds 600 --items ALL]
// (--items takes a comma list of VulnItems words, e.g. ALL for NCP's 21 alone; default ALL,EXTENDED).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolveVulnItems, type ScanItem } from '../src/core/items.js';
import { runEngine } from '../src/engine/engine.js';
import { verdictLine } from '../src/engine/health.js';
import { OastServer } from '../src/engine/oast.js';
import { printDom, scoreDom } from './dom.js';
import { hasWapiti, runWapiti, scoreMap, table, type Hit, type Score } from './scoring.js';
import { AUTHZ_COOKIE } from '../test/testbed/routes/authz.js';
import { startTestbed, type Route } from '../test/testbed/server.js';

const args = process.argv.slice(2);
const useWapiti = !args.includes('--no-wapiti');
const wapitiSeconds = Number(args[args.indexOf('--wapiti-seconds') + 1]) || 600;
const itemWords = (args.includes('--items') ? (args[args.indexOf('--items') + 1] ?? '') : 'ALL,EXTENDED').split(',').map((w) => w.trim());
const resolved = resolveVulnItems(itemWords);
if (!resolved) throw new Error(`--items ${itemWords.join(',')}: not a VulnItems list`);
const items: ScanItem[] = resolved;

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

function score(routes: Route[], hits: Hit[]): Map<ScanItem, Score> {
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

/** The items scanned for: a route's truth for an item not asked for is not a miss. */
function onlyItems(s: Map<ScanItem, Score>, wanted: readonly ScanItem[]): Map<ScanItem, Score> {
  return new Map([...s].filter(([item]) => wanted.includes(item)));
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
      { startUrl, excludeUrls: [], headers: { Cookie: AUTHZ_COOKIE }, userAgent: 'PC Chrome', speed: '3', items, limits: { maxDurationMs: 30 * 60_000, requestTimeoutMs: 10_000 } },
      { log: (level, message, data) => level !== 'debug' && level !== 'info' && process.stderr.write(`[${level}] ${message} ${data ? JSON.stringify(data).slice(0, 300) : ''}\n`) },
      controller.signal,
      { oast, label: 'bench' },
    );
    const ours = score(routes, result.findings.map((f) => ({ item: f.item, method: f.method, url: f.url })));
    table(`wsc, items ${itemWords.join(',')} (${result.stats.urls} URLs crawled)`, onlyItems(ours, items), result.stats.requests, result.stats.durationMs);
    if (result.scan) {
      // What each check costs, per insertion point the crawl offered (every check divided by the same
      // count, so runs compare), to hold adaptive payloads to their request budget.
      const { sentByCheck, insertionPoints, targets } = result.scan;
      process.stdout.write(`\nrequests by check (${targets} targets, ${insertionPoints} insertion points)\n`);
      for (const [id, n] of Object.entries(sentByCheck).sort((a, b) => b[1] - a[1])) {
        process.stdout.write(`${id.padEnd(30)}${String(n).padStart(7)}${(n / Math.max(1, insertionPoints)).toFixed(2).padStart(8)} per point\n`);
      }
    }
    // a healthy target must not get a degraded verdict (src/engine/health.ts)
    const health = result.stats.health;
    if (health) {
      const e = health.errors;
      process.stdout.write(
        `\n${verdictLine(health)} (${health.sent} sent, ${health.answered} answered, no answer: ${e.refused} refused, ${e.reset} reset, ${e.timeout} timed out, ${e.tls} TLS, ${e.other} other; ${health.unavailable} answered 502/503/504; ${health.pauses} pauses; ${health.retries} retries; ${health.backoffs} back-offs)\n`,
      );
      if (health.verdict !== 'healthy') process.exitCode = 1;
    }
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
