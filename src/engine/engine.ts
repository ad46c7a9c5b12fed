// The engine's entry point: crawl, fingerprint soft-404s, then run the selected checks over what the
// crawl found. Findings are de-duplicated, completed from check metadata, bounded, redacted and
// handed to hooks.onFinding one by one (awaited, so the runner stores each before the scan goes on).
import { OastServer } from './oast.js';
import { USER_AGENTS } from '../core/items.js';
import { findingKey, type CrawledRequest, type Finding, type HttpExchange, type HttpRequestSpec, type HttpResponseData } from '../core/model.js';
import { checksFor } from '../checks/registry.js';
import type { BrowserCapability, Check, CheckContext, CrawledPage, DomVisit, FindingDraft, SendOptions, Soft404 } from '../checks/types.js';
import { redactFinding, redactSecrets } from '../report/json.js';
import { AuthError } from './auth/manager.js';
import { isSplitCheckpoint, planUnits, scanUnit, targetGroups, type EngineCheckpoint, type ScanUnitPlan, type UnitLease } from './checkpoint.js';
import { openDomBrowser, type DomBrowser } from './browser/dom-browser.js';
import { runBrowserPhase } from './browser/phase.js';
import { crawl, type CrawlCounters } from './crawler.js';
import { TargetDownError } from './health.js';
import { codePathOf, type CodePaths } from './crawl/structure.js';
import { AntiCsrf, type TokenStats } from './csrf.js';
import type { LookupFunction } from './egress.js';
import { AbortError } from './http.js';
import type { SharedLimiter } from './scheduler.js';
import { DEFAULT_HEADER_POINTS, insertionPoints, toSpec } from './insertion-points.js';
import { loadSeeds, SeedError } from './seeds/index.js';
import { resolveTransport, TransportConfigError, type ResolvedTransport } from './transport/options.js';
import { EgressGuard, probeCapabilities } from './raw-probe.js';
import { BudgetError, isCredentialHeader, ScanSession } from './session.js';
import { fingerprintSoft404 } from './soft404.js';
import { CrawlError, DEFAULT_CRAWL_MODE, DEFAULT_LIMITS, type BrowserEngineInfo, type EngineHooks, type EngineJob, type EngineLimits, type EngineResult, type EngineStats } from './types.js';

/** A check sent more than meta.requestBudget per crawled request: it is stopped, its findings kept. */
export class CheckBudgetError extends Error {
  override name = 'CheckBudgetError';
}

export const EVIDENCE_LIMITS = Object.freeze({ request: 4096, responseHead: 1024, responseBody: 2048, proof: 1024 });
const CHECK_CONCURRENCY = 4;

export function resolveLimits(partial: Partial<EngineLimits> | undefined): EngineLimits {
  const out: EngineLimits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(partial ?? {}) as [keyof EngineLimits, number | undefined][]) {
    // maxDepth 0 means "the StartUrl only", maxBrowserActions 0 "render, never click"; every other limit must be positive to mean anything
    if (typeof v === 'number' && Number.isFinite(v) && (v > 0 || ((k === 'maxDepth' || k === 'maxBrowserActions') && v === 0))) out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Evidence and replay

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}\n...[${s.length - max} more characters]`;
}

/** Keeps the response head and ~2 KB of body centred on the first line of the proof. */
export function boundResponse(text: string, proof: string): string {
  const split = text.indexOf('\r\n\r\n');
  const head = split === -1 ? '' : text.slice(0, split + 4);
  const body = split === -1 ? text : text.slice(split + 4);
  const max = EVIDENCE_LIMITS.responseBody;
  let boundedBody = body;
  if (body.length > max) {
    const needle = proof.split('\n')[0]?.slice(0, 200) ?? '';
    const at = needle ? body.indexOf(needle) : -1;
    const start = at === -1 ? 0 : Math.max(0, Math.min(at - Math.floor((max - needle.length) / 2), body.length - max));
    boundedBody = (start > 0 ? `...[${start} characters]\n` : '') + body.slice(start, start + max) + (start + max < body.length ? `\n...[${body.length - start - max} more characters]` : '');
  }
  return cut(head, EVIDENCE_LIMITS.responseHead) + boundedBody;
}

/** Single-quotes for POSIX shells; control characters force $'...' (ANSI-C) quoting. */
export function shellQuote(s: string): string {
  if (!/[\u0000-\u001f\u007f]/.test(s)) return `'${s.replace(/'/g, `'\\''`)}'`;
  let out = "$'";
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\\' || ch === "'") out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + "'";
}

