// A bounded pool of headless Chromium tabs for one job. Every request a page makes is intercepted
// (allowRequest decides; `fulfill`, when given, answers it through wsc's own HTTP session so the
// job's scope, egress guard, headers, cookies and budget apply as they do to every other request).
// Anything that escapes interception (a WebSocket, DNS prefetch, WebRTC) meets a proxy that is a
// sinkhole of our own, so a page's scripts cannot reach a host nobody allowed. A crash of a tab or
// of the browser rejects the withPage() call it happened in, never the pool; close() ends it all
// within 2 s, killing what a hung browser left behind.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import type { Browser, BrowserContext, Disposable, Page, Route, WebSocketRoute } from 'playwright-core';
import { AbortError } from '../http.js';
import { markedTrees } from './proc.js';

/** A request a page made, as handed to `fulfill`. Header names are lower case. */
export interface BrowserRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Chromium's resource type: document, script, xhr, fetch, stylesheet, image... */
  resourceType: string;
}

export interface BrowserResponse {
  status: number;
  /** `set-cookie` may hold several cookies separated by "\n". */
  headers: Record<string, string>;
  body: Buffer | string;
}

export interface BrowserPoolOptions {
  executablePath: string;
  /** Pages open at once (by Speed). */
  maxTabs: number;
  /** Contexts are recycled after this many pages (default 20). */
  pagesPerContext?: number;
  /** Per-page bound of withPage, ms (default 30 s). */
  pageTimeoutMs?: number;
  userAgent?: string;
  extraHeaders?: Record<string, string>;
  /** Every request any page makes goes through this: false = aborted (scope/egress). */
  allowRequest?(url: string, method: string): boolean | Promise<boolean>;
  /** Stop: everything closed within 2 s. */
  signal?: AbortSignal;
  /**
   * Answers every allowed request instead of Chromium's network stack. Without it allowed requests
   * go out from Chromium itself (the sinkhole proxy then refuses them unless `directHosts` lists
   * their host), with `extraHeaders` and the User-Agent added.
   */
  fulfill?(request: BrowserRequest): Promise<BrowserResponse>;
  /** Cookies every new context starts with (e.g. the job's Cookie header), so scripts see them. */
  cookies?: { name: string; value: string; url: string }[];
  /** Resource types answered with an abort without asking anyone (default image, media, font). */
  blockResourceTypes?: string[];
  /**
   * Hosts (`host` or `host:port`) Chromium may connect to itself, bypassing the sinkhole proxy:
   * needed for WebSockets (which cannot be fulfilled) and for requests when `fulfill` is absent.
   */
  directHosts?: string[];
  /** Whether a page may open a WebSocket to `url` (default: allowRequest on its http(s) twin). */
  allowWebSocket?(url: string): boolean | Promise<boolean>;
  /** Told of every WebSocket a page opened, allowed or not. */
  onWebSocket?(url: string, allowed: boolean): void;
  /** V8 heap limit of each renderer, MB (default 512): a page over it crashes, alone. */
  pageMemoryMb?: number;
  /** Browser launches (the first and relaunches after crashes) before the pool gives up (default 4). */
  maxLaunches?: number;
  /** Launch bound, ms (default 20 s). */
  launchTimeoutMs?: number;
  /**
   * Renderer processes at most (default: half of maxTabs, at least 1): tabs of one site then
   * share renderers instead of each holding ~100 MB of its own, and a tab's renderer is reused
   * rather than started anew for every page.
   */
  maxRenderers?: number;
  /** More Chromium switches (tests, the bench). */
  launchArgs?: string[];
  /**
   * Keep a tab for the next withPage() of its context instead of closing it: its listeners, init
   * scripts and routes are removed and it is sent to about:blank, but per-tab state (history,
   * sessionStorage) stays, so only callers that do not depend on a pristine tab should ask. Saves
   * starting a renderer per page (time and, on a small machine, most of the memory).
   */
  reusePages?: boolean;
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
}

/** The tab or the browser crashed (or was killed) while the page was in use. */
export class BrowserCrashError extends Error {
  override name = 'BrowserCrashError';
}

/** withPage's function ran past its time limit; the page was closed. */
export class PageTimeoutError extends Error {
  override name = 'PageTimeoutError';
}

/** Chromium could not be started (or was restarted too often): the browser engine is not usable. */
export class BrowserUnavailableError extends Error {
  override name = 'BrowserUnavailableError';
}

