// One scan's view of the target: every request of a job (crawler, soft-404, checks) goes through a
// ScanSession, which applies scope, the request budget, pacing, job headers, cookies and abort.
import { setMaxListeners } from 'node:events';
import type { SpeedWord } from '../core/items.js';
import type { HttpExchange, HttpRequestSpec } from '../core/model.js';
import type { SendOptions } from '../checks/types.js';
import { AuthSession, type AuthHost } from './auth/manager.js';
import type { AuthConfig } from './auth/types.js';
import type { ResolvedTransport } from './transport/options.js';
import type { LookupFunction } from './egress.js';
import { AbortError, HttpClient, hopToResponse, isFollowable, sendWithRedirects, TimeoutError, type HopOptions, type HopResponse, type PipelineLane } from './http.js';
import { HealthMonitor, transportKind, type HealthStats } from './health.js';
import { parseRetryAfter, Scheduler, type SharedLimiter } from './scheduler.js';
import { OutOfScopeError, Scope, type ScopeRules } from './scope.js';
import type { EngineHooks, EngineLimits } from './types.js';

export { AbortError, TimeoutError, TransportError } from './http.js';
export { OutOfScopeError } from './scope.js';
export { TargetDownError } from './health.js';

/**
 * The crawl's pipelining depth: the Speed's, unless WSC_CRAWL_PIPELINING (1-32; 1 turns it off)
 * says otherwise, for a target behind something that mishandles pipelining without failing.
 */
export function crawlPipelining(speedDepth: number | undefined, env = process.env.WSC_CRAWL_PIPELINING): number {
  const fromEnv = env !== undefined && /^\d+$/.test(env.trim()) ? Number(env) : undefined;
  return Math.max(1, Math.min(32, Math.floor(fromEnv ?? speedDepth ?? 1)));
}

/** How the engine hands a request to ScanSession.send beyond what checks pass (see send). */
export interface Via {
  parsed?: URL;
  lane?: PipelineLane | null;
  /** A login-time request (AuthSession): no auth handling, and the token endpoint's origin is allowed. */
  auth?: boolean;
}

/** Bytes read from a path already known to answer past maxResponseBytes (see ScanSession.oversized). */
export const OVERSIZED_REFETCH_BYTES = 256 * 1024;
const MAX_OVERSIZED_PATHS = 10_000;

/** The job's request budget (limits.maxRequests) is spent. */
export class BudgetError extends Error {
  override name = 'BudgetError';
}

export interface SessionOptions {
  startUrl: string;
  excludeUrls: string[];
  headers: Record<string, string>;
  /** The User-Agent string itself, resolved from USER_AGENTS. */
  userAgent: string;
  speed: SpeedWord;
  limits: EngineLimits;
  signal: AbortSignal;
  log?: EngineHooks['log'];
  /** URLs the user listed explicitly, followed even when they look like logout/delete links. */
  includeUrls?: string[];
  /** A scan plan's include/exclude rules (prefix or regex). */
  scopeRules?: ScopeRules;
  /** Link-local/metadata CIDRs this job may reach (the account owns them); refused otherwise. */
  allowAddresses?: string[];
  /** The DNS resolver behind the egress guard; tests inject one to answer made-up names. */
  lookup?: LookupFunction;
  /** How the scan logs in and keeps its session (src/engine/auth). */
  auth?: AuthConfig;
  /** The clock of token lifetimes (tests control it). */
  now?: () => number;
  /** Proxy and client certificate (src/engine/transport). */
  transport?: ResolvedTransport;
  /** Called once if the target is found down (see health.ts); requests then fail with TargetDownError. */
  onTargetDown?(cause: string): void;
  /** The job's Speed shared with the other processes sending for it (a farm's split job). */
  limiter?: SharedLimiter;
}

interface StoredCookie {
  name: string;
  value: string;
  domain: string;
  /** True when Domain= was given (subdomains match too). */
  domainMatch: boolean;
  path: string;
  expires: number;
  secure: boolean;
}

function defaultCookiePath(pathname: string): string {
  const i = pathname.lastIndexOf('/');
  return i <= 0 ? '/' : pathname.slice(0, i);
}

