// Drives one check the way the engine does, against a real site: a real session, the real crawler
// and soft-404 fingerprint, and a send that records every request the check makes.
import assert from 'node:assert/strict';
import { isScanItem, USER_AGENTS } from '../../src/core/items.js';
import type { CrawledRequest, HttpRequestSpec } from '../../src/core/model.js';
import type { BrowserCapability, Check, CheckContext, CrawledPage, DomVisit, FindingDraft } from '../../src/checks/types.js';
import { crawl } from '../../src/engine/crawler.js';
import { insertionPoints, toSpec } from '../../src/engine/insertion-points.js';
import { isCredentialHeader, ScanSession } from '../../src/engine/session.js';
import { fingerprintSoft404 } from '../../src/engine/soft404.js';
import { DEFAULT_LIMITS } from '../../src/engine/types.js';
import { OastServer } from '../../src/engine/oast.js';
import { AntiCsrf } from '../../src/engine/csrf.js';
import { openDomBrowser, type DomBrowser } from '../../src/engine/browser/dom-browser.js';

export interface CheckRun {
  findings: FindingDraft[];
  /** Requests the check itself sent (not the crawl's). */
  sent: HttpRequestSpec[];
  requests: CrawledRequest[];
  pages: CrawledPage[];
  /** Page loads the check asked of the browser, and the requests those pages made. */
  visits: DomVisit[];
  browserRequests: number;
}

export interface CheckRunOptions {
  /** Job headers (auth cookies...) sent on every request. */
  headers?: Record<string, string>;
  /** A listener to share; by default each run starts its own on 127.0.0.1. */
  oast?: OastServer;
  excludeUrls?: string[];
  /**
   * ctx.browser (DOM XSS): true for the engine's own (Chromium through this run's session, see
   * src/engine/browser/dom-browser.ts), or a capability of the test's; none by default.
   */
  browser?: boolean | BrowserCapability;
}

export async function runCheckOn(check: Check, startUrl: string, opts: CheckRunOptions = {}): Promise<CheckRun> {
  const ownOast = opts.oast ? null : await OastServer.start();
  const oast = opts.oast ?? ownOast!;
  const controller = new AbortController();
  const userAgent = USER_AGENTS['PC Chrome'];
  const session = new ScanSession({
    startUrl,
    excludeUrls: opts.excludeUrls ?? [],
    headers: opts.headers ?? {},
    userAgent,
    speed: '3',
    limits: { ...DEFAULT_LIMITS, maxDurationMs: 20_000, requestTimeoutMs: 3_000 },
    signal: controller.signal,
  });
  try {
    const crawled = await crawl(session, { startUrl, limits: session.limits, signal: controller.signal });
    const soft404 = await fingerprintSoft404(session, startUrl);
    const sent: HttpRequestSpec[] = [];
    // token detection only, as the engine exposes it; submissions here go out as the check built them
    const antiCsrf = new AntiCsrf({
      send: (spec, o) => session.send(spec, o),
      ...(session.cookies ? { cookies: session.cookies } : {}),
      pages: crawled.pages,
      requests: crawled.requests,
      render: toSpec,
    });
    const visits: DomVisit[] = [];
    let browserRequests = 0;
    let dom: DomBrowser | null = null;
    if (opts.browser === true) {
      dom = await openDomBrowser({ session, startUrl, speed: '3', userAgent, jobHeaders: opts.headers ?? {}, signal: controller.signal });
      if (dom.capability === null) throw new Error(`no browser for the check: ${dom.reason}`);
    }
    const browser = dom?.capability ?? (typeof opts.browser === 'object' ? opts.browser : undefined);
    const ctx: CheckContext = {
      requests: crawled.requests,
      pages: crawled.pages,
      insertionPoints: (r) => insertionPoints(r, { userAgent }),
      toSpec,
      antiCsrfTokens: (r) => antiCsrf.tokensOf(r),
      soft404,
      startUrl,
      authenticated: Object.keys(opts.headers ?? {}).some(isCredentialHeader),
      signal: controller.signal,
      send: (req, opts) => {
        sent.push(req);
        return session.send(req, opts);
      },
      log: () => undefined,
      oast: oast.scoped(`test check:${check.meta.id}`),
      ...(browser
        ? {
            browser: {
              ...(browser.concurrency !== undefined ? { concurrency: browser.concurrency } : {}),
              visit: async (v: DomVisit) => {
                visits.push(v);
                const r = await browser.visit(v);
                browserRequests += r.requests;
                return r;
              },
            },
          }
        : {}),
    };
    const findings: FindingDraft[] = [];
    try {
      for await (const f of check.run(ctx)) findings.push(f);
    } finally {
      if (dom?.capability) await dom.close();
    }
    return { findings, sent, requests: crawled.requests, pages: crawled.pages, visits, browserRequests };
  } finally {
    controller.abort();
    await session.close();
    await ownOast?.close();
  }
}

/** The metadata every check must carry: its id, exact item word and CWE, a budget (0 for a passive check), a fix, references. */
export function assertCheckMetadata(check: Check, meta: Check['meta'], expected: { id: string; item: string; cwe: number }): void {
  assert.equal(meta.id, expected.id);
  assert.ok(isScanItem(meta.item));
  assert.equal(meta.item, expected.item);
  assert.equal(meta.cwe, expected.cwe);
  assert.ok(Number.isInteger(meta.requestBudget) && meta.requestBudget >= 0 && meta.remediation.length > 20 && meta.references.length > 0);
  assert.equal(check.meta, meta);
}
