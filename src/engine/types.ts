// The engine's public interface: what the job runner and `wsc scan` call.
import type { ScanItem, SpeedWord, UserAgentWord } from '../core/items.js';
import type { Finding } from '../core/model.js';
import type { AuthSummary } from './auth/manager.js';
import type { AuthConfig } from './auth/types.js';
import type { Seeds } from './seeds/index.js';
import type { TransportOptions } from './transport/options.js';
import type { HealthStats } from './health.js';
import type { ScopeRules } from './scope.js';

export interface EngineLimits {
  /** Most distinct attack targets the crawler collects. */
  maxUrls: number;
  /** Most link hops from the StartUrl. */
  maxDepth: number;
  /** Wall-clock budget for the whole job (crawl + scan), ms. */
  maxDurationMs: number;
  /** One request, connect to last body byte, ms. */
  requestTimeoutMs: number;
  /** Body bytes kept per response; the rest is read and discarded. */
  maxResponseBytes: number;
  /** Redirect hops followed per request. */
  maxRedirects: number;
  /** Total requests the job may send. */
  maxRequests: number;
  /** Variants (other values of the same path pattern) kept before a pattern counts as a trap. */
  maxVariantsPerPattern: number;
  /** Percent of failed requests (no answer, or 502/503/504) over the last 50 that pauses the job to probe the target. */
  maxErrorRate: number;
  /** Failed requests in a row that pause the job to probe the target. */
  maxConsecutiveFailures: number;
  /** How long a paused job probes before it ends as "target down" (status 15 or 5), ms. */
  targetDownAfterMs: number;
  /** Browser crawl: page states (URLs and client-side routes) rendered at most. */
  maxBrowserPages: number;
  /** Browser crawl: one page state (load, form submissions, clicks), ms. */
  browserPageTimeoutMs: number;
  /** Browser crawl: clicks and form submissions per page state. */
  maxBrowserActions: number;
}

export const DEFAULT_LIMITS: Readonly<EngineLimits> = Object.freeze({
  maxUrls: 10_000,
  maxDepth: 10,
  maxDurationMs: 4 * 60 * 60 * 1000,
  requestTimeoutMs: 10_000,
  maxResponseBytes: 2 * 1024 * 1024,
  maxRedirects: 5,
  maxRequests: 250_000,
  maxVariantsPerPattern: 20,
  maxErrorRate: 20,
  maxConsecutiveFailures: 20,
  targetDownAfterMs: 30_000,
  maxBrowserPages: 1000,
  browserPageTimeoutMs: 20_000,
  maxBrowserActions: 30,
});

/** Which crawlers a job runs (job option `Crawl`, `wsc scan --crawl`); see README "Browser engine". */
export type CrawlMode = 'browser' | 'html' | 'auto';
export const CRAWL_MODES: readonly CrawlMode[] = Object.freeze(['browser', 'html', 'auto']);
export const DEFAULT_CRAWL_MODE: CrawlMode = 'auto';

export interface EngineJob {
  startUrl: string;
  excludeUrls: string[];
  /** Sent on every request (auth cookies, tokens); never logged or reported in clear. */
  headers: Record<string, string>;
  userAgent: UserAgentWord;
  speed: SpeedWord;
  items: ScanItem[];
  limits?: Partial<EngineLimits>;
  /**
   * CIDRs of link-local or cloud metadata addresses the job may reach; refused otherwise. The runner
   * fills it from the account's CIDR assets that name such addresses explicitly.
   */
  allowAddresses?: string[];
  /** How the scan logs in and keeps its session (src/engine/auth); secrets in it are redacted like headers. */
  auth?: AuthConfig;
  /** Targets beyond the StartUrl: API descriptions, HAR files, URL lists (src/engine/seeds). */
  seeds?: Seeds;
  /** Proxy, extra trusted CAs, client certificate (src/engine/transport); the environment's proxy otherwise. */
  transport?: TransportOptions;
  /** Default "auto": the browser crawl runs when Chromium is there and the HTML crawl's pages need it. */
  crawl?: CrawlMode;
  /** A scan plan's scope rules: URLs must match an include rule (when any) and no exclude rule. */
  scope?: ScopeRules;
}