/** A small RFC 6265 jar: domain, path, expiry and Secure, which is what one origin needs. */
export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  constructor(private readonly now: () => number = Date.now) {}

  setFromResponse(url: string | URL, setCookie: string | undefined): void {
    if (!setCookie) return;
    const u = typeof url === 'string' ? new URL(url) : url;
    for (const line of setCookie.split('\n')) this.set(u, line);
  }

  private set(u: URL, line: string): void {
    const [pair = '', ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const host = u.hostname.toLowerCase();
    const c: StoredCookie = { name, value, domain: host, domainMatch: false, path: defaultCookiePath(u.pathname), expires: Infinity, secure: false };
    let maxAgeSeen = false;
    for (const a of attrs) {
      const i = a.indexOf('=');
      const key = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
      const val = i < 0 ? '' : a.slice(i + 1).trim();
      if (key === 'domain' && val) {
        const d = val.replace(/^\./, '').toLowerCase();
        // A cookie for another site is rejected outright, as a browser would.
        if (host !== d && !host.endsWith('.' + d)) return;
        c.domain = d;
        c.domainMatch = true;
      } else if (key === 'path' && val.startsWith('/')) {
        c.path = val;
      } else if (key === 'max-age' && /^-?\d+$/.test(val)) {
        maxAgeSeen = true;
        c.expires = Number(val) <= 0 ? 0 : this.now() + Number(val) * 1000;
      } else if (key === 'expires' && !maxAgeSeen) {
        const t = Date.parse(val);
        if (!Number.isNaN(t)) c.expires = t;
      } else if (key === 'secure') {
        c.secure = true;
      }
    }
    const id = `${c.domain};${c.path};${c.name}`;
    if (c.expires <= this.now()) this.cookies.delete(id);
    else this.cookies.set(id, c);
  }

  /** name=value pairs for `url`, longest path first. */
  cookiesFor(url: string | URL): [string, string][] {
    if (this.cookies.size === 0) return [];
    const u = typeof url === 'string' ? new URL(url) : url;
    const host = u.hostname.toLowerCase();
    const now = this.now();
    const out: StoredCookie[] = [];
    for (const [id, c] of this.cookies) {
      if (c.expires <= now) {
        this.cookies.delete(id);
        continue;
      }
      if (c.secure && u.protocol !== 'https:') continue;
      if (!(host === c.domain || (c.domainMatch && host.endsWith('.' + c.domain)))) continue;
      if (!(u.pathname === c.path || u.pathname.startsWith(c.path.endsWith('/') ? c.path : c.path + '/'))) continue;
      out.push(c);
    }
    out.sort((a, b) => b.path.length - a.path.length);
    return out.map((c) => [c.name, c.value]);
  }

  get size(): number {
    return this.cookies.size;
  }

  /** Every stored value (the login's session cookies among them), for redaction. */
  values(): string[] {
    return [...this.cookies.values()].map((c) => c.value);
  }
}

function parseCookieHeader(value: string): [string, string][] {
  const out: [string, string][] = [];
  for (const part of value.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out.push([part.slice(0, i).trim(), part.slice(i + 1).trim()]);
  }
  return out;
}

function findHeader(h: Record<string, string> | undefined, name: string): [string, string] | undefined {
  if (!h) return undefined;
  for (const k in h) if (k.toLowerCase() === name) return [k, h[k] as string];
  return undefined;
}

const DEFAULT_HEADERS: readonly (readonly [string, [string, string]])[] = [
  ['accept', ['Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8']],
  ['accept-encoding', ['Accept-Encoding', 'gzip, deflate, br']],
];

// Job headers that carry an identity: left out of anonymous (withoutAuth) requests.
const CREDENTIAL_HEADER = /^(cookie|authorization|proxy-authorization)$|token|auth|session|api-?key|secret|csrf|xsrf/i;

/** Whether a job header name carries credentials (and is left out of withoutAuth requests). */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

