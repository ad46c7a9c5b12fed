// The browser step of a job's crawl phase: after the HTML crawl, decide (Crawl option, Chromium
// there, the site's need), run the browser crawl and merge its results into the HTML crawl's.
// Whatever happens, the job goes on with what it has, and the report says what the browser
// engine did or why it did not run.
import type { CrawlResult } from '../crawler.js';
import { AbortError } from '../http.js';
import type { ScanSession } from '../session.js';
import type { BrowserEngineInfo, CrawlMode, EngineHooks, EngineLimits } from '../types.js';
import { findChromium } from './chromium.js';
import { browserCrawl, browserTabs, type BrowserCrawlOptions } from './crawl.js';
import { mergeCrawl } from './merge.js';
import { browserNeed } from './signal.js';

export interface BrowserPhaseInput {
  mode: CrawlMode;
  session: ScanSession;
  startUrl: string;
  limits: EngineLimits;
  deadline: number;
  signal: AbortSignal;
  speed: string;
  userAgent: string;
  jobHeaders: Record<string, string>;
  /** The HTML crawl's result: read for the decision, extended in place. */
  crawled: CrawlResult;
  hooks: EngineHooks;
  /** Tests and the bench: another Chromium, extra pool options. */
  chromiumPath?: string;
  pool?: BrowserCrawlOptions['pool'];
}

export async function runBrowserPhase(input: BrowserPhaseInput): Promise<BrowserEngineInfo> {
  const { mode, crawled, hooks } = input;
  if (mode === 'html') return { mode, used: false, reason: 'Crawl "html" was asked for: the HTML crawler only' };
  if (crawled.limitReached === 'maxDurationMs' || crawled.limitReached === 'maxRequests') {
    return { mode, used: false, reason: `the HTML crawl used up the job's ${crawled.limitReached}` };
  }
  const chromium = await findChromium(input.chromiumPath);
  if (!chromium.ok || chromium.path === undefined) {
    const reason = `Chromium is not available: ${chromium.reason ?? 'not found'}`;
    hooks.log?.(mode === 'browser' ? 'warn' : 'info', `the browser engine was not used: ${reason}`);
    return { mode, used: false, reason };
  }
  const executablePath = chromium.path;
  let why = 'Crawl "browser" was asked for';
  if (mode === 'auto') {
    const need = browserNeed(crawled.pages);
    if (!need.needed) return { mode, used: false, reason: `Crawl "auto": ${need.why}` };
    why = `Crawl "auto": ${need.why}`;
  }
  const started = Date.now();
  const base = crawled.urls.length;
  hooks.log?.('info', 'browser crawl started', { why });
  let out: Awaited<ReturnType<typeof browserCrawl>>;
  try {
    out = await crawlInBrowser();
  } catch (err) {
    if (err instanceof AbortError || input.signal.aborted) throw err instanceof AbortError ? err : new AbortError();
    // a fault of the browser step must not cost the job what the HTML crawl found
    const message = err instanceof Error ? err.message : String(err);
    hooks.log?.('error', 'the browser crawl failed; the scan goes on with the HTML crawl', { error: err instanceof Error ? (err.stack ?? message) : message });
    return { mode, used: false, reason: `${why}, but the browser crawl failed: ${message.split('\n')[0] ?? ''}`, ms: Date.now() - started };
  }
  function crawlInBrowser(): ReturnType<typeof browserCrawl> {
    return browserCrawl({
    startUrl: input.startUrl,
    session: input.session,
    limits: input.limits,
    deadline: input.deadline,
    signal: input.signal,
    executablePath,
    tabs: browserTabs(input.speed),
    userAgent: input.userAgent,
    jobHeaders: input.jobHeaders,
    seeds: crawled.pages,
    ...(input.pool ? { pool: input.pool } : {}),
    ...(hooks.onCrawlProgress ? { onProgress: (n: number) => hooks.onCrawlProgress?.(base + n) } : {}),
    ...(hooks.log ? { log: hooks.log } : {}),
    });
  }
  if (input.signal.aborted) throw new AbortError();
  const added = mergeCrawl(crawled, out, input.limits.maxUrls);
  if (out.limitReached === 'maxDurationMs' || out.limitReached === 'maxRequests') crawled.limitReached ??= out.limitReached;
  const info: BrowserEngineInfo = {
    mode,
    used: out.unavailable === undefined || out.stats.succeeded > 0,
    reason: out.unavailable !== undefined ? `${why}, but ${out.unavailable}` : why,
    rendered: out.stats.rendered,
    targets: added,
    routes: out.stats.routes,
    recorded: out.stats.recorded,
    blocked: out.stats.blocked,
    crashes: out.stats.crashes,
    failed: out.stats.failed,
    ms: Date.now() - started,
  };
  if (out.limitReached !== undefined) info.limitReached = out.limitReached;
  hooks.log?.('info', 'browser crawl finished', { ...info });
  return info;
}