interface Slot {
  browser: Browser;
  ctx: BrowserContext;
  used: number;
  open: number;
  retired: boolean;
  /** Tabs kept for reuse (reusePages). */
  idle: Page[];
}

interface Lease {
  browser: Browser;
  reject(err: Error): void;
}

const CLOSE_BOUND_MS = 1000;
const PAGE_CLOSE_BOUND_MS = 1000;
const DEFAULT_BLOCKED_TYPES = ['image', 'media', 'font'];
// Chromium's own background traffic (updates, safe browsing, metrics, translate, field trials)
// must not leave the machine for a scan, nor cost memory.
// The GPU and network services live in the browser process: two processes (~150 MB) fewer per pool.
const LEAN_ARGS = ['--in-process-gpu', '--enable-features=NetworkServiceInProcess2'];
const QUIET_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-sync',
  '--disable-extensions',
  '--disable-breakpad',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  '--no-first-run',
  '--no-default-browser-check',
  '--metrics-recording-only',
  '--mute-audio',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
];

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function looksLikeCrash(err: unknown): boolean {
  return /Target (?:page, context or browser )?(?:has been )?closed|Target crashed|Page crashed|Browser (?:has been )?closed|browser has disconnected/i.test(message(err));
}

export class BrowserPool {
  private readonly opts: BrowserPoolOptions;
  private readonly marker = `--wsc-pool=${randomBytes(6).toString('hex')}`;
  /** The argument that tells this pool's browser processes apart (measuring, killing leftovers). */
  get processMarker(): string {
    return this.marker;
  }
  private readonly blocked: Set<string>;
  private browser: Promise<Browser> | null = null;
  private current: Promise<Slot> | null = null;
  private readonly slots = new Set<Slot>();
  private readonly leases = new Set<Lease>();
  private readonly waiters: { resolve(): void; reject(err: Error): void }[] = [];
  private tabs = 0;
  private launches = 0;
  private closed = false;
  private closing: Promise<void> | null = null;
  private sinkhole: Promise<{ server: Server; port: number }> | null = null;
  private readonly counts = { pages: 0, crashes: 0, blocked: 0, timeouts: 0, contexts: 0 };
  private readonly onAbort = (): void => {
    void this.close();
  };