interface ParsedRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body: string;
}

/** Reads back the raw request text checks put in evidence (see src/checks/support.ts renderRequest). */
export function parseRawRequest(raw: string, baseUrl: string): ParsedRequest | null {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split + 4);
  const [line = '', ...rest] = head.split('\r\n');
  const m = /^([A-Za-z]+) (\S+) HTTP\/[\d.]+$/.exec(line);
  if (!m) return null;
  const headers: [string, string][] = [];
  let host = '';
  for (const h of rest) {
    const i = h.indexOf(':');
    if (i <= 0) continue;
    const name = h.slice(0, i);
    const value = h.slice(i + 1).trim();
    if (name.toLowerCase() === 'host') host = value;
    else headers.push([name, value]);
  }
  let url: string;
  try {
    const base = new URL(baseUrl);
    url = /^https?:\/\//i.test(m[2] as string) ? (m[2] as string) : `${base.protocol}//${host || base.host}${m[2] as string}`;
  } catch {
    return null;
  }
  return { method: (m[1] as string).toUpperCase(), url, headers, body };
}

/** A curl command replaying the request; the job's own headers appear by name, value redacted. */
export function buildCurl(req: ParsedRequest, jobHeaderNames: string[]): string {
  // -g: brackets in URLs (a[]=1) are data, not curl's URL globbing
  const parts = ['curl', '-g', '-i', '-s', '-k'];
  if (req.method !== 'GET' || req.body !== '') parts.push('-X', shellQuote(req.method));
  const own = new Set(req.headers.map(([k]) => k.toLowerCase()));
  for (const [k, v] of req.headers) {
    if (/^(content-length|connection|accept-encoding)$/i.test(k)) continue;
    const secret = jobHeaderNames.some((n) => n.toLowerCase() === k.toLowerCase());
    parts.push('-H', shellQuote(`${k}: ${secret ? '<redacted>' : v}`));
  }
  for (const n of jobHeaderNames) if (!own.has(n.toLowerCase())) parts.push('-H', shellQuote(`${n}: <redacted>`));
  if (req.body !== '') {
    // A NUL cannot travel in argv: such a body goes through printf and stdin instead.
    if (req.body.includes('\u0000')) return `printf '%b' ${shellQuote(toPrintfB(req.body))} | ${parts.join(' ')} --data-binary @- ${shellQuote(req.url)}`;
    parts.push('--data-binary', shellQuote(req.body));
  }
  parts.push(shellQuote(req.url));
  return parts.join(' ');
}

/** Escapes for printf %b: backslashes doubled, control characters as \0nnn octal. */
function toPrintfB(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '\\') out += '\\\\';
    else if (c < 0x20 || c === 0x7f) out += '\\0' + c.toString(8).padStart(3, '0');
    else out += ch;
  }
  return out;
}

function completeFinding(check: Check, d: FindingDraft, jobHeaders: Record<string, string>, secrets: Record<string, string> = {}): Finding {
  const m = check.meta;
  const parsed = parseRawRequest(d.evidence.request, d.url);
  const curl = parsed
    ? buildCurl(parsed, Object.keys(jobHeaders))
    : buildCurl({ method: d.method.toUpperCase(), url: d.url, headers: [], body: '' }, Object.keys(jobHeaders));
  const f: Finding = {
    item: m.item,
    check: m.id,
    title: d.title ?? m.title,
    severity: d.severity ?? m.severity,
    confidence: d.confidence ?? m.confidence,
    cwe: d.cwe ?? m.cwe,
    url: d.url,
    method: d.method.toUpperCase(),
    parameter: d.parameter,
    location: d.location,
    payload: d.payload,
    evidence: {
      request: cut(d.evidence.request, EVIDENCE_LIMITS.request),
      response: boundResponse(d.evidence.response, d.evidence.proof),
      proof: cut(d.evidence.proof, EVIDENCE_LIMITS.proof),
    },
    curl,
  };
  if (d.extra !== undefined) f.extra = d.extra;
  return redactFinding(f, { ...jobHeaders, ...secrets });
}

// ---------------------------------------------------------------------------------------------
// Running checks

