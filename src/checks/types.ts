// The contract between the engine and a check. A check is metadata plus one async generator;
// the engine owns insertion points, de-duplication, budgets, storage and abort.
import type { ScanItem } from '../core/items.js';
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
  item: ScanItem;
  title: string;
  severity: Severity;
  confidence: Confidence;
  cwe: number;
  references: string[];
  /** What a developer should do, in a sentence or three. */
  remediation: string;
  /** Upper bound on requests this check may send per crawled request (the engine enforces it). */
  requestBudget: number;
  /**
   * True when the check's work is one independent piece per attack target (ctx.requests): run
   * over any partition of the targets, with every page as context, it finds what it finds over
   * all of them. A farm may then split it into units of a few targets run by several workers.
   */
  perTarget?: boolean;
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
  /**
   * Send as an anonymous visitor: the job's credentials (Cookie, Authorization and credential-like
   * headers) and the cookie jar are left out, and cookies this answer sets are not kept.
   */
  withoutAuth?: boolean;
  /**
   * Put the URL's path on the wire as written, without WHATWG dot-segment removal, so probes such
   * as "/cgi-bin/.%2e/.%2e/etc/passwd" reach the server unchanged (printable ASCII paths only).
   */
  rawPath?: boolean;
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

/** One out-of-band probe: a URL unique to it, on the OAST listener. */
export interface OastProbe {
  id: string;
  /** e.g. http://127.0.0.1:40123/o/3f2a9c... (any path or query may be appended). */
  url: string;
  /** host[:port] of the listener, for payloads that need a bare host. */
  host: string;
}

/** A request the listener received for a probe. */
export interface OastHit {
  id: string;
  /** The label given to probe(): which job, check and insertion point it belongs to. */
  label: string;
  at: number;
  method: string;
  path: string;
  remote: string;
  headers: Record<string, string>;
}

/**
 * The built-in out-of-band listener. A hit proves the target fetched a URL only we handed out; the
 * listener answers every probe URL with the marker `wsc-oast-<id>` so a fetched-and-included file
 * (RFI) shows up in the page too.
 */
export interface Oast {
  probe(label: string): OastProbe;
  /** The marker text the listener serves for a probe. */
  marker(id: string): string;
  /**
   * What the listener serves under the probe's URL + `path` for inclusion tests: markup with an
   * element named `element` and a PHP block that prints `computed` (a product the source text does
   * not hold). A page that shows `computed` ran our code; one that holds `<element>` unescaped
   * rendered our markup; one that holds only the marker just displayed what it fetched.
   */
  inclusion(id: string): { path: string; element: string; computed: string };
  /** Hits on these probes; waits up to waitMs (default 0) for the first one to arrive. */
  hits(ids: readonly string[], waitMs?: number): Promise<OastHit[]>;
}

export interface CheckContext {
  /** Every attack target the crawler found (de-duplicated by path and parameter names, and by page structure behind them). */
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
  /**
   * The anti-CSRF tokens the engine found for a crawled form or script request (field or header
   * names; empty when none), as src/engine/csrf.ts detects them for every check's submissions.
   */
  antiCsrfTokens?(request: CrawledRequest): Promise<{ kind: 'field' | 'header'; name: string }[]>;
  /** The StartUrl of the job. */
  startUrl: string;
  /** True when the job sends credentials (Cookie, Authorization...): send(..., { withoutAuth }) then differs. */
  authenticated?: boolean;
  signal: AbortSignal;
  log(message: string, data?: Record<string, unknown>): void;
  /** The out-of-band listener, when the engine has one (it always does in `wsc serve` and `wsc scan`). */
  oast?: Oast;
  /**
   * The code path of `url` as the crawl learned it ("page=login.php", or "" when its path has
   * none), `parameter` left out: part of a finding's identity (see findingKey), so a check that
   * stops at the first finding per path and parameter keys by it too (see pointKey).
   */
  codePath?(url: string, parameter: string | null): string;
  /** Optional: how far the check is through its own targets, for the job's progress figure. */
  progress?(done: number, total: number): void;
  /**
   * Raw bytes over a fresh TCP/TLS connection to the job's origin (or its http/https twin), for
   * probes an HTTP client cannot express (request smuggling). Counted against the check's budget.
   */
  raw?(bytes: string, options?: RawSendOptions): Promise<RawExchange>;
  /** One TLS handshake with the given offer against the job's origin (or its https twin). */
  tlsProbe?(options?: TlsProbeOptions): Promise<TlsProbeResult>;
  /**
   * Page loads in the job's headless browser (scope, headers and egress guard applied to every
   * request the page makes), when Chromium is available; absent otherwise (the engine logs why).
   */
  browser?: BrowserCapability;
}

