// Answers the browser's requests through the job's ScanSession rather than Chromium's network
// stack: one place applies scope, the egress guard (pinned, re-checked addresses), the job's
// headers and cookies, the request budget, pacing and the stop, for the browser as for the crawler
// and the checks. Chromium never opens a connection to the target itself.
import type { HttpResponseData } from '../../core/model.js';
import { isTextContentType } from '../http.js';
import type { ScanSession } from '../session.js';
import type { BrowserRequest, BrowserResponse } from './pool.js';

// Hop-by-hop and transport headers: the session writes its own, and a decoded body must not be
// announced as compressed or with the wire's length.
const DROP_REQUEST = new Set(['host', 'connection', 'content-length', 'accept-encoding', 'cookie', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
const DROP_RESPONSE = new Set(['content-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);

export interface SessionFulfillOptions {
  /** Told of every exchange the browser caused (the browser crawl reads pages and API answers here). */
  onExchange?(request: BrowserRequest, response: HttpResponseData): void;
}

/** The browser's cookie header, name by name. */
function cookiePairs(header: string | undefined): [string, string][] {
  if (header === undefined) return [];
  const out: [string, string][] = [];
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.push([part.slice(0, i).trim(), part.slice(i + 1).trim()]);
  }
  return out;
}

/**
 * The session's answer as Chromium should see it. Text was decoded as UTF-8 by the session (see
 * http.ts decodeBody), so it goes back as UTF-8 and says so; other bodies were kept as latin1,
 * which round-trips their bytes exactly.
 */
export function toBrowserResponse(res: HttpResponseData): BrowserResponse {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (!DROP_RESPONSE.has(k.toLowerCase())) headers[k] = v;
  const ct = res.headers['content-type'];
  if (isTextContentType(ct)) {
    if (ct !== undefined && /charset=/i.test(ct)) headers['content-type'] = ct.replace(/charset=[^;]*/i, 'charset=utf-8');
    return { status: res.status, headers, body: Buffer.from(res.body, 'utf8') };
  }
  return { status: res.status, headers, body: Buffer.from(res.body, 'latin1') };
}

/**
 * A BrowserPool `fulfill` sending each request through `session`. Redirects are handed back to
 * Chromium, which asks for the next hop through here again, so every hop is checked. Cookies a
 * page's scripts set (document.cookie) join the session's jar, so the crawl's and the checks'
 * requests carry them as the browser would; the jar and the job's Cookie header then make the
 * Cookie header the session sends.
 */
export function sessionFulfill(session: ScanSession, opts: SessionFulfillOptions = {}): (req: BrowserRequest) => Promise<BrowserResponse> {
  return async (req) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      const lower = k.toLowerCase();
      if (lower.startsWith(':') || DROP_REQUEST.has(lower)) continue;
      headers[k] = v;
    }
    const known = new Map(session.cookies.cookiesFor(req.url));
    for (const [name, value] of cookiePairs(req.headers['cookie'])) {
      if (known.get(name) !== value) session.cookies.setFromResponse(req.url, `${name}=${value}; Path=/`);
    }
    const spec = { method: req.method, url: req.url, headers, ...(req.body !== undefined && req.body.length > 0 ? { body: new Uint8Array(req.body) } : {}) };
    const ex = await session.send(spec, { followRedirects: false });
    opts.onExchange?.(req, ex.response);
    return toBrowserResponse(ex.response);
  };
}
