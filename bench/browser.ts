// Browser engine benchmark: a browser crawl (Speed "3") of the SPA testbed with 1,000 client-side
// routes, served by a child process on loopback: page states rendered per second, and the peak
// resident memory of the scan (this process plus every Chromium process under it, summed).
// Usage: npm run bench:browser [-- --routes 1000 --speed 3]
//
// Sections: each prints its own table: the browser crawl, then the DOM XSS testbed's score.
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { findChromium } from '../src/engine/browser/chromium.js';
import { browserTabs } from '../src/engine/browser/crawl.js';
import { runBrowserPhase } from '../src/engine/browser/phase.js';
import { processTree, treeRss } from '../src/engine/browser/proc.js';
import { crawl } from '../src/engine/crawler.js';
import { resolveLimits } from '../src/engine/engine.js';
import { ScanSession } from '../src/engine/session.js';
import { isSpeedWord } from '../src/core/items.js';
import { startSpa } from '../test/testbed/spa.js';
import { runDomBench } from './dom.js';

const RSS_GOAL_MB = 1536;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? undefined : Number(process.argv[i + 1]);
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : fallback;
}


interface Section {
  title: string;
  head: string[];
  rows: string[][];
  notes: string[];
}

const mb = (b: number): string => (b / 1024 / 1024).toFixed(0);

function table(s: Section): void {
  const widths = s.head.map((h, i) => Math.max(h.length, ...s.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`\n${s.title}`);
  console.log(line(s.head));
  for (const r of s.rows) console.log(line(r));
  for (const n of s.notes) console.log(n);
}

async function startServer(routes: number): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', '--routes', String(routes)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`the SPA server exited (${code})`)));
  });
  return { child, url };
}

interface Rss {
  total: number;
  /** By kind of process: node (the scanner), browser, renderer (with their count), other Chromium helpers. */
  parts: Record<string, number>;
  renderers: number;
}

/** Resident memory of this process and its children but the site's server: the scanner and its Chromium. */
async function scanRss(site: number): Promise<Rss> {
  const siteTree = new Set((await processTree(site)).map((p) => p.pid));
  const out: Rss = { total: 0, parts: {}, renderers: 0 };
  for (const p of await processTree(process.pid)) {
    if (siteTree.has(p.pid)) continue;
    const kind = p.pid === process.pid ? 'node' : (/--type=([\w-]+)/.exec(p.cmdline)?.[1] ?? 'browser');
    if (kind === 'renderer') out.renderers++;
    out.total += p.rssBytes;
    out.parts[kind] = (out.parts[kind] ?? 0) + p.rssBytes;
  }
  return out;
}

async function browserCrawlSection(): Promise<Section> {
  const routes = arg('routes', 1000);
  const speedArg = String(arg('speed', 3));
  const speed = isSpeedWord(speedArg) ? speedArg : '3';
  const { child, url } = await startServer(routes);
  const start = url + '/';
  const limits = resolveLimits({ maxBrowserPages: routes + 100, maxDurationMs: 60 * 60 * 1000 });
  const signal = new AbortController().signal;
  const session = new ScanSession({ startUrl: start, excludeUrls: [], headers: {}, userAgent: 'wsc-bench', speed, limits, signal });
  let peak: Rss = { total: 0, parts: {}, renderers: 0 };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const now = await scanRss(child.pid ?? -1);
      if (now.total > peak.total) peak = now;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  try {
    const crawled = await crawl(session, { startUrl: start, limits, signal });
    const loadBefore = os.loadavg()[0] ?? 0;
    const t0 = Date.now();
    const info = await runBrowserPhase({ mode: 'browser', session, startUrl: start, limits, deadline: Date.now() + limits.maxDurationMs, signal, speed, userAgent: 'wsc-bench', jobHeaders: {}, crawled, hooks: {} });
    const seconds = (Date.now() - t0) / 1000;
    const found = new Set(crawled.urls.filter((u) => /\/r\/section-[a-z]+$/.test(u.url)).map((u) => u.url)).size;
    sampling = false;
    await sampler;
    const rendered = info.rendered ?? 0;
    return {
      title: `browser crawl: SPA of ${routes} client-side routes, Speed "${speed}" (${browserTabs(speed)} tabs), ${os.cpus().length} cores`,
      head: ['routes found', 'states rendered', 'failed', 'requests', 'seconds', 'pages/s', 'peak RSS MB', 'goal'],
      rows: [[`${found}/${routes}`, String(rendered), String(info.failed ?? 0), String(session.requestCount()), seconds.toFixed(1), (rendered / seconds).toFixed(1), mb(peak.total), `< ${RSS_GOAL_MB}`]],
      notes: [`load average during the run: ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]?.toFixed(1)} after (a figure taken on a busy machine is slower than the engine is)`, `peak RSS: this process and every Chromium process under it (renderers included), summed; the site's server left out`,
        `at the peak: ${Object.entries(peak.parts).map(([k, v]) => `${k} ${mb(v)} MB`).join(', ')} (${peak.renderers} renderers)`, `browser engine: ${info.reason}${info.limitReached ? `; stopped at ${info.limitReached}` : ''}`],
    };
  } finally {
    sampling = false;
    await session.close();
    child.disconnect();
  }
}

/** The DOM XSS testbed (bench/dom.ts): its cases found by the dom-xss check, and its false positives. */
async function domSection(): Promise<Section> {
  const s = await runDomBench();
  return {
    title: 'DOM XSS testbed (/dom/ and its safe twins /dom-safe/, items XSS, Speed "3")',
    head: ['found', 'missed', 'false positives', 'requests', 's'],
    rows: [[`${s.found}/${s.cases}`, String(s.missed.length), String(s.falsePositives.length), String(s.requests), (s.ms / 1000).toFixed(1)]],
    notes: [...(s.missed.length ? [`missed: ${s.missed.join(', ')}`] : []), ...(s.falsePositives.length ? [`false: ${s.falsePositives.join(', ')}`] : [])],
  };
}

async function main(): Promise<void> {
  const chromium = await findChromium();
  if (!chromium.ok) {
    console.log(`bench:browser skipped: ${chromium.reason}`);
    return;
  }
  const sections: (() => Promise<Section>)[] = [browserCrawlSection, domSection];
  for (const s of sections) table(await s());
  console.log(`\n(after the run: ${mb(await treeRss())} MB resident in this process tree)`);
}

if (process.argv.includes('--serve')) {
  const spa = await startSpa({ routes: arg('routes', 1000) });
  process.send?.({ url: spa.url });
  process.on('disconnect', () => {
    void spa.close().then(() => process.exit(0));
  });
} else {
  await main();
}