  constructor(opts: BrowserPoolOptions) {
    if (!Number.isInteger(opts.maxTabs) || opts.maxTabs < 1) throw new RangeError(`maxTabs must be a positive integer, not ${opts.maxTabs}`);
    this.opts = opts;
    this.blocked = new Set(opts.blockResourceTypes ?? DEFAULT_BLOCKED_TYPES);
    if (opts.signal?.aborted) this.closed = true;
    else opts.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** browsers: launches so far; contexts: contexts created; open: tabs in use now. */
  stats(): { pages: number; crashes: number; blocked: number; browsers: number; timeouts: number; contexts: number; open: number } {
    return { ...this.counts, browsers: this.launches, open: this.tabs };
  }

  /** A fresh page in a pooled context; a crash of tab/browser rejects this call only. */
  async withPage<T>(fn: (page: Page) => Promise<T>, opts: { initScripts?: string[]; timeoutMs?: number } = {}): Promise<T> {
    if (this.closed) throw new AbortError('the browser pool is closed');
    await this.acquireTab();
    let slot: Slot | null = null;
    let page: Page | null = null;
    let timer: NodeJS.Timeout | undefined;
    let lease: Lease | null = null;
    let crashed = false;
    let timedOut = false;
    const scripts: Disposable[] = [];
    try {
      slot = await this.slot();
      const s = slot;
      page = s.idle.pop() ?? null;
      page ??= await s.ctx.newPage().catch((err: unknown) => {
        throw looksLikeCrash(err) ? new BrowserCrashError(`the browser went away: ${message(err)}`) : err;
      });
      for (const script of opts.initScripts ?? []) scripts.push(await page.addInitScript(script));
      const timeoutMs = opts.timeoutMs ?? this.opts.pageTimeoutMs ?? 30_000;
      page.setDefaultTimeout(timeoutMs);
      page.setDefaultNavigationTimeout(timeoutMs);
      this.counts.pages++;
      const p = page;
      return await new Promise<T>((resolve, reject) => {
        let settled = false;
        const fail = (err: Error): void => {
          if (settled) return;
          settled = true;
          reject(err);
        };
        lease = { browser: s.browser, reject: fail };
        this.leases.add(lease);
        timer = setTimeout(() => {
          timedOut = true;
          this.counts.timeouts++;
          fail(new PageTimeoutError(`the page took longer than ${timeoutMs} ms`));
        }, timeoutMs);
        p.once('crash', () => {
          crashed = true;
          this.counts.crashes++;
          fail(new BrowserCrashError('the tab crashed'));
        });
        fn(p).then(
          (v) => {
            if (settled) return;
            settled = true;
            resolve(v);
          },
          (err: unknown) => {
            if (this.closed) return fail(new AbortError());
            if (!settled && looksLikeCrash(err)) {
              crashed = true;
              this.counts.crashes++;
              return fail(new BrowserCrashError(`the tab or browser went away: ${message(err)}`));
            }
            fail(err instanceof Error ? err : new Error(String(err)));
          },
        );
      });
    } finally {
      if (timer) clearTimeout(timer);
      if (lease) this.leases.delete(lease);
      if (page) {
        const kept = this.opts.reusePages === true && !crashed && !timedOut && !this.closed && slot !== null && !slot.retired && (await this.reset(page, scripts));
        if (kept && slot) slot.idle.push(page);
        else {
          const closing = page.close().catch((err: unknown) => this.opts.log?.('debug', 'a tab did not close cleanly', { error: message(err) }));
          await Promise.race([closing, delay(PAGE_CLOSE_BOUND_MS)]);
        }
      }
      if (slot) {
        slot.open--;
        if (slot.retired && slot.open === 0) this.dropSlot(slot);
      }
      this.releaseTab();
    }
  }

  /** Readies a used tab for another withPage(); false when it cannot be (then it is closed). */
  private async reset(page: Page, scripts: Disposable[]): Promise<boolean> {
    if (page.isClosed()) return false;
    const work = (async (): Promise<boolean> => {
      await page.removeAllListeners(undefined, { behavior: 'ignoreErrors' });
      for (const d of scripts) await d.dispose();
      await page.unrouteAll({ behavior: 'ignoreErrors' });
      await page.goto('about:blank');
      return true;
    })().catch((err: unknown) => {
      this.opts.log?.('debug', 'a tab could not be readied for reuse', { error: message(err) });
      return false;
    });
    return Promise.race([work, delay(PAGE_CLOSE_BOUND_MS).then(() => false)]);
  }

  private acquireTab(): Promise<void> {
    if (this.tabs < this.opts.maxTabs) {
      this.tabs++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private releaseTab(): void {
    const next = this.waiters.shift();
    // the slot passes straight to the next waiter: the count stays
    if (next) next.resolve();
    else this.tabs--;
  }

  /** The context the next page opens in: the current one until it served pagesPerContext pages. */
  private async slot(): Promise<Slot> {
    const perContext = Math.max(1, this.opts.pagesPerContext ?? 20);
    for (;;) {
      if (this.closed) throw new AbortError('the browser pool is closed');
      const pending = this.current ?? (this.current = this.newSlot());
      let s: Slot;
      try {
        s = await pending;
      } catch (err) {
        if (this.current === pending) this.current = null;
        throw err;
      }
      if (s.retired || !s.browser.isConnected()) {
        if (this.current === pending) this.current = null;
        continue;
      }
      if (s.used >= perContext) {
        this.retire(s);
        if (this.current === pending) this.current = null;
        continue;
      }
      s.used++;
      s.open++;
      return s;
    }
  }

  /** No more pages for `s`: its kept tabs close now (their renderers would overlap the next context's), the context once its last tab is done. */
  private retire(s: Slot): void {
    s.retired = true;
    for (const p of s.idle.splice(0)) {
      p.close().catch((err: unknown) => this.opts.log?.('debug', 'a kept tab did not close cleanly', { error: message(err) }));
    }
    if (s.open === 0) this.dropSlot(s);
  }

  private dropSlot(s: Slot): void {
    if (!this.slots.delete(s)) return;
    const closing = s.ctx.close().catch((err: unknown) => this.opts.log?.('debug', 'a browser context did not close cleanly', { error: message(err) }));
    this.dropping.add(closing);
    void closing.finally(() => {
      this.dropping.delete(closing);
      this.notifyDropped();
    });
  }

  /** Contexts being closed, and who waits for retired ones to be gone (see newSlot). */
  private readonly dropping = new Set<Promise<void>>();
  private droppedWaiters: (() => void)[] = [];

  private notifyDropped(): void {
    const w = this.droppedWaiters;
    this.droppedWaiters = [];
    for (const f of w) f();
  }

  /**
   * The next context starts once the retired ones are closed: their tabs' renderers and the new
   * ones would otherwise live side by side, twice the memory for a moment at every recycling. The
   * wait is bounded by the pages still open there (each by its time limit).
   */
  private async retiredGone(): Promise<void> {
    while (!this.closed && ([...this.slots].some((x) => x.retired) || this.dropping.size > 0)) {
      await new Promise<void>((r) => {
        this.droppedWaiters.push(r);
        setTimeout(r, 250).unref();
      });
    }
  }

  private async newSlot(): Promise<Slot> {
    await this.retiredGone();
    const browser = await this.getBrowser();
    let ctx: BrowserContext;
    try {
      ctx = await browser.newContext({
        ...(this.opts.userAgent !== undefined ? { userAgent: this.opts.userAgent } : {}),
        ...(this.opts.extraHeaders !== undefined ? { extraHTTPHeaders: this.opts.extraHeaders } : {}),
        serviceWorkers: 'block',
        ignoreHTTPSErrors: true,
        acceptDownloads: false,
        viewport: { width: 1280, height: 800 },
      });
    } catch (err) {
      throw looksLikeCrash(err) ? new BrowserCrashError(`the browser went away: ${message(err)}`) : err;
    }
    if (this.opts.cookies && this.opts.cookies.length > 0) await ctx.addCookies(this.opts.cookies);
    await ctx.route('**/*', (route) => this.onRoute(route));
    await ctx.routeWebSocket(/.*/, (ws) => this.onWebSocket(ws));
    const s: Slot = { browser, ctx, used: 0, open: 0, retired: false, idle: [] };
    this.slots.add(s);
    this.counts.contexts++;
    if (this.closed) {
      this.dropSlot(s);
      throw new AbortError('the browser pool is closed');
    }
    return s;
  }

  private getBrowser(): Promise<Browser> {
    if (this.browser) return this.browser;
    const max = this.opts.maxLaunches ?? 4;
    if (this.launches >= max) return Promise.reject(new BrowserUnavailableError(`the browser was started ${this.launches} times and went away each time; giving up`));
    this.launches++;
    const p = this.launch();
    this.browser = p;
    // a failed launch is the caller's rejection; the next withPage() may try again (up to maxLaunches)
    p.catch(() => {
      if (this.browser === p) this.browser = null;
    });
    return p;
  }

  private startSinkhole(): Promise<{ server: Server; port: number }> {
    this.sinkhole ??= new Promise((resolve, reject) => {
      // A proxy that answers nothing: whatever Chromium would send past the interception ends here.
      const server = createServer((socket) => socket.destroy());
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const a = server.address();
        resolve({ server, port: typeof a === 'object' && a !== null ? a.port : 0 });
      });
    });
    return this.sinkhole;
  }

  private async launch(): Promise<Browser> {
    const { port } = await this.startSinkhole();
    const bypass = ['<-loopback>', ...(this.opts.directHosts ?? [])].join(';');
    const args = [
      ...QUIET_ARGS,
      ...LEAN_ARGS,
      `--proxy-server=http://127.0.0.1:${port}`,
      `--proxy-bypass-list=${bypass}`,
      `--js-flags=--max-old-space-size=${Math.max(16, Math.floor(this.opts.pageMemoryMb ?? 512))}`,
      `--renderer-process-limit=${Math.max(1, Math.floor(this.opts.maxRenderers ?? Math.ceil(this.opts.maxTabs / 2)))}`,
      ...(this.opts.launchArgs ?? []),
      this.marker,
    ];
    let browser: Browser;
    try {
      // loaded on first use: a job that never renders a page (and `wsc serve` starting) does not pay for it
      const { chromium } = await import('playwright-core');
      browser = await chromium.launch({
        executablePath: this.opts.executablePath,
        headless: true,
        args,
        timeout: this.opts.launchTimeoutMs ?? 20_000,
        // wsc serve handles its own signals (a SIGTERM re-queues jobs): the pool is closed by the job
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    } catch (err) {
      if (this.closed) throw new AbortError('the browser pool is closed');
      throw new BrowserUnavailableError(`Chromium ${this.opts.executablePath} could not be started: ${message(err).split('\n')[0]}`);
    }
    if (this.closed) {
      await Promise.race([browser.close(), delay(CLOSE_BOUND_MS)]);
      throw new AbortError('the browser pool is closed');
    }
    browser.on('disconnected', () => this.onDisconnected(browser));
    this.opts.log?.('debug', 'browser started', { version: browser.version(), launch: this.launches });
    return browser;
  }

  private onDisconnected(browser: Browser): void {
    for (const s of [...this.slots]) if (s.browser === browser) this.slots.delete(s);
    if (this.closed) return;
    this.counts.crashes++;
    this.opts.log?.('warn', 'the browser went away; it is started again for the next page', { launches: this.launches });
    void this.browser?.then((b) => {
      if (b === browser) this.browser = null;
    });
    for (const l of [...this.leases]) if (l.browser === browser) l.reject(new BrowserCrashError('the browser went away'));
  }

  private async allowed(url: string, method: string): Promise<boolean> {
    if (!this.opts.allowRequest) return true;
    try {
      return await this.opts.allowRequest(url, method);
    } catch (err) {
      this.opts.log?.('debug', 'allowRequest failed; the request is refused', { url, error: message(err) });
      return false;
    }
  }

  private async onRoute(route: Route): Promise<void> {
    const req = route.request();
    const url = req.url();
    const method = req.method();
    const act = async (): Promise<void> => {
      if (this.closed) return route.abort('aborted');
      if (this.blocked.has(req.resourceType())) return route.abort('blockedbyclient');
      if (!(await this.allowed(url, method))) {
        this.counts.blocked++;
        this.opts.log?.('debug', 'a page request was refused', { url, method });
        return route.abort('blockedbyclient');
      }
      if (!this.opts.fulfill) return route.continue();
      let res: BrowserResponse;
      try {
        const body = req.postDataBuffer();
        res = await this.opts.fulfill({ url, method, headers: await req.allHeaders(), resourceType: req.resourceType(), ...(body !== null ? { body } : {}) });
      } catch (err) {
        this.opts.log?.('debug', 'a page request could not be answered', { url, method, error: message(err) });
        return route.abort(this.closed ? 'aborted' : 'failed');
      }
      return route.fulfill({ status: res.status, headers: res.headers, body: typeof res.body === 'string' ? Buffer.from(res.body) : res.body });
    };
    // The page may be gone by the time the answer is ready (closed, crashed, timed out).
    await act().catch((err: unknown) => this.opts.log?.('debug', 'an intercepted request outlived its page', { url, error: message(err) }));
  }

  private async onWebSocket(ws: WebSocketRoute): Promise<void> {
    const url = ws.url();
    let ok: boolean;
    try {
      if (this.closed) ok = false;
      else if (this.opts.allowWebSocket) ok = await this.opts.allowWebSocket(url);
      else ok = await this.allowed(url.replace(/^ws(s?):/i, 'http$1:'), 'GET');
    } catch (err) {
      this.opts.log?.('debug', 'allowWebSocket failed; the WebSocket is refused', { url, error: message(err) });
      ok = false;
    }
    this.opts.onWebSocket?.(url, ok);
    try {
      if (ok) ws.connectToServer();
      else {
        this.counts.blocked++;
        await ws.close({ code: 1008, reason: 'refused by the scan scope' });
      }
    } catch (err) {
      this.opts.log?.('debug', 'a WebSocket outlived its page', { url, error: message(err) });
    }
  }

  /** Closes every tab, context and the browser; within 2 s, killing the browser if it hangs. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    for (const w of this.waiters.splice(0)) w.reject(new AbortError('the browser pool is closed'));
    for (const l of [...this.leases]) l.reject(new AbortError('the browser pool is closed'));
    const pending = this.browser;
    this.browser = null;
    this.current = null;
    let clean = pending === null && this.launches === 0;
    if (pending) {
      const closing = pending.then(
        async (b) => {
          await b.close();
          clean = true;
        },
        () => undefined,
      );
      await Promise.race([closing.catch((err: unknown) => this.opts.log?.('debug', 'the browser did not close cleanly', { error: message(err) })), delay(CLOSE_BOUND_MS)]);
    }
    // A browser that did not close in time (or is still starting, or was lost) is killed by its marker argument.
    const leftovers = clean ? [] : await markedTrees(this.marker).catch((err: unknown) => {
      this.opts.log?.('warn', 'the browser processes could not be listed', { error: message(err) });
      return [] as number[];
    });
    for (const pid of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') this.opts.log?.('debug', 'a browser process could not be killed', { pid, error: message(err) });
      }
    }
    const sink = this.sinkhole;
    this.sinkhole = null;
    if (sink) {
      // a sinkhole that never listened has nothing to close
      const { server } = await sink.catch(() => ({ server: null }));
      server?.close();
    }
  }
}