export class ScanSession {
  readonly scope: Scope;
  readonly scheduler: Scheduler;
  private readonly limiter: SharedLimiter | undefined;
  readonly cookies = new CookieJar();
  readonly limits: EngineLimits;
  readonly startUrl: string;
  private readonly client: HttpClient;
  private jobHeaders: Record<string, string>;
  /** The job's own headers, before a login added any (a bearer token). */
  private readonly staticHeaders: Record<string, string>;
  /** Lower-cased names of baseList's headers. */
  private readonly baseNames = new Set<string>();
  /**
   * Job headers plus the defaults (UA, Accept, Accept-Encoding), merged once as the flat
   * name/value list undici takes: sent as is when no cookie is involved.
   */
  private readonly baseList: string[] = [];
  private jobHasCookie: boolean;
  /** The login and its session upkeep, when the job logs in. */
  readonly auth: AuthSession | null;
  /** Origins besides the StartUrl's that login-time requests may reach (a token endpoint). */
  private readonly authOrigins = new Set<string>();
  private readonly userAgent: string;
  /** Fires when the job aborts or the session closes. */
  readonly signal: AbortSignal;
  private readonly controller: AbortController;
  private readonly jobSignal: AbortSignal;
  private readonly onJobAbort = (): void => this.controller.abort();
  readonly log: EngineHooks['log'];
  private count = 0;
  private closed = false;
  /** What the target did with this session's requests; pauses the session when it stops answering. */
  readonly health: HealthMonitor;
  /**
   * Paths (origin + path) whose answer was cut at maxResponseBytes: later requests to them read at
   * most OVERSIZED_REFETCH_BYTES, so a 1 GiB page is read to the cap once per job, not once per check.
   */
  private readonly oversized = new Set<string>();

