// The contract between the engine and a check. A check is metadata plus one async generator;
// the engine owns insertion points, de-duplication, budgets, storage and abort.
import type { VulnItem } from '../core/items.js';
import type {
  Confidence,
  CrawledRequest,
  Finding,
  HttpExchange,
  HttpRequestSpec,
  HttpResponseData,
  InsertionLocation,
  Severity,
} from '../core/model.js';

export interface CheckMeta {
  /** Stable id, kebab-case, e.g. "directory-listing". */
  id: string;
  /** Exact VulnItems word this check belongs to. */
  item: VulnItem;
  title: string;
  severity: Severity;
  confidence: Confidence;
  cwe: number;
  references: string[];
  /** What a developer should do, in a sentence or three. */
  remediation: string;
  /** Upper bound on requests this check may send per crawled request (the engine enforces it). */
  requestBudget: number;
}

/** A place in a request where a payload can go. `build` returns the mutated request. */
export interface InsertionPoint {
  location: InsertionLocation;
  /** Parameter name (for JSON, a dotted path; for path segments, "path[i]"). */
  name: string;
  /** The original value. */
  value: string;
  build(payload: string, mode?: 'replace' | 'append'): HttpRequestSpec;
}

export interface SendOptions {
  /** Default: false for attacks, so checks see redirects themselves. */
  followRedirects?: boolean;
  timeoutMs?: number;
}

/** Pages the crawler fetched, with their responses (bounded). */
export interface CrawledPage {
  request: CrawledRequest;
  response: HttpResponseData;
}

export interface Soft404 {
  /** True when the response looks like the site's answer to a path that does not exist. */
  isNotFound(url: string, response: HttpResponseData): boolean;
}

/** A finding as a check yields it; the engine fills item, check, title, cwe and curl from metadata. */
export type FindingDraft = Omit<Finding, 'item' | 'check' | 'curl' | 'title' | 'severity' | 'confidence' | 'cwe'> &
  Partial<Pick<Finding, 'title' | 'severity' | 'confidence' | 'cwe'>>;

export interface CheckContext {
  /** Every attack target the crawler found (de-duplicated by path and parameter names). */
  requests: readonly CrawledRequest[];
  /** Every page fetched during the crawl, with its response. */
  pages: readonly CrawledPage[];
  /** Where payloads can go in a given crawled request. */
  insertionPoints(request: CrawledRequest): InsertionPoint[];
  /** Sends a request through the job's scheduler (scope, headers, rate, abort all applied). */
  send(request: HttpRequestSpec, options?: SendOptions): Promise<HttpExchange>;
  /** Renders a crawled request as a sendable spec. */
  toSpec(request: CrawledRequest): HttpRequestSpec;
  soft404: Soft404;
  /** The StartUrl of the job. */
  startUrl: string;
  signal: AbortSignal;
  log(message: string, data?: Record<string, unknown>): void;
  /** Optional: how far the check is through its own targets, for the job's progress figure. */
  progress?(done: number, total: number): void;
}

export interface Check {
  meta: CheckMeta;
  run(ctx: CheckContext): AsyncIterable<FindingDraft>;
}
