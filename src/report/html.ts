// One self-contained HTML file: inline CSS, no scripts, no external requests. Everything that came
// from the target (URLs, evidence, payloads, titles) passes through escapeHtml, and the CSP meta tag
// keeps a browser from running or fetching anything even if something slipped through.
import { VULN_ITEMS } from '../core/items.js';
import { SEVERITIES, type Finding, type Severity } from '../core/model.js';
import { GENERATOR, redactSecrets, reportFindings, type ReportInput } from './json.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Evidence is shown as text; control characters (a NUL from a payload) would break some viewers.
function shown(s: string): string {
  return escapeHtml(s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}
main{padding:16px 32px;max-width:1200px}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #d9dce3;padding:4px 10px;text-align:left;vertical-align:top}
.sev{display:inline-block;min-width:58px;text-align:center;border-radius:3px;padding:1px 6px;color:#fff;font-size:12px;font-weight:600;text-transform:uppercase}
.high{background:#c0262d}.medium{background:#d9771e}.low{background:#2f6fbe}.info{background:#6b7280}
section.item{margin-top:28px}section.item>h2{font-size:18px;border-bottom:2px solid #1d2330;padding-bottom:4px}
details.finding{background:#fff;border:1px solid #d9dce3;border-radius:4px;margin:8px 0;padding:6px 12px}
details.finding>summary{cursor:pointer;font-weight:600;word-break:break-all}
pre{background:#f0f1f4;border:1px solid #d9dce3;padding:8px;overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-all;font-size:12px}
.muted{color:#5b6272}.kv td:first-child{font-weight:600;white-space:nowrap}
`;

function badge(sev: Severity): string {
  return `<span class="sev ${sev}">${sev}</span>`;
}

function findingHtml(f: Finding, remediation: string | undefined): string {
  const rows: [string, string][] = [
    ['Check', f.check],
    ['Severity', `${badge(f.severity)} <span class="muted">confidence ${escapeHtml(f.confidence)}</span>`],
    ['CWE', `CWE-${escapeHtml(String(f.cwe))}`],
    ['Method', escapeHtml(f.method)],
    ['URL', shown(f.url)],
  ];
  if (f.parameter !== null) rows.push(['Parameter', `${shown(f.parameter)}${f.location ? ` <span class="muted">(${escapeHtml(f.location)})</span>` : ''}`]);
  if (f.payload !== null) rows.push(['Payload', `<code>${shown(f.payload)}</code>`]);
  if (remediation) rows.push(['Remediation', escapeHtml(remediation)]);
  return `<details class="finding"><summary>${badge(f.severity)} ${shown(f.title)} &mdash; ${shown(f.url)}</summary>
<table class="kv">${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${v}</td></tr>`).join('')}</table>
<h4>Proof</h4><pre>${shown(f.evidence.proof)}</pre>
<h4>Request</h4><pre>${shown(f.evidence.request)}</pre>
<h4>Response</h4><pre>${shown(f.evidence.response)}</pre>
<h4>Replay</h4><pre>${shown(f.curl)}</pre>
</details>`;
}

export function buildHtmlReport(input: ReportInput): string {
  const findings = reportFindings(input);
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;
  const remediation = new Map((input.checks ?? []).map((c) => [c.id, c.remediation]));
  const generated = new Date(input.generatedAt ?? Date.now()).toISOString();

  const summaryRows = [
    ['Target', shown(input.target)],
    ['Generated', escapeHtml(generated)],
    ['Items', shown(input.options.items.join(', '))],
    ['User agent', shown(input.options.userAgent)],
    ['Speed', shown(input.options.speed)],
    ['Requests', String(input.stats.requests)],
    ['Duration', `${(input.stats.durationMs / 1000).toFixed(1)} s`],
    ['URLs collected', String(input.stats.urls)],
  ];
  if (input.options.excludeUrls.length > 0) summaryRows.push(['Excluded', shown(input.options.excludeUrls.join(', '))]);
  if (Object.keys(input.options.headers).length > 0) summaryRows.push(['Job headers', shown(Object.keys(input.options.headers).join(', ')) + ' <span class="muted">(values redacted)</span>']);
  if (input.limitReached) summaryRows.push(['Stopped early', shown(input.limitReached)]);

  const sections: string[] = [];
  for (const item of VULN_ITEMS) {
    const group = findings.filter((f) => f.item === item);
    if (group.length === 0) continue;
    sections.push(`<section class="item"><h2>${escapeHtml(item)} <span class="muted">(${group.length})</span></h2>
${group.map((f) => findingHtml(f, remediation.get(f.check))).join('\n')}
</section>`);
  }
  // Items sorted by their worst finding, so the most urgent group comes first.
  const rank = (html: string): number => SEVERITIES.findIndex((s) => html.includes(`class="sev ${s}"`));
  sections.sort((a, b) => rank(a) - rank(b));

  const urlRows = input.urls
    .slice(0, 5000)
    .map((u) => `<tr><td>${escapeHtml(u.method)}</td><td>${shown(redactSecrets(u.url, input.options.headers))}</td></tr>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wsc report &mdash; ${shown(input.target)}</title>
<style>${CSS}</style></head>
<body><header><h1>Web security scan report</h1><div>${shown(input.target)}</div></header>
<main>
<h2>Summary</h2>
<table class="kv">${summaryRows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</table>
<p>${SEVERITIES.map((s) => `${badge(s)} ${counts[s]}`).join(' &nbsp; ')} &nbsp; <strong>${findings.length}</strong> finding${findings.length === 1 ? '' : 's'}</p>
${sections.length > 0 ? sections.join('\n') : '<p>No findings.</p>'}
<section class="item"><h2>Collected URLs <span class="muted">(${input.urls.length})</span></h2>
<details><summary>Show</summary><table>${urlRows}</table>${input.urls.length > 5000 ? '<p class="muted">First 5000 shown.</p>' : ''}</details></section>
<p class="muted">${escapeHtml(GENERATOR)}</p>
</main></body></html>
`;
}
