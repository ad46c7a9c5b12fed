// The versioned JSON report of a finished scan, and the redaction every report rendering applies:
// the values of the job's own headers (auth cookies, tokens) never leave the engine in clear.
import { VULN_ITEMS, isVulnItem, type VulnItem } from '../core/items.js';
import { SEVERITIES, type Finding, type Severity } from '../core/model.js';
import type { BrowserEngineInfo, CollectedUrl, EngineLimits } from '../engine/types.js';
import type { FindingDiff, RescanStatus } from './diff.js';

export const REPORT_VERSION = 1;
export const REDACTED = '<redacted>';

/** Check metadata a report may show (rules in SARIF, remediation in HTML); see CheckMeta. */
export interface CheckInfo {
  id: string;
  item: VulnItem;
  title: string;
  severity: Severity;
  confidence: Finding['confidence'];
  cwe: number;
  remediation: string;
  references: string[];
}

/** What every report rendering (JSON, SARIF, HTML) is built from. */
export interface ReportInput {
  target: string;
  options: {
    /** As requested: ["ALL"] or VulnItems words. */
    items: string[];
    userAgent: string;
    speed: string;
    excludeUrls: string[];
    /** The job's headers; only their names are reported, and their values are redacted everywhere. */
    headers: Record<string, string>;
    limits?: Partial<EngineLimits>;
    /** The Crawl option (absent: the default, "auto"). */
    crawl?: string;
  };
  /** tokenForms/tokenRejected: anti-CSRF token targets and those whose fresh token was refused (HTML summary only). */
  stats: { requests: number; durationMs: number; urls: number; tokenForms?: number; tokenRejected?: number; browser?: BrowserEngineInfo };
  urls: CollectedUrl[];
  findings: Finding[];
  /** Epoch ms; defaults to now. */
  generatedAt?: number;
  limitReached?: string;
  /** Metadata of the checks (pass `allChecks.map((c) => c.meta)`); the JSON report does not use it. */
  checks?: CheckInfo[];
  /** The stored job behind the report, when it came from the service (wsc scan has none). */
  job?: ReportJob;
  /** Re-diagnosis: this job's findings against its master's (see diff.ts). Findings already redacted. */
  comparison?: FindingDiff;
}

export interface ReportJob {
  id: string;
  memo: string | null;
  /** Epoch ms. */
  startedAt: number | null;
  endedAt: number | null;
  crawlMs: number | null;
  scanMs: number | null;
  /** IANA zone the dates are shown in. */
  timeZone: string;
  masterId: string | null;
}

/**
 * Report format version 1. Field names are snake_case at the top level (as the NCP API is); each
 * finding keeps the shape of `Finding` in src/core/model.ts, with `item` one of the 21 VulnItems.
 */
export interface JsonReport {
  version: 1;
  generator: string;
  generated_at: string;
  target: string;
  options: {
    items: string[];
    user_agent: string;
    speed: string;
    exclude_urls: string[];
    /** Names only. */
    header_names: string[];
    limits: Partial<EngineLimits>;
  };
  stats: { requests: number; duration_ms: number; urls: number };
  limit_reached: string | null;
  summary: { total: number; by_severity: Record<Severity, number>; by_item: Partial<Record<VulnItem, number>> };
  urls: { method: string; url: string }[];
  findings: Finding[];
  /** What the browser engine did, or why it was not used (additive to version 1; absent for jobs from before it). */
  browser_engine?: { mode: string; used: boolean; reason: string; rendered?: number; targets?: number; routes?: number; blocked?: number; crashes?: number };
  /** Present on a re-diagnosis: each finding's status against the master (additive to version 1). */
  comparison?: {
    master_instance_no: string;
    counts: Record<RescanStatus, number>;
    entries: { status: RescanStatus; item: string; url: string; method: string; parameter: string | null; severity: Severity; title: string }[];
  };
}

export const GENERATOR = 'wsc 0.1.0';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Secret strings hidden in a header value: the whole value, each cookie value, a bearer token. */
function secretParts(value: string): string[] {
  const parts = new Set<string>();
  const v = value.trim();
  if (v.length >= 4) parts.add(v);
  for (const piece of v.split(';')) {
    const eq = piece.indexOf('=');
    const val = (eq === -1 ? piece : piece.slice(eq + 1)).trim();
    if (val.length >= 6) parts.add(val);
  }
  const scheme = /^\S+\s+(\S{6,})$/.exec(v);
  if (scheme?.[1]) parts.add(scheme[1]);
  return [...parts].sort((a, b) => b.length - a.length);
}

/**
 * The forms a target may echo a secret in: raw, URL-encoded (either case of %XX, + for space),
 * HTML-escaped, hex (any case), base64 and base64url. Base64 of a longer text that contains the
 * secret depends on where the secret starts, so for each of the three alignments the characters
 * made from the secret's bytes alone are listed too. Longest first, so a whole form is replaced
 * before a part of it.
 */
