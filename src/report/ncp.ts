// NCP's getReport shape: the console's report fields, served in the usual envelope. Levels map
// high/medium/low to High/Medium/Low; our "info" findings count as Low (NCP has three levels).
// Not_Scanned_Domain_List is best effort: the crawler keeps only in-scope URLs, so the hosts listed
// are those that absolute URLs in the collected URLs (query values) and in the stored evidence point
// to, minus the scanned ones.
import { SCAN_ITEMS, resolveVulnItems } from '../core/items.js';
import type { Severity } from '../core/model.js';
import { formatDateTime } from '../core/time.js';
import { probeFilesOf } from './content.js';
import { statusOf, type RescanStatus } from './diff.js';
import { GUIDANCE, cweRef } from './guidance.js';
import { REDACTED, redactFinding, redactSecrets, reportFindings, type ReportInput } from './json.js';

export type NcpLevel = 'High' | 'Medium' | 'Low';
export interface LevelCounts {
  Total: number;
  High: number;
  Medium: number;
  Low: number;
}

export interface NcpDetail {
  No: number;
  Risk_Level: NcpLevel;
  Vulnerability: string;
  Title: string;
  Domain: string;
  Url: string;
  Method: string;
  Parameter: string | null;
  Payload: string | null;
  Cwe: string;
  Owasp: string;
  Confidence: string;
  Description: string;
  Request: string;
  Response: string;
  Proof: string;
  Curl: string;
  Probe_Files: string[];
  Rescan_Status?: RescanStatus;
}

export interface NcpReport {
  instanceNo: string;
  report_date: string;
  Target_Info: string;
  Crawl_Time: string | null;
  Scan_Time: string | null;
  Excluded_Url: string[];
  Login_Info: { Header_Names: string[]; Values: string };
  Vulnerability_Category: string[];
  User_Agent: string;
  Speed: string;
  Memo: string | null;
  Scanned_Domain_List: string[];
  Not_Scanned_Domain_List: string[];
  Classify_byRisk_Level: LevelCounts;
  Classify_byRisk_Domain: ({ Domain: string } & LevelCounts)[];
  Classify_byRisk_Vulnerability: ({ Vulnerability: string } & LevelCounts)[];
  Details: NcpDetail[];
  Recommendation: { Vulnerability: string; Owasp: string; Recommendation: string }[];
  Rescan?: {
    Master_InstanceNo: string;
    Fixed: number;
    Still_Present: number;
    New: number;
    Fixed_List: { Vulnerability: string; Url: string; Parameter: string | null; Risk_Level: NcpLevel }[];
  };
}

export function ncpLevel(s: Severity): NcpLevel {
  return s === 'high' ? 'High' : s === 'medium' ? 'Medium' : 'Low';
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    // relative or malformed URL: it names no host
    return null;
  }
}

function zero(): LevelCounts {
  return { Total: 0, High: 0, Medium: 0, Low: 0 };
}

function span(from: number | null, to: number | null, tz: string): string | null {
  if (from === null || to === null) return null;
  return `${formatDateTime(from, tz, '/')}~${formatDateTime(to, tz, '/')}`;
}

const ABSOLUTE_URL = /https?:\/\/[A-Za-z0-9.-]+(?::\d+)?/g;