/**
 * The code path of a URL, its `parameter` left out (see crawl/structure.ts). Only findings with a
 * parameter get one: headers, server and response facts stay one per path, their cause is rarely
 * the page a code path chose.
 */
function codePathIn(paths: CodePaths | undefined, url: string, parameter: string | null): string {
  if (paths === undefined || paths.size === 0) return '';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // a check reported a URL that is not absolute: it has no code path to tell
    return '';
  }
  return codePathOf(paths, u, parameter);
}

function isAbort(err: unknown): boolean {
  return err instanceof AbortError || (err instanceof Error && err.name === 'AbortError');
}

export interface ScanInput {
  /** The session; its cookie jar, when given, lets double-submit CSRF cookies be echoed. */
  session: Pick<ScanSession, 'send'> & Partial<Pick<ScanSession, 'cookies'>>;
  checks: Check[];
  requests: CrawledRequest[];
  pages: CrawledPage[];
  /** What the crawl learned about parameters that choose code paths: part of each finding's identity. */
  codePaths?: CodePaths;
  soft404: Soft404;
  startUrl: string;
  userAgent: string;
  jobHeaders: Record<string, string>;
  signal: AbortSignal;
  hooks: EngineHooks;
  /** The out-of-band listener and the label (job) its probes carry. */
  oast?: OastServer;
  oastLabel?: string;
  /** Raw/TLS probes: the egress rules (default: refuse link-local and metadata) and extra trusted CAs. */
  egress?: EgressGuard;
  trustedCa?: readonly string[];
  /** Secrets beyond the job's headers (a login's password, tokens, session cookies), redacted from findings. */
  secrets?: () => Record<string, string>;
  /** True when the scan logs in (the session then carries credentials the job's headers do not show). */
  authenticated?: boolean;
  /** Page loads in a browser (DOM XSS), when Chromium is available. */
  browser?: BrowserCapability;
  /** Units an earlier run of the job finished are skipped; each finished unit is reported (farm takeover). */
  checkpoint?: Pick<EngineCheckpoint, 'unitDone'> & { done: ReadonlySet<string> };
  /** A split scan: units come from the lease (other processes run the others), instead of every check here. */
  units?: { lease: UnitLease; plan: ReadonlyMap<string, ScanUnitPlan>; groups: readonly number[][] };
}

export interface ScanOutput {
  findings: Finding[];
  /** Set when the job's request budget ran out during the scan. */
  limitReached?: string;
  /** Requests each check sent, by check id (anti-CSRF token loads are not among them: see `tokens`). */
  sentByCheck: Record<string, number>;
  /** What the anti-CSRF token handling found and sent (src/engine/csrf.ts). */
  tokens: TokenStats;
}

