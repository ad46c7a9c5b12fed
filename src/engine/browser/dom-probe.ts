// The browser side of the DOM XSS check (the `browser` capability of CheckContext): one page load
// in a pooled page with the hooks of dom-hooks.ts installed and the visit's sources planted, then
// what ran: calls of the marker function, marked values reaching sinks (with the stack of the call
// that wrote them), dialogs. Messages are posted from a page of the scanner's own, served by
// route interception under a made-up origin that holds the target's host name (so substring origin
// checks such as `origin.indexOf(location.hostname)` let it through, exact ones do not), with the
// target in a frame.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import type { BrowserCapability, DomVisit, DomVisitResult } from '../../checks/types.js';
import { domHooksScript, type Plant } from './dom-hooks.js';

/** What the probe needs of the browser pool (src/engine/browser/pool.ts BrowserPool has it). */
export interface PageRunner {
  withPage<T>(fn: (page: Page) => Promise<T>, opts?: { initScripts?: string[]; timeoutMs?: number }): Promise<T>;
}

export interface DomProbeOptions {
  pool: PageRunner;
  /** Bound on one visit, load and settling included (default 15 s). */
  pageTimeoutMs?: number;
  /** Called once per visit with the requests the page made, so they count against a budget. */
  onRequests?(count: number): void;
  /** Page loads at once (the pool's tabs); told to the check, which spreads its pages over them. */
  concurrency?: number;
}

export const DOM_PROBE_DEFAULTS = Object.freeze({ pageTimeoutMs: 15_000, settleMs: 700, maxSettleMs: 5000, afterCallMs: 300 });

/** The origin messages come from: a name under `.invalid` (never resolvable) holding the target's host. */
export function senderOrigin(target: URL): string {
  const host = target.hostname.replace(/[^a-z0-9.-]/gi, '-').replace(/^[-.]+|[-.]+$/g, '') || 'target';
  return `http://${host}.wsc-sender.invalid`;
}

