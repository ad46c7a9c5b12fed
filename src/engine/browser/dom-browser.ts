// The `browser` capability of CheckContext for a job's scan phase: a BrowserPool of its own (the
// browser crawl's is closed by then) whose every request is answered through the job's ScanSession
// (scope, egress guard, job headers, cookies, budget, stop; framing allowed, see framable), carrying
// DomProbe page loads. Nothing is launched until a check loads a page, so a scan whose pages read
// no sources costs no Chromium.
import type { BrowserCapability } from '../../checks/types.js';
import type { ScanSession } from '../session.js';
import { findChromium } from './chromium.js';
import { browserTabs } from './crawl.js';
import { sessionFulfill } from './fulfill.js';
import { DomProbe } from './dom-probe.js';
import { BrowserPool, type BrowserPoolOptions, type BrowserRequest, type BrowserResponse } from './pool.js';

export interface DomBrowserInput {
  session: ScanSession;
  startUrl: string;
  speed: string;
  userAgent: string;
  jobHeaders: Record<string, string>;
  signal: AbortSignal;
  /** Per page load, ms (default: DomProbe's 15 s). */
  pageTimeoutMs?: number;
  chromiumPath?: string;
  log?: BrowserPoolOptions['log'];
  /** Extra pool options (tests, bench). */
  pool?: Partial<BrowserPoolOptions>;
}

export type DomBrowser = { capability: BrowserCapability; pool: BrowserPool; close(): Promise<void> } | { capability: null; reason: string };

/** The job's Cookie header as browser cookies of the start origin, so scripts see them too. */
function jobCookies(headers: Record<string, string>, origin: string): { name: string; value: string; url: string }[] {
  const cookie = Object.entries(headers).find(([k]) => k.toLowerCase() === 'cookie')?.[1] ?? '';
  return cookie
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.indexOf('=') > 0)
    .map((p) => ({ name: p.slice(0, p.indexOf('=')).trim(), value: p.slice(p.indexOf('=') + 1).trim(), url: origin }));
}

/** Drops cookies of these names from a request, so values planted in the browser never reach the session's jar. */
function withoutCookies(req: BrowserRequest, names: ReadonlySet<string>): BrowserRequest {
  const header = req.headers['cookie'];
  if (header === undefined || names.size === 0) return req;
  const kept = header
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '' && !names.has(p.slice(0, Math.max(0, p.indexOf('='))).trim()));
  const headers = { ...req.headers };
  if (kept.length > 0) headers['cookie'] = kept.join('; ');
  else delete headers['cookie'];
  return { ...req, headers };
}

/**
 * The answer without what forbids framing (X-Frame-Options, CSP frame-ancestors): messages are
 * posted to the target from a frame parent, where an attacker would use a window it opened, which
 * no such header stops. The rest of a CSP stays, so what it blocks stays blocked.
 */
export function framable(res: BrowserResponse): BrowserResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    const lower = k.toLowerCase();
    if (lower === 'x-frame-options') continue;
    if (lower === 'content-security-policy') {
      const kept = v
        .split(';')
        .filter((d) => !/^\s*frame-ancestors\b/i.test(d))
        .join(';')
        .trim();
      if (kept !== '') headers[k] = kept;
      continue;
    }
    headers[k] = v;
  }
  return { ...res, headers };
}

export async function openDomBrowser(input: DomBrowserInput): Promise<DomBrowser> {
  const chromium = await findChromium(input.chromiumPath);
  if (!chromium.ok || chromium.path === undefined) return { capability: null, reason: `Chromium is not available: ${chromium.reason ?? 'not found'}` };
  const origin = new URL(input.startUrl).origin;
  const tabs = browserTabs(input.speed);
  const base = sessionFulfill(input.session);
  let probe: DomProbe | null = null;
  const pool = new BrowserPool({
    executablePath: chromium.path,
    maxTabs: tabs,
    userAgent: input.userAgent,
    allowRequest: (url) => input.session.scope.allowFollow(url),
    fulfill: async (req) => framable(await base(withoutCookies(req, probe?.plantedCookies ?? new Set()))),
    cookies: jobCookies(input.jobHeaders, origin),
    signal: input.signal,
    ...(input.log ? { log: input.log } : {}),
    ...input.pool,
  });
  probe = new DomProbe({ pool, concurrency: tabs, ...(input.pageTimeoutMs !== undefined ? { pageTimeoutMs: input.pageTimeoutMs } : {}) });
  return { capability: probe, pool, close: () => pool.close() };
}