  constructor(opts: SessionOptions) {
    this.startUrl = opts.startUrl;
    this.limits = opts.limits;
    // One listener on the job's signal; each request listens on ours, which closing also fires.
    this.controller = new AbortController();
    setMaxListeners(0, this.controller.signal);
    this.signal = this.controller.signal;
    if (opts.signal.aborted) this.controller.abort();
    else opts.signal.addEventListener('abort', this.onJobAbort, { once: true });
    this.jobSignal = opts.signal;
    this.log = opts.log;
    this.userAgent = opts.userAgent;
    this.staticHeaders = withStaticAuth(opts.headers, opts.auth);
    this.jobHeaders = this.staticHeaders;
    this.jobHasCookie = false;
    this.rebuildBase();
    const sessionHeaders = opts.auth !== undefined || findHeader(this.jobHeaders, 'cookie') !== undefined || findHeader(this.jobHeaders, 'authorization') !== undefined;
    this.scope = new Scope(opts.startUrl, opts.excludeUrls, { sessionHeaders, includeUrls: opts.includeUrls ?? [], ...(opts.scopeRules ? { rules: opts.scopeRules } : {}) });
    this.health = new HealthMonitor({
      limits: { maxErrorRate: opts.limits.maxErrorRate, maxConsecutiveFailures: opts.limits.maxConsecutiveFailures, targetDownAfterMs: opts.limits.targetDownAfterMs },
      probe: () => this.probe(),
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.onTargetDown ? { onDown: opts.onTargetDown } : {}),
    });
    this.limiter = opts.limiter;
    this.scheduler = new Scheduler(opts.speed, this.signal, { log: opts.log, onBackoff: (ms) => this.health.backedOff(ms), ...(opts.limiter ? { shared: opts.limiter } : {}) });
    // a stop while the job is paused for a silent target ends the pause at once (requests waiting
    // at the gate then see the abort), instead of after the probing
    this.signal.addEventListener('abort', () => this.health.close(), { once: true });
    this.pipelining = crawlPipelining(this.scheduler.profile.pipelining);
    this.client = new HttpClient({
      connections: this.scheduler.maxConcurrency,
      pipelining: this.pipelining,
      signal: this.signal,
      egress: { ...(opts.allowAddresses ? { allowAddresses: opts.allowAddresses } : {}), ...(opts.lookup ? { lookup: opts.lookup } : {}) },
      ...(opts.transport ? { proxyFor: opts.transport.proxyFor } : {}),
      ...(opts.transport?.clientCert !== undefined ? { clientCert: opts.transport.clientCert } : {}),
      ...(opts.transport?.clientKey !== undefined ? { clientKey: opts.transport.clientKey } : {}),
    });
    if (opts.auth?.type === 'token') {
      try {
        this.authOrigins.add(new URL(opts.auth.tokenUrl).origin);
      } catch {
        // validated by the API and the CLI; a bad URL fails the login with its own message
      }
    }
    const host: AuthHost = {
      send: (spec, followRedirects) => this.send(spec, { followRedirects }, { auth: true }),
      setHeaders: (h) => {
        this.jobHeaders = { ...this.staticHeaders, ...h };
        this.rebuildBase();
      },
      cookieValues: () => this.cookies.values(),
      setCookie: (url, name, value, path) => this.cookies.setFromResponse(url, `${name}=${value}; Path=${path}`),
      userAgent: this.userAgent,
      signal: this.signal,
      startUrl: opts.startUrl,
      now: opts.now ?? Date.now,
      ...(opts.log ? { log: opts.log } : {}),
    };
    this.auth = opts.auth ? new AuthSession(opts.auth, host) : null;
  }

  /** The merged job headers as the flat list plainHeaderList starts from. */
  private rebuildBase(): void {
    this.jobHasCookie = findHeader(this.jobHeaders, 'cookie') !== undefined;
    this.baseNames.clear();
    this.baseList.length = 0;
    const base = new Map<string, [string, string]>();
    for (const [k, v] of Object.entries(this.jobHeaders)) base.set(k.toLowerCase(), [k, v]);
    if (!base.has('user-agent')) base.set('user-agent', ['User-Agent', this.userAgent]);
    for (const [lower, pair] of DEFAULT_HEADERS) if (!base.has(lower)) base.set(lower, pair);
    for (const [lower, [k, v]] of base) {
      this.baseNames.add(lower);
      this.baseList.push(k, v);
    }
  }

  /** The headers sent on every request now: the job's, plus what the login added. */
  currentHeaders(): Record<string, string> {
    return this.jobHeaders;
  }

  /** GETs the crawler may send back to back on one connection (see lane()); 1 = none. */
  readonly pipelining: number;

  requestCount(): number {
    return this.count;
  }

  /** The health counters and verdict as of now (see HealthMonitor.snapshot). */
  healthSnapshot(limitReached?: string): HealthStats {
    this.health.set('backoffs', this.scheduler.stats().backoffs);
    return this.health.snapshot(limitReached);
  }

  /**
   * While the job is paused: one GET of the StartUrl outside the pace and the budget. Anything but
   * no answer or 502/503/504 means the target is back.
   */
  private async probe(): Promise<string> {
    if (this.signal.aborted) return 'the scan ended';
    const spec: HttpRequestSpec = { method: 'GET', url: this.startUrl };
    spec.headers = this.buildHeaders(spec);
    try {
      const res = await this.client.request(spec, { signal: this.signal, timeoutMs: Math.min(this.limits.requestTimeoutMs, 5000), maxBytes: 64 * 1024 });
      return res.status === 502 || res.status === 503 || res.status === 504 ? `answers ${res.status}` : 'alive';
    } catch (err) {
      const kind = transportKind(err);
      return kind === 'timeout' ? 'no answer in time' : kind === 'refused' ? 'connections refused' : kind === 'reset' ? 'connections reset' : kind === 'tls' ? 'TLS handshakes fail' : err instanceof Error ? err.message : String(err);
    }
  }

  /** Requests left in the job's budget. */
  remaining(): number {
    return Math.max(0, this.limits.maxRequests - this.count);
  }

  /** Job headers, then the request's own (which win, by case-insensitive name), plus UA and cookies. */
  buildHeaders(spec: HttpRequestSpec, opts: { withoutAuth?: boolean } = {}, parsed?: URL): Record<string, string> {
    const anonymous = opts.withoutAuth === true;
    const own = spec.headers;
    const jobHeaders = anonymous ? Object.fromEntries(Object.entries(this.jobHeaders).filter(([k]) => !isCredentialHeader(k))) : this.jobHeaders;
    const merged = new Map<string, [string, string]>();
    for (const [k, v] of Object.entries(jobHeaders)) merged.set(k.toLowerCase(), [k, v]);
    for (const [k, v] of Object.entries(own ?? {})) merged.set(k.toLowerCase(), [k, v]);
    if (!merged.has('user-agent')) merged.set('user-agent', ['User-Agent', this.userAgent]);
    for (const [lower, pair] of DEFAULT_HEADERS) if (!merged.has(lower)) merged.set(lower, pair);
    // Cookies: the jar first, then the job's Cookie header, then the request's own; later names win.
    const jar = anonymous ? [] : this.cookies.cookiesFor(parsed ?? spec.url);
    const jobCookie = findHeader(jobHeaders, 'cookie');
    const reqCookie = findHeader(own, 'cookie');
    if (jar.length > 0 || jobCookie || reqCookie) {
      const byName = new Map<string, string>();
      for (const [n, v] of jar) if (!byName.has(n)) byName.set(n, v);
      if (jobCookie) for (const [n, v] of parseCookieHeader(jobCookie[1])) byName.set(n, v);
      if (reqCookie) for (const [n, v] of parseCookieHeader(reqCookie[1])) byName.set(n, v);
      const name = reqCookie?.[0] ?? jobCookie?.[0] ?? 'Cookie';
      merged.set('cookie', [name, [...byName].map(([n, v]) => `${n}=${v}`).join('; ')]);
    }
    const out: Record<string, string> = {};
    for (const [k, v] of merged.values()) out[k] = v;
    return out;
  }

  /**
   * The wire's name/value list when no cookie is involved and the request's own headers add to the
   * job's rather than replace any (a crawl fetch adding Referer): the precomputed list plus those.
   * Null sends the caller to buildHeaders.
   */
  private plainHeaderList(own: Record<string, string> | undefined): string[] | null {
    if (this.jobHasCookie || this.cookies.size > 0) return null;
    const out = this.baseList.slice();
    if (own !== undefined) {
      for (const name in own) {
        const lower = name.toLowerCase();
        if (lower === 'cookie' || this.baseNames.has(lower)) return null;
        out.push(name, own[name] as string);
      }
    }
    return out;
  }

  private async hop(spec: HttpRequestSpec, timeoutMs: number, opts: SendOptions, via: Via | undefined): Promise<HopResponse> {
    let u: URL;
    try {
      u = via?.parsed !== undefined && via.parsed.href === spec.url ? via.parsed : new URL(spec.url);
    } catch {
      throw new OutOfScopeError(spec.url, 'not a URL');
    }
    const why = this.scope.reason(u);
    if (why !== null && !(via?.auth === true && this.authOrigins.has(u.origin))) throw new OutOfScopeError(spec.url, why);
    if (this.auth !== null && this.auth.avoids(u)) throw new OutOfScopeError(spec.url, 'it would end or change the login session');
    let attempt = 0;
    for (;;) {
      if (this.signal.aborted) throw new AbortError();
      if (this.health.blocked) await this.health.gate();
      if (this.signal.aborted) throw new AbortError();
      if (this.count >= this.limits.maxRequests) throw new BudgetError(`request budget of ${this.limits.maxRequests} spent`);
      if (this.limiter?.spend) {
        const ok = this.limiter.spend();
        if (ok === false || (ok !== true && !(await ok))) throw new BudgetError(`the job's request budget of ${this.limits.maxRequests} is spent (over every worker)`);
      }
      this.count++;
      this.health.sent();
      const list = opts.withoutAuth === true ? null : this.plainHeaderList(spec.headers);
      const wire: HttpRequestSpec = { method: spec.method, url: spec.url };
      if (list === null) wire.headers = this.buildHeaders(spec, { withoutAuth: opts.withoutAuth === true }, u);
      if (spec.body !== undefined) wire.body = spec.body;
      const full = this.limits.maxResponseBytes;
      const known = this.oversized.size > 0 && this.oversized.has(u.origin + u.pathname);
      const hopOpts: HopOptions = { signal: this.signal, timeoutMs, maxBytes: known ? Math.min(full, OVERSIZED_REFETCH_BYTES) : full };
      if (list !== null) hopOpts.headerList = list;
      if (opts.rawPath) hopOpts.rawPath = true;
      let res: HopResponse;
      if (!this.scheduler.tryAcquire()) await this.scheduler.acquire();
      try {
        res = await this.client.request(wire, hopOpts, u, via?.lane);
      } catch (err) {
        if (err instanceof TimeoutError) this.scheduler.report({ timeout: true });
        else if (!(err instanceof AbortError)) this.scheduler.report({ error: true });
        if (!(err instanceof AbortError) && !this.signal.aborted) this.health.error(err);
        throw err;
      } finally {
        this.scheduler.release();
      }
      const retryAfter = parseRetryAfter(res.headers['retry-after']) ?? undefined;
      this.scheduler.report({ status: res.status, timeMs: res.timeMs, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) });
      this.health.answer(res.status);
      if (res.truncated) {
        this.health.truncated();
        if (!known && this.oversized.size < MAX_OVERSIZED_PATHS) this.oversized.add(u.origin + u.pathname);
      }
      // An anonymous visitor's cookies belong to nobody: they must not replace the job's session.
      // Nor do the answers to a request that brings its own Cookie (an attack on a cookie): a site
      // that starts a new session for a forged one would otherwise move the whole scan onto it,
      // mid-flight, and invalidate what other requests carry (anti-CSRF tokens of the old session).
      if (opts.withoutAuth !== true && findHeader(spec.headers, 'cookie') === undefined) this.cookies.setFromResponse(u, res.headers['set-cookie']);
      // Rate limiting is the target asking us to wait, not its answer: wait (the scheduler paused)
      // and ask again, a couple of times, so that pages are not lost to it.
      if ((res.status === 429 || (res.status === 503 && retryAfter !== undefined)) && attempt < 2) {
        attempt++;
        this.health.retried();
        continue;
      }
      return res;
    }
  }

  /**
   * Whether the crawler should pipeline GETs to `origin` now: the Speed pipelines, the pace is not
   * rate-capped, the target answers fast (Scheduler.answersFast; a slow answer would hold up the
   * ones behind it) and no lane to it broke.
   */
  pipelineAdvised(origin: string): boolean {
    return this.pipelining > 1 && this.scheduler.profile.maxRps === 0 && this.scheduler.answersFast && this.client.lanesUsable(origin);
  }

  /** A connection on which to pipeline GETs to `origin` (see PipelineLane), or null when not advised. */
  lane(origin: string): PipelineLane | null {
    return this.pipelineAdvised(origin) ? this.client.lane(origin) : null;
  }

  /**
   * Sends one request; throws OutOfScopeError, BudgetError, AbortError, TimeoutError or TransportError.
   * `via` is the engine's own: the request URL already parsed, and a lane to pipeline it on. Unless
   * the scheduler makes the request wait for a slot, this runs synchronously up to the point where
   * the request is handed to the connection, so requests sent one after another in a turn leave
   * together on a lane.
   */
  async send(req: HttpRequestSpec, opts: SendOptions = {}, via?: Via): Promise<HttpExchange> {
    const auth = this.auth;
    // Anonymous requests, and attacks that bring their own credentials, are not the session's.
    if (auth === null || via?.auth === true || opts.withoutAuth === true || findHeader(req.headers, 'cookie') !== undefined || findHeader(req.headers, 'authorization') !== undefined) {
      return this.sendOnce(req, opts, via);
    }
    await auth.before();
    const generation = auth.generation;
    const first = await this.sendOnce(req, opts, via);
    if (!auth.looksLoggedOut(first.response) || !(await auth.recover(generation, req))) return first;
    // once: a second logged-out answer is the page's own, not a lost session
    const again = await this.sendOnce(req, opts, via?.parsed !== undefined ? { parsed: via.parsed } : undefined);
    if (auth.looksLoggedOut(again.response)) auth.refusedAfterRelogin(req);
    return again;
  }

  private async sendOnce(req: HttpRequestSpec, opts: SendOptions, via: Via | undefined): Promise<HttpExchange> {
    if (this.closed) throw new AbortError('the session is closed');
    const timeoutMs = opts.timeoutMs ?? this.limits.requestTimeoutMs;
    const follow = opts.followRedirects ?? false;
    const first = await this.hop(req, timeoutMs, opts, via);
    // most answers are not redirects: they skip the redirect loop and the closures it takes
    if (!isFollowable(first, follow)) return { request: req, response: hopToResponse(first, req.url, [], first.timeMs) };
    const response = await sendWithRedirects(
      req,
      (spec) => this.hop(spec, timeoutMs, opts, via),
      { follow, maxRedirects: this.limits.maxRedirects, allowHop: (url) => this.scope.inScope(url) || (via?.auth === true && this.authOrigins.has(originOf(url))) },
      first,
    );
    return { request: req, response };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.health.close();
    this.jobSignal.removeEventListener('abort', this.onJobAbort);
    this.scheduler.close();
    this.controller.abort();
    try {
      await this.client.close();
    } catch (err) {
      this.log?.('debug', 'closing the HTTP client failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    // not a URL: no origin, so no exception to the scope
    return '';
  }
}

/** The job's headers with a static login's headers and cookies merged in (theirs win). */
function withStaticAuth(headers: Record<string, string>, auth: AuthConfig | undefined): Record<string, string> {
  if (auth?.type !== 'headers') return { ...headers };
  const out: Record<string, string> = { ...headers };
  for (const [k, v] of Object.entries(auth.headers ?? {})) {
    const known = findHeader(out, k.toLowerCase());
    if (known) delete out[known[0]];
    out[k] = v;
  }
  const cookies = Object.entries(auth.cookies ?? {});
  if (cookies.length > 0) {
    const known = findHeader(out, 'cookie');
    const pairs = new Map<string, string>(known ? parseCookieHeader(known[1]) : []);
    for (const [n, v] of cookies) pairs.set(n, v);
    if (known) delete out[known[0]];
    out[known?.[0] ?? 'Cookie'] = [...pairs].map(([n, v]) => `${n}=${v}`).join('; ');
  }
  return out;
}