function senderPage(target: string, messages: unknown[]): string {
  const data = JSON.stringify(messages).replace(/</g, '\\u003c');
  const src = target.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<!doctype html><html><head><meta charset="utf-8"><title>wsc message sender</title></head><body>
<iframe id="t" src="${src}" style="width:1000px;height:700px"></iframe>
<script>
var msgs = ${data};
var f = document.getElementById('t');
function post() { msgs.forEach(function (m) { f.contentWindow.postMessage(m, '*'); }); }
f.addEventListener('load', function () { post(); setTimeout(post, 300); });
</script></body></html>`;
}

export class DomProbe implements BrowserCapability {
  private readonly timeoutMs: number;
  readonly concurrency: number;
  /**
   * localStorage is shared by the pages of a context: two loads planting one key at once would
   * read each other's value, so loads planting a key take turns (cookies are planted per page
   * path, sessionStorage and window.name belong to the tab).
   */
  private readonly storageLocks = new Map<string, Promise<void>>();
  /** Names of the cookies visits planted: the pool's fulfill keeps them out of the job's cookie jar. */
  readonly plantedCookies = new Set<string>();

  constructor(private readonly opts: DomProbeOptions) {
    this.timeoutMs = opts.pageTimeoutMs ?? DOM_PROBE_DEFAULTS.pageTimeoutMs;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
  }

  private async lock(keys: string[]): Promise<() => void> {
    const releases: (() => void)[] = [];
    for (const k of [...new Set(keys)].sort()) {
      const prev = this.storageLocks.get(k) ?? Promise.resolve();
      let release: () => void = () => undefined;
      const mine = new Promise<void>((r) => (release = r));
      const chained = prev.then(() => mine);
      this.storageLocks.set(k, chained);
      await prev;
      releases.push(() => {
        release();
        if (this.storageLocks.get(k) === chained) this.storageLocks.delete(k);
      });
    }
    return () => releases.forEach((r) => r());
  }

  /**
   * One load; a tab crash or page timeout before anything came back costs a second try. A browser
   * that cannot start and a stop end the visit with their error (the check ends with it).
   */
  async visit(v: DomVisit): Promise<DomVisitResult> {
    if (!/^[A-Za-z_$][\w$]*$/.test(v.marker)) throw new TypeError(`marker must be an identifier: ${v.marker}`);
    const first = await this.once(v);
    const r = first.retry ? (await this.once(v)).result : first.result;
    if (r !== first.result) r.requests += first.result.requests;
    this.opts.onRequests?.(r.requests);
    return r;
  }

  private async once(v: DomVisit): Promise<{ result: DomVisitResult; retry: boolean }> {
    const target = new URL(v.url);
    const binding = `__wscReport${randomBytes(6).toString('hex')}`;
    const result: DomVisitResult = { url: v.url, finalUrl: v.url, status: null, calls: [], sinks: [], dialogs: [], requests: 0 };
    const plant: Plant = { origin: target.origin };
    if (v.windowName !== undefined) plant.windowName = v.windowName;
    if (v.localStorage) plant.localStorage = v.localStorage;
    if (v.sessionStorage) plant.sessionStorage = v.sessionStorage;
    if (v.cookies) {
      plant.cookies = v.cookies.map((c) => ({ ...c, path: target.pathname }));
      for (const c of v.cookies) this.plantedCookies.add(c.name);
    }
    const settleMs = Math.min(Math.max(0, v.settleMs ?? DOM_PROBE_DEFAULTS.settleMs), DOM_PROBE_DEFAULTS.maxSettleMs);
    const sender = v.messages && v.messages.length > 0 ? `${senderOrigin(target)}/wsc-dom-sender` : null;
    if (sender) result.messageOrigin = new URL(sender).origin;
    let called: (() => void) | null = null;
    const firstCall = new Promise<void>((resolve) => (called = resolve));
    const notes: string[] = [];

    const run = async (page: Page): Promise<void> => {
      await page.exposeBinding(binding, (_source, kind: unknown, data: unknown) => {
        const d = (data ?? {}) as Record<string, unknown>;
        const s = (k: string): string => (typeof d[k] === 'string' ? (d[k] as string) : '');
        if (kind === 'exec') {
          result.calls.push({ id: s('id'), stack: s('stack'), frame: s('frame') });
          called?.();
        } else if (kind === 'sink') result.sinks.push({ sink: s('sink'), value: s('value'), stack: s('stack'), frame: s('frame') });
        else if (kind === 'error') notes.push(s('what'));
      });
      page.on('dialog', (d) => {
        result.dialogs.push({ type: d.type(), message: d.message() });
        if (d.message().includes(v.marker)) called?.();
        void d.dismiss().catch((err: unknown) => notes.push(`dialog left open: ${String(err)}`));
      });
      page.on('request', (r) => {
        if (sender === null || !r.url().startsWith(result.messageOrigin ?? '')) result.requests++;
      });
      const documentUrl = target.href.replace(/#.*$/, '');
      page.on('response', (r) => {
        if (result.status === null && r.url() === documentUrl && r.request().isNavigationRequest()) result.status = r.status();
      });
      if (sender) {
        const body = senderPage(v.url, v.messages ?? []);
        await page.route(sender, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body }));
      }
      const deadline = Date.now() + this.timeoutMs - settleMs - 500;
      try {
        await page.goto(sender ?? v.url, {
          waitUntil: 'load',
          timeout: Math.max(1000, deadline - Date.now()),
          ...(v.referrer && !sender ? { referer: v.referrer } : {}),
        });
      } catch (err) {
        // a page whose load never ends (a hanging image, a script's own navigation) may still
        // have run its scripts: what it did so far counts, the error is recorded
        result.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
      }
      await Promise.race([firstCall.then(() => page.waitForTimeout(DOM_PROBE_DEFAULTS.afterCallMs)), page.waitForTimeout(settleMs)]);
      if (v.clickMarked && result.calls.length === 0) await this.clickMarked(page, v.marker, Math.min(settleMs, 800), firstCall);
      result.finalUrl = page.url();
      if (!page.isClosed() && !sender) {
        const left = await this.cleanUp(page, v);
        if (left) notes.push(left);
      }
    };
    const unlock = await this.lock(Object.keys(v.localStorage ?? {}).map((k) => `${target.origin} ${k}`));
    let retry = false;
    try {
      await this.opts.pool.withPage(run, { initScripts: [domHooksScript({ marker: v.marker, binding, plant })], timeoutMs: this.timeoutMs });
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      if (name === 'BrowserUnavailableError' || name === 'AbortError') throw err;
      result.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
      retry = (name === 'BrowserCrashError' || name === 'PageTimeoutError') && result.calls.length === 0 && result.status === null;
    } finally {
      unlock();
    }
    if (notes.length > 0) result.notes = notes;
    return { result, retry };
  }

  /** Clicks (in every frame) the links and areas whose javascript: URL holds the marker. */
  private async clickMarked(page: Page, marker: string, waitMs: number, firstCall: Promise<void>): Promise<void> {
    let clicked = 0;
    for (const frame of page.frames()) {
      const n = await frame
        .evaluate(
          `(function (m) { var n = 0; document.querySelectorAll('a[href], area[href]').forEach(function (el) {
            var h = el.getAttribute('href') || ''; if (/^\\s*javascript:/i.test(h) && h.indexOf(m) !== -1) { el.click(); n++; } }); return n; })(${JSON.stringify(marker)})`,
        )
        // a frame that went away (navigated, removed) has nothing left to click
        .catch(() => 0);
      clicked += Number(n) || 0;
    }
    if (clicked > 0) await Promise.race([firstCall.then(() => page.waitForTimeout(DOM_PROBE_DEFAULTS.afterCallMs)), page.waitForTimeout(waitMs)]);
  }

  /** Takes the planted storage and cookies away again, so later pages of the context do not read them. */
  private async cleanUp(page: Page, v: DomVisit): Promise<string | null> {
    const target = new URL(v.url);
    // a page that went elsewhere cannot reach the target's storage any more; its context is
    // recycled by the pool in time
    if (!page.url().startsWith(target.origin + '/')) return null;
    const keys = { local: Object.keys(v.localStorage ?? {}), session: Object.keys(v.sessionStorage ?? {}), cookies: (v.cookies ?? []).map((c) => c.name), path: target.pathname };
    if (keys.local.length + keys.session.length + keys.cookies.length === 0) return null;
    return page
      .evaluate(
        `(function (k) { k.local.forEach(function (n) { localStorage.removeItem(n); }); k.session.forEach(function (n) { sessionStorage.removeItem(n); });
          k.cookies.forEach(function (n) { document.cookie = n + '=; max-age=0; path=' + k.path; }); })(${JSON.stringify(keys)})`,
      )
      .then(() => null)
      .catch((err: unknown) => `planted values not removed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}