/** Runs checks over a crawl's results with bounded concurrency; rethrows AbortError. */
export async function runChecks(input: ScanInput): Promise<ScanOutput> {
  const { hooks, signal } = input;
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const sentByCheck: Record<string, number> = {};
  const fraction = new Map<string, number>();
  let lastPercent = -1;
  let limitReached: string | undefined;
  const targets = Math.max(1, input.requests.length, input.pages.length);
  const egress = input.egress ?? new EgressGuard();
  const codePath = (url: string, parameter: string | null): string => codePathIn(input.codePaths, url, parameter);
  // One for all checks: a form's token is found and validated once, whichever check gets there first.
  const antiCsrf = new AntiCsrf({
    send: (spec, opts) => input.session.send(spec, opts),
    ...(input.session.cookies ? { cookies: input.session.cookies } : {}),
    pages: input.pages,
    requests: input.requests,
    render: toSpec,
    ...(hooks.log ? { log: hooks.log } : {}),
  });
  const report = (): void => {
    if (input.checks.length === 0) return;
    let sum = 0;
    let pct: number;
    if (input.units) {
      // units done anywhere, plus how far this process is through the ones it runs
      const { done, total } = input.units.lease.progress();
      for (const v of fraction.values()) if (v < 1) sum += v;
      pct = total === 0 ? 100 : Math.min(100, Math.floor(((done + sum) / total) * 100));
    } else {
      for (const v of fraction.values()) sum += v;
      pct = Math.min(100, Math.floor((sum / input.checks.length) * 100));
    }
    if (pct !== lastPercent) {
      lastPercent = pct;
      hooks.onScanProgress?.(pct);
    }
  };
  report();

  const browser = input.browser;
  const runOne = async (check: Check, unit: string = scanUnit(check.meta.id), group?: readonly CrawledRequest[]): Promise<void> => {
    const id = check.meta.id;
    if (input.checkpoint?.done.has(unit)) {
      fraction.set(unit, 1);
      report();
      return;
    }
    // a unit over a group of targets has the budget of its targets, every page still its context
    const budget = check.meta.requestBudget * (group ? Math.max(1, group.length, input.pages.length) : targets);
    sentByCheck[id] ??= 0;
    let sentHere = 0;
    const spend = (n: number): void => {
      sentHere += n;
      sentByCheck[id] = (sentByCheck[id] ?? 0) + n;
    };
    const ctx: CheckContext = {
      requests: group ?? input.requests,
      pages: input.pages,
      insertionPoints: (r) =>
        antiCsrf.points(r, insertionPoints(r, { userAgent: input.userAgent, ...(r.headerParams ? { headers: [...DEFAULT_HEADER_POINTS, ...r.headerParams] } : {}) })),
      toSpec: (r) => antiCsrf.spec(r, toSpec(r)),
      antiCsrfTokens: (r) => antiCsrf.tokensOf(r),
      soft404: input.soft404,
      startUrl: input.startUrl,
      authenticated: input.authenticated === true || Object.keys(input.jobHeaders).some(isCredentialHeader),
      codePath,
      signal,
      send: async (req: HttpRequestSpec, opts?: SendOptions): Promise<HttpExchange> => {
        if (signal.aborted) throw new AbortError();
        if (sentHere >= budget) throw new CheckBudgetError(`${id} spent its budget of ${budget} requests`);
        spend(1);
        // token loads ride along uncounted here (they count against the job's budget): at most one per request
        return antiCsrf.send(req, opts, (spec, o) => input.session.send(spec, o));
      },
      log: (message, data) => hooks.log?.('debug', `[${id}] ${message}`, data),
      ...(input.oast ? { oast: input.oast.scoped(`${input.oastLabel ?? 'scan'} check:${id}`) } : {}),
      progress: (done, total) => {
        if (total > 0) fraction.set(unit, Math.max(0, Math.min(0.99, done / total)));
        report();
      },
      ...probeCapabilities({ startUrl: input.startUrl, signal, egress, ...(input.trustedCa ? { trustedCa: input.trustedCa } : {}) }, () => {
        if (sentHere >= budget) throw new CheckBudgetError(`${id} spent its budget of ${budget} requests`);
        spend(1);
      }),
      ...(browser
        ? {
            browser: {
              ...(browser.concurrency !== undefined ? { concurrency: browser.concurrency } : {}),
              // every request the page made counts against the check's budget, once the load is over
              visit: async (v: DomVisit) => {
                if (signal.aborted) throw new AbortError();
                if (sentHere >= budget) throw new CheckBudgetError(`${id} spent its budget of ${budget} requests`);
                const r = await browser.visit(v);
                spend(Math.max(1, r.requests));
                return r;
              },
            },
          }
        : {}),
    };
    try {
      for await (const draft of check.run(ctx)) {
        if (signal.aborted) throw new AbortError();
        const f = completeFinding(check, draft, input.jobHeaders, input.secrets?.());
        if (f.parameter !== null) {
          const route = codePath(f.url, f.parameter);
          if (route !== '') f.codePath = route;
        }
        const key = findingKey(f);
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push(f);
        await hooks.onFinding?.(f);
      }
    } catch (err) {
      if (isAbort(err) || signal.aborted) throw err instanceof Error && isAbort(err) ? err : new AbortError();
      if (err instanceof BudgetError) {
        limitReached ??= 'maxRequests';
        hooks.log?.('warn', `the job's request budget ran out during ${id}`, { check: id });
      } else if (err instanceof TargetDownError) {
        // the other checks meet the same error on their next request; what was found is kept
        limitReached ??= 'targetDown';
      } else if (err instanceof CheckBudgetError) {
        hooks.log?.('warn', err.message, { check: id, budget });
      } else {
        hooks.log?.('error', `check ${id} failed and was skipped`, { check: id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    }
    fraction.set(unit, 1);
    report();
    if (input.units) await input.units.lease.done(unit, sentHere);
    else await input.checkpoint?.unitDone(unit);
  };

  const queue = [...input.checks];
  const split = input.units;
  const worker = split
    ? async (): Promise<void> => {
        // units come from the lease (shared with other processes), until it has none for us
        for (;;) {
          if (signal.aborted) throw new AbortError();
          if (limitReached) return;
          const unit = await split.lease.next(signal);
          if (unit === null) return;
          const p = split.plan.get(unit);
          const check = p ? input.checks.find((c) => c.meta.id === p.check) : undefined;
          if (!p || !check) throw new Error(`unit ${unit} is not in this job's plan`);
          await runOne(check, unit, p.group === null ? undefined : (split.groups[p.group] ?? []).map((i) => input.requests[i]!));
        }
      }
    : async (): Promise<void> => {
        for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
          if (signal.aborted) throw new AbortError();
          if (limitReached) return;
          await runOne(c);
        }
      };
  const results = await Promise.allSettled(Array.from({ length: Math.min(CHECK_CONCURRENCY, split ? split.plan.size : queue.length) }, worker));
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  if (signal.aborted) throw new AbortError();
  const out: ScanOutput = { findings, sentByCheck, tokens: { ...antiCsrf.stats } };
  if (limitReached) out.limitReached = limitReached;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The job

export interface EngineDeps {
  /** A shared OAST listener (wsc serve); without one, the job starts its own on 127.0.0.1. */
  oast?: OastServer;
  /** Attribution for OAST probes, e.g. "job:1000000001". */
  label?: string;
  /** The DNS resolver behind the egress guard (tests answer made-up names with it). */
  lookup?: LookupFunction;
  /** The clock token lifetimes are read on (tests control it). */
  now?: () => number;
  /** Where HTTPS_PROXY, HTTP_PROXY, NO_PROXY and NODE_EXTRA_CA_CERTS are read (process.env by default). */
  env?: NodeJS.ProcessEnv;
  /** The browser engine's Chromium (default: findChromium's WSC_CHROMIUM_PATH or the system's). */
  chromiumPath?: string;
  /** Where the job resumes from and saves its progress to when it may be taken over (src/farm/). */
  checkpoint?: EngineCheckpoint;
  /** The job's Speed shared with the other processes sending for it (src/farm/limiter.ts). */
  limiter?: SharedLimiter;
}

/**
 * The scan phase's browser, when a check that needs one runs (whatever Crawl says: that option
 * chooses crawlers); without Chromium there is none and the log says why.
 */
async function domBrowserFor(job: EngineJob, checks: Check[], session: ScanSession, userAgent: string, signal: AbortSignal, hooks: EngineHooks, deps: EngineDeps): Promise<DomBrowser | null> {
  if (!checks.some((c) => c.meta.id === 'dom-xss')) return null;
  const dom = await openDomBrowser({
    session,
    startUrl: job.startUrl,
    speed: job.speed,
    userAgent,
    jobHeaders: job.headers,
    signal,
    ...(deps.chromiumPath !== undefined ? { chromiumPath: deps.chromiumPath } : {}),
    ...(hooks.log ? { log: hooks.log } : {}),
  });
  if (dom.capability === null) hooks.log?.('info', `DOM-based XSS was not tested: ${dom.reason}`, { check: 'dom-xss' });
  return dom;
}

export async function runEngine(job: EngineJob, hooks: EngineHooks, signal: AbortSignal, deps: EngineDeps = {}): Promise<EngineResult> {
  if (signal.aborted) throw new AbortError();
  if (!deps.oast) {
    const own = await OastServer.start();
    try {
      return await runEngine(job, hooks, signal, { ...deps, oast: own });
    } finally {
      await own.close();
    }
  }
  const started = Date.now();
  const checkpoint = deps.checkpoint;
  const limits = resolveLimits(job.limits);
  const deadline = started + limits.maxDurationMs;
  // The scan phase runs under its own signal so the duration limit can end it without it being
  // mistaken for a stop: the caller's abort and the deadline both fire it, and we tell them apart.
  const inner = new AbortController();
  let deadlineHit = false;
  const onAbort = (): void => inner.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const userAgent = USER_AGENTS[job.userAgent];
  // Tokens and session cookies a login obtains are secrets the job's headers do not list: every
  // line the engine logs is redacted of them, as the runner redacts the job's headers.
  let secrets: () => Record<string, string> = () => ({});
  const outer = hooks;
  if (outer.log) {
    const log = outer.log.bind(outer);
    hooks = {
      ...outer,
      log: (level, message, data) => {
        const s = secrets();
        if (Object.keys(s).length === 0) return log(level, message, data);
        const clean: Record<string, unknown> | undefined = data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? redactSecrets(v, s) : v]));
        log(level, redactSecrets(message, s), clean);
      },
    };
  }
  let transport: ResolvedTransport;
  try {
    transport = resolveTransport(job.transport, deps.env ?? process.env);
  } catch (err) {
    if (err instanceof TransportConfigError) throw new CrawlError(err.message);
    throw err;
  }
  if (transport.proxyLabel !== null) hooks.log?.('info', `requests go through the proxy ${transport.proxyLabel}`);
  let targetDown: string | null = null;
  const session = new ScanSession({
    transport,
    startUrl: job.startUrl,
    excludeUrls: job.excludeUrls,
    headers: job.headers,
    userAgent,
    speed: job.speed,
    limits,
    signal: inner.signal,
    ...(hooks.log ? { log: hooks.log } : {}),
    ...(job.auth ? { auth: job.auth } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(job.allowAddresses ? { allowAddresses: job.allowAddresses } : {}),
    ...(deps.lookup ? { lookup: deps.lookup } : {}),
    onTargetDown: (cause) => {
      targetDown = cause;
    },
    ...(job.scope ? { scopeRules: job.scope } : {}),
    ...(deps.limiter ? { limiter: deps.limiter } : {}),
  });
  const auth = session.auth;
  if (auth) secrets = () => auth.secrets();
  let timer: NodeJS.Timeout | undefined;
  // What live statistics read while the job runs (see EngineHooks.onStats).
  let counters: CrawlCounters | undefined;
  let crawledUrls: number | undefined;
  let crawlMs: number | undefined;
  let scanStartedAt: number | undefined;
  let targets = 0;
  let scanPercent = 0;
  let tokenStats: TokenStats | undefined;
  let finalLimit: string | undefined;
  let browserInfo: BrowserEngineInfo | undefined;
  const liveStats = (): EngineStats => {
    const now = Date.now();
    if (auth) session.health.set('relogins', auth.stats.relogins);
    const health = session.healthSnapshot(finalLimit);
    return {
      requests: session.requestCount(),
      durationMs: now - started,
      crawlMs: crawlMs ?? now - started,
      scanMs: scanStartedAt === undefined ? 0 : now - scanStartedAt,
      urls: crawledUrls ?? counters?.urls.length ?? 0,
      ...(tokenStats ? { tokenForms: tokenStats.forms, tokenRefreshes: tokenStats.refreshes, tokenRejected: tokenStats.rejected, tokenRequests: tokenStats.requests } : {}),
      ...(auth ? { logins: auth.stats.logins, relogins: auth.stats.relogins, authRefreshes: auth.stats.refreshes, authVerifications: auth.stats.verifications, authFailures: auth.stats.failures } : {}),
      ...(browserInfo ? { browser: browserInfo } : {}),
      health,
    };
  };
  const ticker = hooks.onStats ? setInterval(() => hooks.onStats?.(liveStats()), 1000) : undefined;
  ticker?.unref();
  try {
    await hooks.onPhase?.('crawl');
    if (auth) {
      try {
        await auth.start();
      } catch (err) {
        if (err instanceof AuthError) throw new CrawlError(`login failed: ${err.message}`);
        throw err;
      }
    }
    const crawlStarted = Date.now();
    const saved = (await checkpoint?.loadCrawl()) ?? null;
    let crawled: Awaited<ReturnType<typeof crawl>>;
    // a job taken over resumes from the crawl its first run saved (seeds and browser pages included)
    if (saved) crawled = saved;
    else {
      let seeds: CrawledRequest[] | undefined;
      if (job.seeds) {
        try {
          seeds = await loadSeeds(job.seeds, job.startUrl, (spec) => session.send(spec, { followRedirects: true }));
        } catch (err) {
          if (err instanceof SeedError) throw new CrawlError(`seeds: ${err.message}`);
          throw err;
        }
        hooks.log?.('info', 'seeds read', { targets: seeds.length });
      }
      // A crawl an earlier run of this job did not finish: its pages are replayed, not fetched again,
      // and the pages of this run are saved as it goes, so a takeover resumes near where it stopped.
      const load = checkpoint?.loadCrawlPages?.bind(checkpoint);
      const save = checkpoint?.saveCrawlPages?.bind(checkpoint);
      const progress = load && save ? await crawlProgress({ loadCrawlPages: load, saveCrawlPages: save }, hooks) : null;
      try {
        crawled = await crawl(session, {
          ...(seeds ? { seeds } : {}),
          startUrl: job.startUrl,
          limits: { ...limits, maxDurationMs: Math.max(1, deadline - Date.now()) },
          signal: inner.signal,
          ...(hooks.onCrawlProgress ? { onProgress: hooks.onCrawlProgress } : {}),
          onCrawl: (c) => {
            counters = c;
          },
          ...(progress ? { replay: progress.replay, onPage: progress.onPage } : {}),
        });
      } finally {
        await progress?.close();
      }
      if (signal.aborted) throw new AbortError();
      browserInfo = await runBrowserPhase({
        mode: job.crawl ?? DEFAULT_CRAWL_MODE,
        session,
        startUrl: job.startUrl,
        limits,
        deadline,
        signal: inner.signal,
        speed: job.speed,
        userAgent,
        jobHeaders: job.headers,
        crawled,
        hooks,
        ...(deps.chromiumPath !== undefined ? { chromiumPath: deps.chromiumPath } : {}),
      });
    }
    crawlMs = Date.now() - crawlStarted;
    crawledUrls = crawled.urls.length;
    targets = crawled.requests.length;
    session.health.set('pagesSkipped', crawled.pagesSkipped);
    if (signal.aborted) throw new AbortError();
    if (!saved) await checkpoint?.saveCrawl(crawled);
    await hooks.onUrls?.(crawled.urls);
    hooks.log?.('info', 'crawl finished', { urls: crawled.urls.length, targets: crawled.requests.length, pages: crawled.pages.length, ms: crawlMs });

    let limitReached = crawled.limitReached;
    const checks = checksFor(job.items);
    const scanStarted = Date.now();
    scanStartedAt = scanStarted;
    // Findings as they were handed on, so a deadline that cuts the scan short still returns them.
    const findings: Finding[] = [];
    let tokens: TokenStats | undefined;
    let sentByCheck: Record<string, number> | undefined;
    const scanHooks: EngineHooks = {
      ...hooks,
      onScanProgress: (p) => {
        scanPercent = p;
        hooks.onScanProgress?.(p);
      },
      onFinding: async (f) => {
        findings.push(f);
        await hooks.onFinding?.(f);
      },
    };
    const scanned = limitReached !== 'maxDurationMs' && limitReached !== 'maxRequests' && limitReached !== 'targetDown' && checks.length > 0;
    if (scanned) {
      timer = setTimeout(() => {
        deadlineHit = true;
        inner.abort();
      }, Math.max(0, deadline - Date.now()));
      try {
        const soft404 = await fingerprintSoft404(session, job.startUrl);
        await hooks.onPhase?.('scan');
        const dom = await domBrowserFor(job, checks, session, userAgent, inner.signal, hooks, deps);
        let units: ScanInput['units'];
        if (isSplitCheckpoint(checkpoint)) {
          const groups = targetGroups(crawled.requests, checkpoint.targetsPerUnit);
          const plan = planUnits(checks, groups.length);
          units = { lease: await checkpoint.units(plan), plan: new Map(plan.map((u) => [u.unit, u])), groups };
        }
        const out = await runChecks({
          session,
          checks,
          requests: crawled.requests,
          pages: crawled.pages,
          codePaths: crawled.codePaths,
          soft404,
          startUrl: job.startUrl,
          userAgent,
          jobHeaders: job.headers,
          secrets,
          authenticated: auth !== null,
          signal: inner.signal,
          hooks: scanHooks,
          oast: deps.oast,
          oastLabel: deps.label ?? 'scan',
          egress: new EgressGuard({ ...(job.allowAddresses ? { allowAddresses: job.allowAddresses } : {}), ...(deps.lookup ? { lookup: deps.lookup } : {}) }),
          ...(transport.trustedCa.length > 0 ? { trustedCa: transport.trustedCa } : {}),
          ...(dom?.capability ? { browser: dom.capability } : {}),
          ...(units ? { units } : checkpoint ? { checkpoint: { done: await checkpoint.doneUnits(), unitDone: (u: string) => checkpoint.unitDone(u) } } : {}),
        }).finally(() => (dom?.capability ? dom.close() : undefined));
        limitReached ??= out.limitReached;
        tokens = out.tokens;
        sentByCheck = out.sentByCheck;
        tokenStats = tokens;
      } catch (err) {
        if (err instanceof BudgetError && !signal.aborted) limitReached = 'maxRequests';
        else if (err instanceof TargetDownError && !signal.aborted) limitReached = 'targetDown';
        else if (deadlineHit && !signal.aborted && isAbort(err)) limitReached = 'maxDurationMs';
        else throw err;
      }
    } else {
      await hooks.onPhase?.('scan');
    }
    if (targetDown !== null) limitReached = 'targetDown';
    finalLimit = limitReached;
    // Attack targets the scan never reached: all when a limit (or the target) ended the job before
    // it, the unfinished share when one cut it short (estimated from the checks' progress).
    if (limitReached !== undefined && checks.length > 0) session.health.set('targetsSkipped', scanned ? Math.round(targets * (1 - scanPercent / 100)) : targets);
    if (tokens) session.health.set('tokenRejected', tokens.rejected);
    if (limitReached !== 'targetDown') {
      scanPercent = 100;
      hooks.onScanProgress?.(100);
    }
    const stats = liveStats();
    stats.scanMs = Date.now() - scanStarted;
    const result: EngineResult = { stats, urls: crawled.urls, findings };
    if (limitReached !== undefined) result.limitReached = limitReached;
    if (sentByCheck) {
      let points = 0;
      for (const r of crawled.requests) points += insertionPoints(r, { userAgent }).length;
      result.scan = { sentByCheck, insertionPoints: points, targets: crawled.requests.length };
    }
    if (auth) result.auth = auth.summary();
    return result;
  } catch (err) {
    if (signal.aborted && !(err instanceof AbortError)) throw new AbortError();
    throw err;
  } finally {
    if (ticker) clearInterval(ticker);
    // a stopped or failed job still reports what it did; a completed one was reported above
    if (hooks.onStats) {
      if (scanStartedAt !== undefined && scanPercent < 100 && targets > 0 && checksFor(job.items).length > 0) session.health.set('targetsSkipped', Math.round(targets * (1 - scanPercent / 100)));
      hooks.onStats(liveStats());
    }
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    await session.close();
  }
}

/** How often a running crawl's new pages are saved to a checkpoint that keeps them (WSC_CRAWL_SAVE_MS), ms. */
function crawlSaveMs(): number {
  const raw = process.env.WSC_CRAWL_SAVE_MS;
  return raw !== undefined && /^\d+$/.test(raw.trim()) && Number(raw) > 0 ? Number(raw) : 5000;
}

/**
 * The replay map of an interrupted crawl and the saving of this one: pages are handed to the
 * checkpoint in batches every crawlSaveMs() and once more when the crawl ends however it ends
 * (a failed save is logged; the crawl goes on, a takeover would only fetch more again).
 */
async function crawlProgress(
  checkpoint: Required<Pick<EngineCheckpoint, 'loadCrawlPages' | 'saveCrawlPages'>>,
  hooks: EngineHooks,
): Promise<{ replay: Map<string, HttpResponseData>; onPage(page: CrawledPage): void; close(): Promise<void> }> {
  const before = await checkpoint.loadCrawlPages();
  const replay = new Map<string, HttpResponseData>();
  for (const p of before) if (p.request.method.toUpperCase() === 'GET') replay.set(p.request.url, p.response);
  if (replay.size > 0) hooks.log?.('info', 'crawl resumed from a checkpoint', { pages: replay.size });
  let pending: CrawledPage[] = [];
  let saving: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    // replayed pages are saved already
    const batch = pending.filter((p) => !replay.has(p.request.url));
    pending = [];
    if (batch.length === 0) return saving;
    saving = saving
      .then(() => checkpoint.saveCrawlPages(batch))
      .catch((err: unknown) => hooks.log?.('warn', 'saving the crawl progress failed', { error: err instanceof Error ? err.message : String(err) }));
    return saving;
  };
  const timer = setInterval(() => void flush(), crawlSaveMs());
  timer.unref();
  return {
    replay,
    onPage: (page) => {
      pending.push(page);
    },
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