export function secretForms(secret: string): SecretForms {
  const known = formsCache.get(secret);
  if (known) return known;
  const literal = new Set<string>([secret]);
  const caseless = new Set<string>();
  const url = encodeURIComponent(secret);
  for (const u of [url, url.replace(/%20/g, '+'), encodeURI(secret)]) {
    literal.add(u);
    literal.add(u.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  }
  const html = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  for (const q of ['&#39;', '&#x27;', '&apos;']) literal.add(html.replace(/'/g, q));
  const bytes = Buffer.from(secret, 'utf8');
  caseless.add(bytes.toString('hex'));
  literal.add(bytes.toString('base64'));
  literal.add(bytes.toString('base64url'));
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const n = k + bytes.length;
    // characters before `start` mix in the unknown bytes ahead; after `end`, the bytes behind
    const start = [0, 2, 3][k] ?? 0;
    const end = Math.floor(n / 3) * 4 + (n % 3);
    const core = b64.slice(start, end);
    if (core.length >= 8) {
      literal.add(core);
      literal.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  const byLength = (a: string, b: string): number => b.length - a.length;
  const forms = {
    literal: [...literal].filter((f) => f.length >= 4).sort(byLength),
    caseless: [...caseless].sort(byLength).map((h) => new RegExp(h, 'gi')),
  };
  // every finding of a job is redacted with the same few secrets
  if (formsCache.size >= 256) formsCache.clear();
  formsCache.set(secret, forms);
  return forms;
}

interface SecretForms {
  literal: string[];
  /** Hex, matched in any case. */
  caseless: RegExp[];
}

const formsCache = new Map<string, SecretForms>();

/** Replaces the job's header values, in every form a target may echo them, with "<redacted>". */
export function redactSecrets(text: string, headers: Record<string, string>): string {
  let out = text;
  for (const [name, value] of Object.entries(headers)) {
    out = out.replace(new RegExp(`^(${escapeRegExp(name)}):[^\\r\\n]*`, 'gim'), `$1: ${REDACTED}`);
    for (const part of secretParts(value)) {
      const forms = secretForms(part);
      for (const re of forms.caseless) out = out.replace(re, REDACTED);
      for (const f of forms.literal) out = out.split(f).join(REDACTED);
    }
    // a curl line carries headers as -H 'Name: value'
    out = out.replace(new RegExp(`(-H\\s+'${escapeRegExp(name)}:)[^']*'`, 'gi'), `$1 ${REDACTED}'`);
  }
  return out;
}

export function redactFinding(f: Finding, headers: Record<string, string>): Finding {
  if (Object.keys(headers).length === 0) return f;
  const r = (s: string): string => redactSecrets(s, headers);
  return {
    ...f,
    url: r(f.url),
    payload: f.payload === null ? null : r(f.payload),
    evidence: { request: r(f.evidence.request), response: r(f.evidence.response), proof: r(f.evidence.proof) },
    curl: r(f.curl),
  };
}

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2, info: 3 };

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    VULN_ITEMS.indexOf(a.item) - VULN_ITEMS.indexOf(b.item) ||
    a.url.localeCompare(b.url) ||
    (a.parameter ?? '').localeCompare(b.parameter ?? '')
  );
}

/** Findings ready for any report: only known items, redacted, sorted by severity. */
export function reportFindings(input: ReportInput): Finding[] {
  return input.findings
    .filter((f) => isVulnItem(f.item))
    .map((f) => redactFinding(f, input.options.headers))
    .sort(compareFindings);
}

export function buildJsonReport(input: ReportInput): JsonReport {
  const findings = reportFindings(input);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byItem: Partial<Record<VulnItem, number>> = {};
  for (const f of findings) {
    bySeverity[f.severity]++;
    byItem[f.item] = (byItem[f.item] ?? 0) + 1;
  }
  return {
    version: REPORT_VERSION,
    generator: GENERATOR,
    generated_at: new Date(input.generatedAt ?? Date.now()).toISOString(),
    target: input.target,
    options: {
      items: input.options.items,
      user_agent: input.options.userAgent,
      speed: input.options.speed,
      exclude_urls: input.options.excludeUrls,
      header_names: Object.keys(input.options.headers),
      limits: input.options.limits ?? {},
    },
    stats: { requests: input.stats.requests, duration_ms: input.stats.durationMs, urls: input.stats.urls },
    limit_reached: input.limitReached ?? null,
    summary: { total: findings.length, by_severity: bySeverity, by_item: byItem },
    urls: input.urls.map((u) => ({ method: u.method, url: redactSecrets(u.url, input.options.headers) })),
    findings,
    ...(input.stats.browser ? { browser_engine: browserEngine(input.stats.browser) } : {}),
    ...(input.comparison ? { comparison: jsonComparison(input.comparison, input.options.headers) } : {}),
  };
}

function browserEngine(b: BrowserEngineInfo): NonNullable<JsonReport['browser_engine']> {
  const out: NonNullable<JsonReport['browser_engine']> = { mode: b.mode, used: b.used, reason: b.reason };
  for (const k of ['rendered', 'targets', 'routes', 'blocked', 'crashes'] as const) if (b[k] !== undefined) out[k] = b[k];
  return out;
}

/** The browser engine in words, for the HTML/PDF summary and the CLI. */
export function browserEngineText(b: BrowserEngineInfo): string {
  if (!b.used) return `not used (Crawl "${b.mode}"): ${b.reason}`;
  const parts = [`${b.rendered ?? 0} page states rendered`, `${b.targets ?? 0} targets added`, `${b.routes ?? 0} client routes`];
  if ((b.blocked ?? 0) > 0) parts.push(`${b.blocked} requests refused (scope)`);
  if ((b.crashes ?? 0) > 0) parts.push(`${b.crashes} crashes`);
  if (b.limitReached) parts.push(`stopped at ${b.limitReached}`);
  return `used (${b.reason}): ${parts.join(', ')}`;
}

function jsonComparison(diff: FindingDiff, headers: Record<string, string>): NonNullable<JsonReport['comparison']> {
  return {
    master_instance_no: diff.masterId,
    counts: diff.counts,
    entries: diff.entries.map(({ status, finding }) => {
      const f = redactFinding(finding, headers);
      return { status, item: f.item, url: f.url, method: f.method, parameter: f.parameter, severity: f.severity, title: f.title };
    }),
  };
}