export function buildNcpReport(input: ReportInput): NcpReport {
  const findings = reportFindings(input);
  const headers = input.options.headers;
  const job = input.job;
  const tz = job?.timeZone ?? 'UTC';
  const checks = new Map((input.checks ?? []).map((c) => [c.id, c]));

  const scanned = new Set<string>();
  for (const u of [{ url: input.target }, ...input.urls]) {
    const h = hostOf(u.url);
    if (h) scanned.add(h);
  }
  const seen = new Set<string>();
  const collect = (text: string): void => {
    for (const m of text.matchAll(ABSOLUTE_URL)) {
      const h = hostOf(m[0]);
      if (h && !scanned.has(h)) seen.add(h);
    }
  };
  for (const u of input.urls) collect(decodeSafe(new URL(u.url, input.target).search));
  for (const f of findings) collect(f.evidence.response);

  const level = zero();
  const byDomain = new Map<string, LevelCounts>();
  const byItem = new Map<string, LevelCounts>();
  const requested = resolveVulnItems(input.options.items) ?? [];
  for (const item of SCAN_ITEMS) if (requested.includes(item)) byItem.set(item, zero());
  const bump = (c: LevelCounts, l: NcpLevel): void => {
    c.Total++;
    c[l]++;
  };
  const details = findings.map((f, i): NcpDetail => {
    const l = ncpLevel(f.severity);
    const domain = hostOf(f.url) ?? '';
    bump(level, l);
    const d = byDomain.get(domain) ?? zero();
    bump(d, l);
    byDomain.set(domain, d);
    const it = byItem.get(f.item) ?? zero();
    bump(it, l);
    byItem.set(f.item, it);
    const g = GUIDANCE[f.item];
    const detail: NcpDetail = {
      No: i + 1,
      Risk_Level: l,
      Vulnerability: f.item,
      Title: f.title,
      Domain: domain,
      Url: f.url,
      Method: f.method,
      Parameter: f.parameter,
      Payload: f.payload,
      Cwe: cweRef(f.cwe || g.cwe).id,
      Owasp: g.owasp,
      Confidence: f.confidence,
      Description: `${g.what} ${g.why}`,
      Request: f.evidence.request,
      Response: f.evidence.response,
      Proof: f.evidence.proof,
      Curl: f.curl,
      Probe_Files: probeFilesOf(f).map((p) => redactSecrets(p, headers)),
    };
    const st = statusOf(input.comparison, f);
    if (st) detail.Rescan_Status = st;
    return detail;
  });

  const items = [...new Set(findings.map((f) => f.item))];
  const report: NcpReport = {
    instanceNo: job?.id ?? '',
    report_date: formatDateTime(input.generatedAt ?? Date.now(), tz, '/'),
    Target_Info: input.target,
    Crawl_Time: job && job.startedAt !== null && job.crawlMs !== null ? span(job.startedAt, job.startedAt + job.crawlMs, tz) : null,
    Scan_Time:
      job && job.startedAt !== null && job.endedAt !== null
        ? span(job.crawlMs !== null ? job.startedAt + job.crawlMs : job.startedAt, job.endedAt, tz)
        : null,
    Excluded_Url: input.options.excludeUrls,
    Login_Info: { Header_Names: Object.keys(headers), Values: REDACTED },
    Vulnerability_Category: input.options.items,
    User_Agent: input.options.userAgent,
    Speed: input.options.speed,
    Memo: job?.memo ?? null,
    Scanned_Domain_List: [...scanned].sort(),
    Not_Scanned_Domain_List: [...seen].sort(),
    Classify_byRisk_Level: level,
    Classify_byRisk_Domain: [...byDomain].map(([Domain, c]) => ({ Domain, ...c })),
    Classify_byRisk_Vulnerability: [...byItem].map(([Vulnerability, c]) => ({ Vulnerability, ...c })),
    Details: details,
    Recommendation: items.map((item) => {
      const metas = [...new Set(findings.filter((f) => f.item === item).map((f) => checks.get(f.check)?.remediation).filter((r): r is string => !!r))];
      return { Vulnerability: item, Owasp: GUIDANCE[item].owasp, Recommendation: [...metas, GUIDANCE[item].fix].join(' ') };
    }),
  };
  if (input.comparison) {
    const d = input.comparison;
    report.Rescan = {
      Master_InstanceNo: d.masterId,
      Fixed: d.counts.fixed,
      Still_Present: d.counts['still present'],
      New: d.counts.new,
      Fixed_List: d.entries
        .filter((e) => e.status === 'fixed')
        .map((e) => {
          const f = redactFinding(e.finding, headers);
          return { Vulnerability: f.item, Url: f.url, Parameter: f.parameter, Risk_Level: ncpLevel(f.severity) };
        }),
    };
  }
  return report;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // a malformed escape: the raw text still shows plain URLs
    return s;
  }
}
