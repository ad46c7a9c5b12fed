// Data shapes shared by the engine, the checks, the store and the reports.
import type { ScanItem } from './items.js';

export type Severity = 'high' | 'medium' | 'low' | 'info';
export type Confidence = 'certain' | 'firm' | 'tentative';
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info'];

/** One HTTP request the engine can send. Header names are as given; the engine adds job headers. */
export interface HttpRequestSpec {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** What came back, bounded by the job's limits. `body` is decoded text (latin1 for binary). */
export interface HttpResponseData {
  status: number;
  headers: Record<string, string>;
  /** Raw header pairs in arrival order, for checks that care about duplicates. */
  rawHeaders: [string, string][];
  body: string;
  /** Bytes received (before truncation). */
  bytes: number;
  /** True when the body was cut at the response size limit. */
  truncated: boolean;
  /** Time to the end of the body, in milliseconds. */
  timeMs: number;
  /** URL of the final response after any redirects that were followed. */
  url: string;
  /** Redirect hops followed, in order. */
  redirects: string[];
}

export interface HttpExchange {
  request: HttpRequestSpec;
  response: HttpResponseData;
}

export type BodyKind = 'urlencoded' | 'multipart' | 'json' | 'xml' | 'text';

export interface FormField {
  name: string;
  value: string;
  /** For multipart file fields. */
  filename?: string;
  contentType?: string;
  /** The control it came from: an input type (hidden, text, email...), select-one, textarea... */
  type?: string;
  /**
   * An unchecked checkbox or radio, or a select with nothing selected: a browser does not send it,
   * so neither does the request as crawled, but it is an insertion point (an attack sends it).
   */
  unsent?: boolean;
}

/** An attack target found by the crawler: a request template whose values checks may mutate. */
export interface CrawledRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  bodyKind?: BodyKind;
  /** urlencoded/multipart fields, in order. */
  fields?: FormField[];
  /** json/xml/text body as sent. */
  rawBody?: string;
  /** Query names a GET form did not send (unchecked checkboxes and radios): insertion points all the same. */
  absentQuery?: string[];
  /** Names in `headers` that are parameters of the operation (an API description's header parameters): insertion points. */
  headerParams?: string[];
  /** How it was found: link, form, script, sitemap, robots, redirect, start. */
  source: string;
  depth: number;
  /** The page it was found on, when any. */
  referer?: string;
}

export type InsertionLocation = 'query' | 'body' | 'multipart' | 'json' | 'path' | 'header' | 'cookie' | 'xml';

export interface Finding {
  item: ScanItem;
  /** Stable id of the check that raised it. */
  check: string;
  title: string;
  severity: Severity;
  confidence: Confidence;
  cwe: number;
  url: string;
  method: string;
  parameter: string | null;
  /**
   * The code path of `url` when its path has parameters that choose one (learned from the crawl:
   * pages of one path whose structure differs with these values), e.g. "page=login.php"; the
   * finding's own parameter left out. Absent otherwise. Part of the finding's identity.
   */
  codePath?: string;
  location: InsertionLocation | 'url' | 'response' | 'server' | null;
  payload: string | null;
  evidence: {
    request: string;
    response: string;
    proof: string;
  };
  curl: string;
  /** Extra structured facts (e.g. probe files to delete); optional. */
  extra?: Record<string, unknown>;
}

/**
 * Findings are de-duplicated by (item, url path, parameter, code path): the same parameter found
 * vulnerable on index.php?page=a and ?page=b is two findings, on 50,000 catalogue ids one. A
 * finding without a code path keys as it did before code paths existed.
 */
export function findingKey(f: Pick<Finding, 'item' | 'url' | 'parameter' | 'codePath'>): string {
  let path = f.url;
  try {
    path = new URL(f.url).pathname;
  } catch {
    // not an absolute URL: the raw value is the best key there is
  }
  const key = `${f.item}\u0000${path}\u0000${f.parameter ?? ''}`;
  return f.codePath === undefined || f.codePath === '' ? key : `${key}\u0000${f.codePath}`;
}