/** One page load with sources planted and the marker function watched, for DOM XSS. */
export interface DomVisit {
  url: string;
  /** Name of the global function payloads call (letters and digits): a call to it is the proof. */
  marker: string;
  /** document.referrer of the load (a URL of the job's origin, so no policy trims it). */
  referrer?: string;
  windowName?: string;
  localStorage?: Record<string, string>;
  sessionStorage?: Record<string, string>;
  /** Set through document.cookie with the URL's path, before the page's scripts run. */
  cookies?: { name: string; value: string }[];
  /** Posted to the page, loaded in a frame of a page of the scanner's own origin, once it loaded. */
  messages?: unknown[];
  /** After the page settled, click links whose javascript: URL holds the marker. */
  clickMarked?: boolean;
  /** How long scripts get after the load event (default 1000 ms). */
  settleMs?: number;
}

export interface DomCall {
  /** The argument the marker was called with. */
  id: string;
  /** Stack of the call (frames of the scanner's own hooks left out). */
  stack: string;
  /** URL of the document it ran in. */
  frame: string;
}

export interface DomSinkWrite {
  /** innerHTML, document.write, setTimeout, iframe.src... */
  sink: string;
  value: string;
  stack: string;
  frame: string;
}

export interface DomVisitResult {
  url: string;
  /** Where the page ended up (its scripts may navigate). */
  finalUrl: string;
  /** Status of the page's own response, null when none came. */
  status: number | null;
  /** Origin of the page that posted `messages`. */
  messageOrigin?: string;
  calls: DomCall[];
  /** Values holding the marker that reached a watched sink, in order. */
  sinks: DomSinkWrite[];
  dialogs: { type: string; message: string }[];
  /** Requests the page made (document, scripts, frames, XHR...). */
  requests: number;
  /** Set when the load failed (timeout, crash, refused): what did run still counts. */
  error?: string;
  /** What went wrong without spoiling the visit (storage not writable, a dialog left open...). */
  notes?: string[];
}

export interface BrowserCapability {
  visit(visit: DomVisit): Promise<DomVisitResult>;
  /** Page loads the browser serves at once; more wait their turn. */
  concurrency?: number;
}

export interface RawSendOptions {
  /** Origin to connect to: the StartUrl's (default) or its scheme twin (http <-> https). */
  origin?: string;
  timeoutMs?: number;
  maxBytes?: number;
  /** Stop reading once this many complete responses arrived. */
  responses?: number;
}

/** One HTTP/1.x response as read off a raw connection (latin1 text). */
export interface RawHttpResponse {
  status: number;
  headers: [string, string][];
  body: string;
  /** False when the connection ended or timed out before the framing said the body was over. */
  complete: boolean;
}

export interface RawExchange {
  /** What was written, as latin1 text. */
  request: string;
  /** Everything read back, as latin1 text. */
  data: string;
  responses: RawHttpResponse[];
  timeMs: number;
  /** Milliseconds until the first byte came back; null when none did. */
  firstByteMs: number | null;
  /** The peer closed (rather than our timeout, byte cap or response count ending it). */
  closed: boolean;
  /** Our timeout ended the exchange. */
  timedOut: boolean;
}

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface TlsProbeOptions {
  /** An https:// origin: the StartUrl's (default) or the https twin of an http StartUrl. */
  origin?: string;
  minVersion?: TlsVersion;
  maxVersion?: TlsVersion;
  /** OpenSSL cipher string for TLS 1.2 and older, e.g. "aNULL:@SECLEVEL=0". */
  ciphers?: string;
  timeoutMs?: number;
}

export interface TlsProbeResult {
  host: string;
  port: number;
  /** The handshake completed. */
  connected: boolean;
  /** The runtime cannot make this offer at all (e.g. no cipher of the string is compiled in). */
  unsupported: boolean;
  error: string | null;
  protocol: string | null;
  cipher: { name: string; standardName: string; version: string } | null;
  /** The chain verified against the trusted roots (authorizationError says why not). */
  authorized: boolean;
  authorizationError: string | null;
  /** The peer's chain, leaf first, DER. */
  chain: Uint8Array[];
  timeMs: number;
}

export interface Check {
  meta: CheckMeta;
  run(ctx: CheckContext): AsyncIterable<FindingDraft>;
}