export type EnginePhase = 'crawl' | 'scan';

export interface CollectedUrl {
  method: string;
  url: string;
}

export interface EngineHooks {
  /** Called when a phase starts; the runner maps it to status codes (13, 3). */
  onPhase?(phase: EnginePhase): void | Promise<void>;
  /** Live count of collected URLs during the crawl. */
  onCrawlProgress?(urlCount: number): void;
  /** The crawl's result, once, before the scan phase starts. */
  onUrls?(urls: CollectedUrl[]): void | Promise<void>;
  /** 0-100 during the scan phase. */
  onScanProgress?(percent: number): void;
  /** Each de-duplicated finding as soon as it is found; awaited, so it can be stored first. */
  onFinding?(finding: Finding): void | Promise<void>;
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
  /**
   * The job's live statistics, about once a second while it runs and once when it ends however it
   * ends (stop, failure, target down): a stopped job still has its true counts.
   */
  onStats?(stats: EngineStats): void;
}

export interface EngineStats {
  requests: number;
  durationMs: number;
  crawlMs: number;
  scanMs: number;
  urls: number;
  /**
   * Anti-CSRF tokens (src/engine/csrf.ts), when the scan phase ran: targets found to carry one,
   * form-page loads made for a fresh single-use token, targets whose fresh token was still refused
   * (their attacks could not reach the code behind it), and every request the handling sent. All
   * are included in `requests`. Absent from jobs stored before they existed.
   */
  tokenForms?: number;
  tokenRefreshes?: number;
  tokenRejected?: number;
  tokenRequests?: number;
  /**
   * The login (src/engine/auth), when the job has one: logins made (the first included), sessions
   * lost and regained (`relogins`), bearer tokens renewed before expiry, session verifications,
   * and logins that failed after the first. Their requests are included in `requests`.
   */
  logins?: number;
  relogins?: number;
  authRefreshes?: number;
  authVerifications?: number;
  authFailures?: number;
  /** What the target did with the requests, and the verdict (src/engine/health.ts). Absent from jobs stored before it existed. */
  health?: HealthStats;
  /** Whether the browser engine crawled, and why (not); absent from jobs stored before it existed. */
  browser?: BrowserEngineInfo;
}

/** What the browser engine did for a job (see src/engine/browser/phase.ts). */
export interface BrowserEngineInfo {
  mode: CrawlMode;
  used: boolean;
  /** Why it was used or not, in words for the report. */
  reason: string;
  /** Page states rendered, attack targets it added to the HTML crawl's, client routes noted. */
  rendered?: number;
  targets?: number;
  routes?: number;
  /** Requests of pages' scripts recorded; requests refused (scope, egress); tab/browser crashes; page states that failed. */
  recorded?: number;
  blocked?: number;
  crashes?: number;
  failed?: number;
  ms?: number;
  limitReached?: string;
}

export interface EngineResult {
  stats: EngineStats;
  urls: CollectedUrl[];
  findings: Finding[];
  /** The login's indicators, as given or as wsc proposed them. */
  auth?: AuthSummary;
  /** Set when a limit (duration, requests) ended the job early; the job still completes. */
  limitReached?: string;
  /**
   * Requests each check sent and how many insertion points the crawl's targets offered, for the
   * benchmarks' per-check cost figures (not stored with the job).
   */
  scan?: { sentByCheck: Record<string, number>; insertionPoints: number; targets: number };
}

/** Thrown (as the rejection) when the crawl phase cannot start, e.g. the StartUrl is unreachable. */
export class CrawlError extends Error {
  override name = 'CrawlError';
}
