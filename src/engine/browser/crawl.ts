// The browser crawl: renders pages in headless Chromium (through a BrowserPool whose every request
// is answered by the job's ScanSession), records every request the pages' scripts make as an
// attack target, follows client-side routes (history API, hash routes, window.open), fills and
// submits forms and clicks elements with handlers (never those that look destructive, by the
// HTML crawler's own rule), and reads the rendered DOM with the HTML crawler's link and form
// reader. Bounded by the job's limits plus its own: pages rendered, time per page, actions per page.
import type { Page } from 'playwright-core';
import type { CrawledPage } from '../../checks/types.js';
import type { CrawledRequest, HttpResponseData } from '../../core/model.js';
import { requestBodyNames } from '../crawler.js';
import { destructiveSubmission, placeholder } from '../crawl/forms.js';
import { fetchKey, hash53, isStaticResource, patternKey, targetKey } from '../crawl/normalize.js';
import { pageLinks } from '../crawl/page-links.js';
import { AbortError, isTextContentType } from '../http.js';
import { DANGEROUS } from '../scope.js';
import type { ScanSession } from '../session.js';
import type { CollectedUrl, EngineLimits } from '../types.js';
import { sessionFulfill } from './fulfill.js';
import { CLICK, COLLECT, FILL, INSTRUMENT, ROUTES, SUBMIT } from './instrument.js';
import { BrowserPool, BrowserUnavailableError, type BrowserPoolOptions, type BrowserRequest } from './pool.js';
import { toCrawledRequest } from './record.js';

/** The browser crawl's own bounds (job option `Limits`; see README "Browser engine"). */
export type BrowserLimits = Pick<EngineLimits, 'maxBrowserPages' | 'browserPageTimeoutMs' | 'maxBrowserActions'>;

export interface BrowserCrawlOptions {
  startUrl: string;
  session: ScanSession;
  limits: EngineLimits;
  /** Epoch ms past which the crawl stops (the job's duration limit). */
  deadline: number;
  signal: AbortSignal;
  executablePath: string;
  /** Tabs at once (see browserTabs). */
  tabs: number;
  userAgent: string;
  /** The job's headers: their names are not recorded as a target's own, and its cookies seed the browser. */
  jobHeaders: Record<string, string>;
  /** Pages the HTML crawl fetched: those with scripts are rendered first (with their depth). */
  seeds?: readonly CrawledPage[];
  /** Extra pool options (tests, bench). */
  pool?: Partial<BrowserPoolOptions>;
  onProgress?(targets: number): void;
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
}

export interface BrowserCrawlStats {
  /** Page states rendered (successfully or not), and of those, the ones that went through. */
  rendered: number;
  succeeded: number;
  /** Client-side routes noted (history API, hash changes, window.open). */
  routes: number;
  /** Requests the pages made that became (or matched) attack targets. */
  recorded: number;
  clicks: number;
  submits: number;
  /** Requests refused by scope or egress. */
  blocked: number;
  crashes: number;
  timeouts: number;
  /** Page states that failed (crash, timeout, navigation error): each costs itself only. */
  failed: number;
  /** Variants cut as crawler traps. */
  trapped: number;
  webSockets: number;
}

export interface BrowserCrawlResult {
  requests: CrawledRequest[];
  pages: CrawledPage[];
  urls: CollectedUrl[];
  stats: BrowserCrawlStats;
  limitReached?: string;
  /** Set when the browser could not be used at all (it would not start). */
  unavailable?: string;
}

/**
 * Tabs by Speed: Chromium renders on the CPU, and each tab holds a renderer (~150 MB): 3 tabs keep
 * two cores busy and a crawl under 1.5 GB (bench:browser). WSC_BROWSER_TABS overrides.
 */
export const TABS_BY_SPEED: Readonly<Record<string, number>> = Object.freeze({ '1': 1, '2': 2, '3': 3 });

export function browserTabs(speed: string, env = process.env.WSC_BROWSER_TABS): number {
  if (env !== undefined && /^\d+$/.test(env.trim()) && Number(env) >= 1) return Math.min(32, Number(env));
  return TABS_BY_SPEED[speed] ?? 2;
}

interface State {
  /** What is rendered: the URL, with its fragment when that is a client route. */
  url: string;
  depth: number;
}

