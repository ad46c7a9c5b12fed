// The content every human-readable report (HTML, PDF) shows, computed once: summary, counts, groups
// by item sorted by severity, and per finding the guidance, references, highlighted evidence and
// probe files. Renderers only lay it out. Input strings are raw (renderers escape for their medium).
import { VULN_ITEMS, type VulnItem } from '../core/items.js';
import { SEVERITIES, type Finding, type Severity } from '../core/model.js';
import { formatDateTime } from '../core/time.js';
import { statusOf, type FindingDiff, type RescanStatus } from './diff.js';
import { GUIDANCE, cweRef } from './guidance.js';
import { browserEngineText, GENERATOR, redactFinding, redactSecrets, reportFindings, type ReportInput } from './json.js';

export interface Segment {
  text: string;
  /** True for the part that is the payload (highlighted). */
  mark: boolean;
}

export interface FindingView {
  finding: Finding;
  /** Re-diagnosis status against the master, when this report is a re-diagnosis. */
  status?: RescanStatus;
  what: string;
  why: string;
  fix: string;
  cwe: { id: string; url: string };
  owasp: string;
  references: string[];
  request: Segment[];
  response: Segment[];
  proof: Segment[];
  probeFiles: string[];
}

export interface ItemGroup {
  item: VulnItem;
  worst: Severity;
  findings: FindingView[];
}

export interface ReportContent {
  target: string;
  generatedAt: string;
  summary: [string, string][];
  bySeverity: Record<Severity, number>;
  byItem: { item: VulnItem; count: number; worst: Severity }[];
  total: number;
  groups: ItemGroup[];
  comparison?: FindingDiff;
  urls: { method: string; url: string }[];
  generator: string;
}

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2, info: 3 };

/** Splits text around every occurrence of the payload so renderers can highlight it. */
export function highlight(text: string, payload: string | null): Segment[] {
  if (!payload || payload.length < 2) return [{ text, mark: false }];
  const out: Segment[] = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf(payload, from);
    if (at === -1) break;
    if (at > from) out.push({ text: text.slice(from, at), mark: false });
    out.push({ text: payload, mark: true });
    from = at + payload.length;
  }
  if (from < text.length || out.length === 0) out.push({ text: text.slice(from), mark: false });
  return out;
}

