// The engine's public interface: what the job runner and `wsc scan` call.
import type { SpeedWord, UserAgentWord, VulnItem } from '../core/items.js';
import type { Finding } from '../core/model.js';
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
});

export interface EngineJob {
  startUrl: string;
  excludeUrls: string[];
  /** Sent on every request (auth cookies, tokens); never logged or reported in clear. */
  headers: Record<string, string>;
  userAgent: UserAgentWord;
  speed: SpeedWord;
  items: VulnItem[];
  limits?: Partial<EngineLimits>;
  /**
   * CIDRs of link-local or cloud metadata addresses the job may reach; refused otherwise. The runner
   * fills it from the account's CIDR assets that name such addresses explicitly.
   */
  allowAddresses?: string[];
  /** A scan plan's scope rules: URLs must match an include rule (when any) and no exclude rule. */
  scope?: ScopeRules;
  /** Further URLs the crawl starts from besides the StartUrl (a scan plan's seeds; in scope only). */
  seeds?: string[];
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
}

export interface EngineResult {
  stats: EngineStats;
  urls: CollectedUrl[];
  findings: Finding[];
  /** Set when a limit (duration, requests) ended the job early; the job still completes. */
  limitReached?: string;
}

/** Thrown (as the rejection) when the crawl phase cannot start, e.g. the StartUrl is unreachable. */
export class CrawlError extends Error {
  override name = 'CrawlError';
}