const IDLE_MS = 250;
/**
 * Page states one browser context serves before it is replaced (with its storage and renderers).
 * Longer-lived contexts cost the scanner process more than the overlap of renderers a replacement
 * causes: bench:browser peaked at 1,877 MB with 2,000 (node 739 MB), 1,605 MB with 100.
 */
const PAGES_PER_CONTEXT = 100;
const LOAD_SETTLE_MS = 5000;
const ACTION_SETTLE_MS = 1500;
const MAX_HTML = 2 * 1024 * 1024;
/** The same control (tag, label, href) is clicked on this many page states at most: menus repeat on every route. */
const SAME_CLICK_MAX = 2;
const TARGET_TYPES = new Set(['xhr', 'fetch', 'eventsource', 'websocket', 'ping', 'other', 'beacon']);

interface Collected {
  url: string;
  routes: string[];
  clicks: { i: number; tag: string; label: string; href: string }[];
  forms: { i: number; action: string; method: string; submitters: { label: string; formaction: string | null }[] }[];
  inputs: { i: number; type: string; name: string; empty: boolean; attrs: Record<string, string> }[];
  html: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function clickKey(c: { tag: string; label: string; href: string }): string {
  return `${c.tag}\u0000${c.label}\u0000${c.href}`;
}

function stripHash(url: string): string {
  const i = url.indexOf('#');
  return i === -1 ? url : url.slice(0, i);
}

/** Requests in flight on one page, to wait for the network to go quiet. */
class NetTracker {
  inflight = 0;
  last = Date.now();
  constructor(page: Page) {
    page.on('request', () => {
      this.inflight++;
      this.last = Date.now();
    });
    const done = (): void => {
      this.inflight = Math.max(0, this.inflight - 1);
      this.last = Date.now();
    };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
  }

  /** Until no request has been in flight for IDLE_MS, or `boundMs` passed. */
  async idle(boundMs: number): Promise<void> {
    const end = Date.now() + boundMs;
    while (Date.now() < end) {
      if (this.inflight === 0 && Date.now() - this.last >= IDLE_MS) return;
      await sleep(40);
    }
  }
}

class BrowserCrawl {
  readonly requests: CrawledRequest[] = [];
  readonly pages: CrawledPage[] = [];
  readonly urls: CollectedUrl[] = [];
  readonly stats: BrowserCrawlStats = { rendered: 0, succeeded: 0, routes: 0, recorded: 0, clicks: 0, submits: 0, blocked: 0, crashes: 0, timeouts: 0, failed: 0, trapped: 0, webSockets: 0 };
  limitReached: string | undefined;
  unavailable: string | undefined;
  private readonly limits: EngineLimits;
  private readonly origin: string;
  private readonly queue: State[] = [];
  private readonly seenStates = new Set<number>();
  private readonly patterns = new Map<number, number>();
  private readonly targets = new Set<number>();
  private readonly pageKeys = new Set<number>();
  private readonly urlKeys = new Set<number>();
  private readonly clicked = new Map<string, number>();
  private readonly depthOf = new Map<string, number>();
  private readonly jobHeaderNames: string[];
  private states = 0;
  private active = 0;
  private stopped = false;
  private wake: (() => void)[] = [];
  private pool: BrowserPool | null = null;

  constructor(private readonly opts: BrowserCrawlOptions) {
    this.limits = opts.limits;
    this.origin = new URL(opts.startUrl).origin;
    this.jobHeaderNames = Object.keys(opts.jobHeaders);
  }

  private stop(why?: string): void {
    if (why !== undefined) this.limitReached ??= why;
    this.stopped = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = [];
    for (const f of w) f();
  }

  private collectUrl(method: string, url: string): void {
    let k: number;
    try {
      k = hash53(fetchKey(method, url));
    } catch {
      // not an absolute URL: nothing a target list can hold
      return;
    }
    if (this.urlKeys.has(k)) return;
    this.urlKeys.add(k);
    this.urls.push({ method, url });
  }

