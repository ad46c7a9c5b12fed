// The DOM testbed's score (test/testbed/routes/dom.ts: sources x sinks with safe twins, and the
// stored notes): cases the DOM XSS check found, cases it missed, and its findings on pages that
// are not vulnerable. bench:detect prints it from its full scan; `npm run bench:dom` scans the
// DOM pages alone (and bench/browser.ts may call runDomBench too).
import type { Finding } from '../src/core/model.js';
import { runEngine } from '../src/engine/engine.js';
import { OastServer } from '../src/engine/oast.js';
import { startTestbed, type Route } from '../test/testbed/server.js';
import { routes as domRoutes } from '../test/testbed/routes/dom.js';

export interface DomScore {
  cases: number;
  found: number;
  missed: string[];
  /** dom-xss findings on routes the truth does not call vulnerable to XSS. */
  falsePositives: string[];
}

function routeOf(routes: readonly Route[], method: string, path: string): Route | undefined {
  return routes.find((r) => {
    if (r.method !== undefined && ![r.method].flat().some((m) => m.toUpperCase() === method.toUpperCase())) return false;
    return typeof r.path === 'string' ? r.path === path : r.path.test(path);
  });
}

/** Scores the dom-xss findings among `findings` against the DOM testbed's truth. */
export function scoreDom(findings: readonly Pick<Finding, 'check' | 'method' | 'url'>[]): DomScore {
  const cases = domRoutes.filter((r) => r.vulnerable?.some((v) => v.item === 'XSS'));
  const hit = new Set<Route>();
  const falsePositives: string[] = [];
  for (const f of findings) {
    if (f.check !== 'dom-xss') continue;
    const path = new URL(f.url).pathname;
    const r = routeOf(domRoutes, f.method, path);
    if (r && cases.includes(r)) hit.add(r);
    else if (r) falsePositives.push(`${f.method} ${path}`);
  }
  return { cases: cases.length, found: hit.size, missed: cases.filter((r) => !hit.has(r)).map((r) => String(r.path)), falsePositives };
}

export function printDom(score: DomScore, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): void {
  const pct = score.cases === 0 ? 0 : (100 * score.found) / score.cases;
  out(`DOM testbed (dom-xss): ${score.found}/${score.cases} cases found (${pct.toFixed(1)} %), false positives ${score.falsePositives.length}`);
  if (score.missed.length) out(`  missed: ${score.missed.join(', ')}`);
  if (score.falsePositives.length) out(`  false: ${score.falsePositives.join(', ')}`);
}

/** Scans /dom/ and /dom-safe/ of a fresh testbed with the XSS checks and scores the result. */
export async function runDomBench(): Promise<DomScore & { ms: number; requests: number }> {
  const tb = await startTestbed({ keepLog: false });
  const oast = await OastServer.start();
  const started = Date.now();
  const findings: Finding[] = [];
  let requests = 0;
  try {
    for (const start of ['/dom/', '/dom-safe/']) {
      const r = await runEngine(
        { startUrl: `${tb.url}${start}`, excludeUrls: [], headers: {}, userAgent: 'PC Chrome', speed: '3', items: ['XSS'], limits: { maxDurationMs: 10 * 60_000 } },
        { log: (level, message) => (level === 'warn' || level === 'error') && process.stderr.write(`[${level}] ${message}\n`) },
        new AbortController().signal,
        { oast, label: 'bench-dom' },
      );
      findings.push(...r.findings);
      requests += r.stats.requests;
    }
  } finally {
    await oast.close();
    await tb.close();
  }
  return { ...scoreDom(findings), ms: Date.now() - started, requests };
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  runDomBench()
    .then((s) => {
      printDom(s);
      process.stdout.write(`requests ${s.requests}, duration ${(s.ms / 1000).toFixed(1)} s\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    });
}