/** finding.extra.probeFiles: files a check uploaded and the site owner should delete. */
export function probeFilesOf(f: Finding): string[] {
  const raw = f.extra?.probeFiles;
  if (!Array.isArray(raw)) return [];
  const out: string[] = [];
  for (const p of raw) {
    if (typeof p === 'string') out.push(p);
    else if (p !== null && typeof p === 'object') {
      const o = p as Record<string, unknown>;
      const where = o.url ?? o.path ?? o.name;
      if (typeof where === 'string') out.push(where);
    }
  }
  return out;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h} h ${m} min ${sec} s` : m > 0 ? `${m} min ${sec} s` : `${sec} s`;
}

export function buildContent(input: ReportInput): ReportContent {
  const findings = reportFindings(input);
  const headers = input.options.headers;
  const checks = new Map((input.checks ?? []).map((c) => [c.id, c]));
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) bySeverity[f.severity]++;

  const views = findings.map((f): FindingView => {
    const g = GUIDANCE[f.item];
    const meta = checks.get(f.check);
    const refs = [...new Set([cweRef(f.cwe).url, ...(meta?.references ?? [])])];
    const view: FindingView = {
      finding: f,
      what: g.what,
      why: g.why,
      fix: meta?.remediation ? `${meta.remediation} ${meta.remediation.includes(g.fix) ? '' : g.fix}`.trim() : g.fix,
      cwe: cweRef(f.cwe || g.cwe),
      owasp: g.owasp,
      references: refs,
      request: highlight(f.evidence.request, f.payload),
      response: highlight(f.evidence.response, f.payload),
      proof: highlight(f.evidence.proof, f.payload),
      probeFiles: probeFilesOf(f).map((p) => redactSecrets(p, headers)),
    };
    const status = statusOf(input.comparison, f);
    if (status) view.status = status;
    return view;
  });

  const groups: ItemGroup[] = [];
  for (const item of VULN_ITEMS) {
    const list = views.filter((v) => v.finding.item === item);
    if (list.length === 0) continue;
    const worst = list.reduce<Severity>((w, v) => (SEVERITY_RANK[v.finding.severity] < SEVERITY_RANK[w] ? v.finding.severity : w), 'info');
    groups.push({ item, worst, findings: list });
  }
  // Groups by their worst finding, then by the item list: the most urgent group comes first.
  groups.sort((a, b) => SEVERITY_RANK[a.worst] - SEVERITY_RANK[b.worst] || VULN_ITEMS.indexOf(a.item) - VULN_ITEMS.indexOf(b.item));

  const generatedMs = input.generatedAt ?? Date.now();
  const tz = input.job?.timeZone ?? 'UTC';
  const date = (ms: number): string => `${formatDateTime(ms, tz)} (${tz})`;
  const summary: [string, string][] = [['Target', input.target]];
  if (input.job) {
    summary.push(['Job', input.job.id + (input.job.masterId ? ` (re-diagnosis of ${input.job.masterId})` : '')]);
    if (input.job.memo) summary.push(['Memo', input.job.memo]);
    if (input.job.startedAt !== null) summary.push(['Started', date(input.job.startedAt)]);
    if (input.job.endedAt !== null) summary.push(['Ended', date(input.job.endedAt)]);
    if (input.job.crawlMs !== null) summary.push(['URL collection', formatDuration(input.job.crawlMs)]);
    if (input.job.scanMs !== null) summary.push(['Diagnosis', formatDuration(input.job.scanMs)]);
  }
  summary.push(
    ['Duration', formatDuration(input.stats.durationMs)],
    ['Generated', date(generatedMs)],
    ['Items', input.options.items.join(', ')],
    ['User agent', input.options.userAgent],
    ['Speed', input.options.speed],
    ['Requests', String(input.stats.requests)],
    ['URLs collected', String(input.stats.urls)],
  );
  if ((input.stats.tokenForms ?? 0) > 0) {
    const refused = input.stats.tokenRejected ?? 0;
    summary.push(['Anti-CSRF token forms', `${input.stats.tokenForms}${refused > 0 ? ` (${refused} refused a fresh token: attacks on them could not reach the code behind it, so no finding there does not mean safe)` : ''}`]);
  }
  if (input.stats.browser) summary.push(['Browser engine', redactSecrets(browserEngineText(input.stats.browser), headers)]);
  if (input.options.excludeUrls.length > 0) summary.push(['Excluded URLs', input.options.excludeUrls.join(', ')]);
  const headerNames = Object.keys(headers);
  if (headerNames.length > 0) summary.push(['Job headers', `${headerNames.join(', ')} (values redacted)`]);
  const limits = Object.entries(input.options.limits ?? {});
  if (limits.length > 0) summary.push(['Limits', limits.map(([k, v]) => `${k}=${String(v)}`).join(', ')]);
  if (input.limitReached) summary.push(['Stopped early', input.limitReached]);

  const content: ReportContent = {
    target: input.target,
    generatedAt: date(generatedMs),
    summary,
    bySeverity,
    byItem: groups.map((g) => ({ item: g.item, count: g.findings.length, worst: g.worst })),
    total: findings.length,
    groups,
    urls: input.urls.map((u) => ({ method: u.method, url: redactSecrets(u.url, headers) })),
    generator: GENERATOR,
  };
  if (input.comparison) {
    content.comparison = { ...input.comparison, entries: input.comparison.entries.map((e) => ({ ...e, finding: redactFinding(e.finding, headers) })) };
  }
  return content;
}