  /** An attack target, de-duplicated as the HTML crawler does (method, path, parameter and body names). */
  addTarget(req: CrawledRequest): void {
    let u: URL;
    try {
      u = new URL(req.url);
    } catch {
      return;
    }
    if (!this.opts.session.scope.inScope(u)) return;
    const key = hash53(targetKey(req.method, u, requestBodyNames(req)));
    this.collectUrl(req.method, req.url);
    if (this.targets.has(key)) return;
    if (this.targets.size >= this.limits.maxUrls) {
      this.stop('maxUrls');
      return;
    }
    this.targets.add(key);
    this.requests.push(req);
    this.opts.onProgress?.(this.urls.length);
  }

  /** A page state to render; `route` keeps the fragment (a client route), else it is dropped. */
  addState(raw: string, depth: number, source: string, referer: string | undefined, route: boolean): void {
    if (this.stopped || depth > this.limits.maxDepth) return;
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return;
    const hash = route && u.hash.length > 1 ? u.hash : '';
    u.hash = '';
    if (!this.opts.session.scope.allowFollow(u) || isStaticResource(u)) return;
    const target: CrawledRequest = { method: 'GET', url: u.href, source, depth };
    if (referer !== undefined) target.referer = referer;
    this.addTarget(target);
    const key = hash53(fetchKey('GET', u) + hash);
    if (this.seenStates.has(key)) return;
    this.seenStates.add(key);
    // a route's own path (#/item/7 or /item/7) is what varies in a trap, generalised like a URL path
    let shape = patternKey('GET', u);
    if (hash !== '') {
      try {
        shape += ' ' + patternKey('GET', new URL(hash.replace(/^#!?/, '').replace(/^(?!\/)/, '/'), u.origin));
      } catch {
        shape += ' ' + hash;
      }
    }
    const pk = hash53(shape);
    const n = this.patterns.get(pk) ?? 0;
    if (n >= this.limits.maxVariantsPerPattern) {
      this.stats.trapped++;
      return;
    }
    this.patterns.set(pk, n + 1);
    if (this.states >= this.limits.maxBrowserPages) {
      this.limitReached ??= 'maxBrowserPages';
      return;
    }
    this.states++;
    if (!this.depthOf.has(u.href)) this.depthOf.set(u.href, depth);
    this.queue.push({ url: u.href + hash, depth });
    this.notify();
  }

  /** Everything a page made through the session: its requests become targets, its documents and API answers pages. */
  onExchange(req: BrowserRequest, res: HttpResponseData): void {
    if (this.stopped && this.limitReached === 'maxUrls') return;
    const type = req.resourceType;
    const refererUrl = req.headers['referer'];
    const depth = (refererUrl !== undefined ? this.depthOf.get(stripHash(refererUrl)) : undefined) ?? 0;
    let crawled: CrawledRequest | null = null;
    if (type === 'document') {
      if (req.method === 'GET') {
        this.addState(req.url, depth + (refererUrl === undefined ? 0 : 1), 'browser', refererUrl, false);
        if (this.depthOf.has(stripHash(req.url))) crawled = { method: 'GET', url: stripHash(req.url), source: 'browser', depth: this.depthOf.get(stripHash(req.url)) ?? depth };
      } else {
        crawled = toCrawledRequest(req, 'browser-form', depth + 1, this.jobHeaderNames);
        this.addTarget(crawled);
      }
    } else if (TARGET_TYPES.has(type)) {
      crawled = toCrawledRequest(req, `browser-${type}`, depth + 1, this.jobHeaderNames);
      this.stats.recorded++;
      this.addTarget(crawled);
    }
    if (crawled === null || res.status >= 400) return;
    const k = hash53(`${crawled.method} ${fetchKey(crawled.method, crawled.url)}`);
    if (this.pageKeys.has(k) || this.pages.length >= this.limits.maxUrls) return;
    this.pageKeys.add(k);
    this.pages.push({ request: crawled, response: isTextContentType(res.headers['content-type']) ? res : { ...res, body: '' } });
  }

  private absorb(data: Collected, state: State): void {
    const pageUrl = stripHash(data.url);
    const next = state.depth + 1;
    this.stats.routes += data.routes.length;
    for (const r of data.routes) this.addState(r, next, 'browser-route', pageUrl, true);
    for (const c of data.clicks) {
      if (/^#!?\//.test(c.href)) this.addState(pageUrl + c.href, next, 'browser-route', pageUrl, true);
    }
    let links;
    try {
      links = pageLinks('html', data.html, pageUrl, undefined, this.limits.maxUrls);
    } catch (err) {
      this.opts.log?.('debug', 'a rendered page could not be read for links', { url: pageUrl, error: message(err) });
      return;
    }
    for (const l of links.candidates) {
      if (this.stopped) return;
      if (l.fetch && l.method === 'GET' && l.source !== 'script') {
        this.addState(l.url, next, 'browser-link', pageUrl, false);
        continue;
      }
      const req: CrawledRequest = { method: l.method, url: l.url, source: `browser-${l.source}`, depth: next, referer: l.source === 'script' ? links.base : pageUrl };
      if (l.bodyKind !== undefined) req.bodyKind = l.bodyKind;
      if (l.fields !== undefined) req.fields = l.fields;
      if (l.rawBody !== undefined) req.rawBody = l.rawBody;
      if (l.absentQuery !== undefined) req.absentQuery = l.absentQuery;
      if (l.headers !== undefined) req.headers = l.headers;
      this.addTarget(req);
    }
    for (const k of links.skipped) this.opts.log?.('info', 'a form submission was left out: ' + k.why, { url: k.url, page: pageUrl });
  }

  private async load(page: Page, net: NetTracker, state: State): Promise<{ token: string; data: Collected }> {
    await page.goto(state.url, { waitUntil: 'domcontentloaded' });
    await net.idle(LOAD_SETTLE_MS);
    const token = Math.random().toString(36).slice(2);
    // one round trip: mark the document (to tell a navigation later) and read it
    const data = (await page.evaluate(`(window.__wscDoc = ${JSON.stringify(token)}, ${COLLECT}(${MAX_HTML}))`)) as Collected;
    const values = this.fillValues(data);
    if (values.length > 0) await page.evaluate(`${FILL}(${JSON.stringify(values)})`);
    return { token, data };
  }

  private fillValues(data: Collected): [number, string][] {
    return data.inputs.filter((i) => i.empty).map((i) => [i.i, placeholder({ type: i.type === 'textarea' ? 'textarea' : i.type, attrs: i.attrs }, this.origin)]);
  }

  /** After an action: whether the page left its document (a navigation), so it must be loaded again. */
  private async left(page: Page, token: string): Promise<boolean> {
    try {
      return (await page.evaluate('window.__wscDoc')) !== token;
    } catch (err) {
      this.opts.log?.('debug', 'the page moved during an action', { error: message(err) });
      return true;
    }
  }

  private async render(page: Page, state: State): Promise<void> {
    const started = Date.now();
    const budget = this.limits.browserPageTimeoutMs;
    const timeLeft = (): number => budget - (Date.now() - started);
    page.on('dialog', (d) => {
      // confirm() answered "cancel": an "are you sure?" is never agreed to
      d.dismiss().catch((err: unknown) => this.opts.log?.('debug', 'a dialog outlived its page', { error: message(err) }));
    });
    const net = new NetTracker(page);
    let { token, data } = await this.load(page, net, state);
    this.absorb(data, state);
    let actions = 0;
    const pageUrl = stripHash(data.url);
    const reload = async (): Promise<void> => {
      // a submission's navigation may still be under way: let it land before leaving it
      await page.waitForLoadState('domcontentloaded', { timeout: Math.max(1, Math.min(LOAD_SETTLE_MS, timeLeft())) }).catch((err: unknown) => {
        this.opts.log?.('debug', 'a navigation did not finish', { url: page.url(), error: message(err) });
      });
      ({ token, data } = await this.load(page, net, state));
    };
    // Forms: each submit button (or the form alone), filled as the HTML crawler fills them.
    const forms = data.forms;
    for (const f of forms) {
      const subs = f.submitters.length > 0 ? f.submitters.map((s, i) => ({ ...s, i })) : [{ label: '', formaction: null, i: -1 }];
      for (const s of subs) {
        if (this.stopped || actions >= this.limits.maxBrowserActions || timeLeft() < ACTION_SETTLE_MS) break;
        if (f.method === 'dialog') continue;
        let action: URL;
        try {
          action = new URL(s.formaction ?? f.action, pageUrl);
        } catch {
          continue;
        }
        const why = destructiveSubmission(action, s.label === '' ? undefined : s.label);
        if (why !== null) {
          this.opts.log?.('info', 'a form submission was left out: ' + why, { url: action.href, page: pageUrl });
          continue;
        }
        if (!this.opts.session.scope.allowFollow(action)) continue;
        actions++;
        this.stats.submits++;
        const done = await page.evaluate(`${SUBMIT}(${JSON.stringify([f.i, s.i])})`).catch((err: unknown) => {
          this.opts.log?.('debug', 'a form could not be submitted', { url: pageUrl, error: message(err) });
          return false;
        });
        if (done !== true) continue;
        await net.idle(Math.min(ACTION_SETTLE_MS, timeLeft()));
        if (await this.left(page, token)) await reload();
      }
    }
    // Elements with handlers, a few times each across the crawl (the same menu is on every route).
    // Scripts re-render as they are clicked, so the elements are read again after every click.
    const tried = new Set<string>();
    let clicks = data.clicks;
    let loadedUrl = page.url();
    for (;;) {
      if (this.stopped || actions >= this.limits.maxBrowserActions || timeLeft() < ACTION_SETTLE_MS) break;
      const c = clicks.find((x) => !tried.has(clickKey(x)));
      if (c === undefined) break;
      const key = clickKey(c);
      tried.add(key);
      if (DANGEROUS.test(c.label)) {
        this.opts.log?.('debug', 'an element that looks destructive was not clicked', { label: c.label.slice(0, 80), page: pageUrl });
        continue;
      }
      const times = this.clicked.get(key) ?? 0;
      if (times >= SAME_CLICK_MAX) continue;
      this.clicked.set(key, times + 1);
      actions++;
      this.stats.clicks++;
      const done = await page.evaluate(`${CLICK}(${c.i})`).catch((err: unknown) => {
        this.opts.log?.('debug', 'an element could not be clicked', { url: pageUrl, error: message(err) });
        return false;
      });
      if (done === true) {
        await net.idle(Math.min(ACTION_SETTLE_MS, timeLeft()));
        // a new document, or a client route (a state of its own, queued): back to this state for
        // the elements still to click
        if ((await this.left(page, token)) || page.url() !== loadedUrl) {
          // after a navigation the routes noted went with the old document: nothing to read then
          const routes = (await page.evaluate(ROUTES).catch((err: unknown) => {
            this.opts.log?.('debug', 'the routes of a left document are gone', { error: message(err) });
            return [];
          })) as string[];
          this.stats.routes += routes.length;
          for (const r of routes) this.addState(r, state.depth + 1, 'browser-route', pageUrl, true);
          await reload();
          loadedUrl = page.url();
        }
      }
      const now = (await page.evaluate(`${COLLECT}(0)`)) as Collected;
      this.stats.routes += now.routes.length;
      for (const r of now.routes) this.addState(r, state.depth + 1, 'browser-route', pageUrl, true);
      for (const x of now.clicks) if (/^#!?\//.test(x.href)) this.addState(pageUrl + x.href, state.depth + 1, 'browser-route', pageUrl, true);
      clicks = now.clicks;
    }
    // What the clicks revealed (menus, tabs, loaded lists): read once more.
    if (actions > 0 && !this.stopped && timeLeft() > 0) {
      const after = (await page.evaluate(`${COLLECT}(${MAX_HTML})`)) as Collected;
      this.absorb(after, state);
    }
  }

  private next(): State | null {
    return this.queue.shift() ?? null;
  }

  private async worker(): Promise<void> {
    const pool = this.pool as BrowserPool;
    for (;;) {
      if (this.stopped || this.opts.signal.aborted) return;
      if (Date.now() >= this.opts.deadline) return this.stop('maxDurationMs');
      if (this.opts.session.remaining() <= 0) return this.stop('maxRequests');
      const state = this.next();
      if (state === null) {
        if (this.active === 0) return this.notify();
        await new Promise<void>((r) => this.wake.push(r));
        continue;
      }
      this.active++;
      try {
        this.stats.rendered++;
        const timeoutMs = Math.max(1000, Math.min(this.limits.browserPageTimeoutMs + LOAD_SETTLE_MS, this.opts.deadline - Date.now()));
        await pool.withPage((page) => this.render(page, state), { initScripts: [INSTRUMENT], timeoutMs });
        this.stats.succeeded++;
      } catch (err) {
        if (this.opts.signal.aborted) throw new AbortError();
        if (err instanceof BrowserUnavailableError) {
          this.unavailable = err.message;
          this.stop();
          return;
        }
        this.stats.failed++;
        this.opts.log?.('debug', 'a page could not be rendered', { url: state.url, error: message(err) });
      } finally {
        this.active--;
        if (this.active === 0 && this.queue.length === 0) this.notify();
      }
    }
  }

  async run(): Promise<void> {
    const { session } = this.opts;
    const cookie = Object.entries(this.opts.jobHeaders).find(([k]) => k.toLowerCase() === 'cookie')?.[1];
    const cookies = (cookie ?? '')
      .split(';')
      .map((p) => p.trim())
      .filter((p) => p.indexOf('=') > 0)
      .map((p) => ({ name: p.slice(0, p.indexOf('=')).trim(), value: p.slice(p.indexOf('=') + 1).trim(), url: this.origin }));
    const host = new URL(this.opts.startUrl).host;
    this.pool = new BrowserPool({
      executablePath: this.opts.executablePath,
      maxTabs: Math.max(1, this.opts.tabs),
      pageTimeoutMs: this.limits.browserPageTimeoutMs,
      userAgent: this.opts.userAgent,
      allowRequest: (url) => session.scope.allowFollow(url),
      fulfill: sessionFulfill(session, { onExchange: (req, res) => this.onExchange(req, res) }),
      cookies,
      directHosts: [host],
      onWebSocket: (url, allowed) => {
        this.stats.webSockets++;
        if (allowed) this.addTarget({ method: 'GET', url: url.replace(/^ws(s?):/i, 'http$1:'), source: 'browser-websocket', depth: 1 });
      },
      signal: this.opts.signal,
      // the crawl never relies on a pristine tab: each state is loaded anew, its listeners its own
      reusePages: true,
      pagesPerContext: envInt('WSC_BROWSER_PAGES_PER_CONTEXT') ?? PAGES_PER_CONTEXT,
      ...(envInt('WSC_BROWSER_MEMORY_MB') !== undefined ? { pageMemoryMb: envInt('WSC_BROWSER_MEMORY_MB') } : {}),
      ...(this.opts.log ? { log: this.opts.log } : {}),
      ...this.opts.pool,
    });
    const onAbort = (): void => this.stop();
    this.opts.signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.addState(this.opts.startUrl, 0, 'browser', undefined, true);
      const seeds = [...(this.opts.seeds ?? [])].filter((p) => /<script\b/i.test(p.response.body)).sort((a, b) => a.request.depth - b.request.depth);
      for (const p of seeds) this.addState(p.response.url || p.request.url, p.request.depth, 'browser', p.request.referer, false);
      const results = await Promise.allSettled(Array.from({ length: Math.max(1, this.opts.tabs) }, () => this.worker()));
      if (this.opts.signal.aborted) throw new AbortError();
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    } finally {
      this.opts.signal.removeEventListener('abort', onAbort);
      const st = this.pool.stats();
      this.stats.blocked = st.blocked;
      this.stats.crashes = st.crashes;
      this.stats.timeouts = st.timeouts;
      await this.pool.close();
    }
  }
}

function envInt(name: string): number | undefined {
  const v = process.env[name];
  return v !== undefined && /^\d+$/.test(v.trim()) && Number(v) > 0 ? Number(v) : undefined;
}

/**
 * Crawls `opts.startUrl` (and the script-bearing pages of `opts.seeds`) in the browser. Throws
 * AbortError on a stop; a browser that will not start ends it early with `unavailable` set.
 */
export async function browserCrawl(opts: BrowserCrawlOptions): Promise<BrowserCrawlResult> {
  if (opts.signal.aborted) throw new AbortError();
  const c = new BrowserCrawl(opts);
  await c.run();
  const out: BrowserCrawlResult = { requests: c.requests, pages: c.pages, urls: c.urls, stats: c.stats };
  if (c.limitReached !== undefined) out.limitReached = c.limitReached;
  if (c.unavailable !== undefined) out.unavailable = c.unavailable;
  return out;
}
