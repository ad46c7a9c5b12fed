// One self-contained HTML file: inline CSS and SVG, no scripts, no external requests. Everything that
// came from the target (URLs, evidence, payloads, titles) passes through escapeHtml, and the CSP meta
// tag keeps a browser from running or fetching anything even if something slipped through.
import { SEVERITIES, type Severity } from '../core/model.js';
import { SEVERITY_COLORS, barChartSvg } from './charts.js';
import { buildContent, type FindingView, type Segment } from './content.js';
import { escapeHtml } from './html-escape.js';
import type { ReportInput } from './json.js';

export { escapeHtml };

// Evidence is shown as text; control characters (a NUL from a payload) would break some viewers.
function shown(s: string): string {
  return escapeHtml(s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function segments(parts: Segment[]): string {
  return parts.map((p) => (p.mark ? `<mark>${shown(p.text)}</mark>` : shown(p.text))).join('');
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2330;background:#f5f6f8}
header{background:#1d2330;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}
main{padding:16px 32px;max-width:1200px}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #d9dce3;padding:4px 10px;text-align:left;vertical-align:top}
.sev{display:inline-block;min-width:58px;text-align:center;border-radius:3px;padding:1px 6px;color:#fff;font-size:12px;font-weight:600;text-transform:uppercase}
.high{background:#c0262d}.medium{background:#d9771e}.low{background:#2f6fbe}.info{background:#6b7280}
.st{display:inline-block;border-radius:3px;padding:1px 6px;font-size:12px;font-weight:600;border:1px solid #1d2330}
.st-fixed{background:#d8f3dc}.st-new{background:#ffe3e3}.st-still{background:#fff3bf}
.charts{display:flex;flex-wrap:wrap;gap:24px;margin:12px 0}.chart{background:#fff;border:1px solid #d9dce3;padding:6px}
section.item{margin-top:28px}section.item>h2{font-size:18px;border-bottom:2px solid #1d2330;padding-bottom:4px}
.guide{background:#fff;border-left:4px solid #1d2330;padding:6px 12px;margin:8px 0}
article.finding{background:#fff;border:1px solid #d9dce3;border-radius:4px;margin:10px 0;padding:6px 12px;break-inside:avoid-page}
article.finding>h3{font-size:15px;margin:6px 0;word-break:break-all}
pre{background:#f0f1f4;border:1px solid #d9dce3;padding:8px;overflow:auto;max-height:420px;white-space:pre-wrap;word-break:break-all;font-size:12px}
mark{background:#ffd43b;color:#000;font-weight:700}
.muted{color:#5b6272}.kv td:first-child{font-weight:600;white-space:nowrap}
.warn{background:#fff3bf;border-left:4px solid #d9771e;padding:6px 12px}
@media print{body{background:#fff}header{background:#fff;color:#000;border-bottom:2px solid #000}pre{max-height:none;overflow:visible}
.sev,.st,mark{-webkit-print-color-adjust:exact;print-color-adjust:exact}section.item>h2{break-after:avoid}}
`;

function badge(sev: Severity): string {
  return `<span class="sev ${sev}">${sev}</span>`;
}

function statusBadge(status: string): string {
  const cls = status === 'fixed' ? 'st-fixed' : status === 'new' ? 'st-new' : 'st-still';
  return `<span class="st ${cls}">${escapeHtml(status)}</span>`;
}

function kv(rows: [string, string][]): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${v}</td></tr>`).join('')}</table>`;
}

function findingHtml(v: FindingView, n: string): string {
  const f = v.finding;
  const rows: [string, string][] = [
    ['Check', shown(f.check)],
    ['Severity', `${badge(f.severity)} <span class="muted">confidence ${escapeHtml(f.confidence)}</span>`],
    ['References', `${escapeHtml(v.cwe.id)} &middot; OWASP ${escapeHtml(v.owasp)}`],
    ['Method', shown(f.method)],
    ['URL', shown(f.url)],
  ];
  if (v.status) rows.unshift(['Re-diagnosis', statusBadge(v.status)]);
  if (f.parameter !== null) rows.push(['Parameter', `${shown(f.parameter)}${f.location ? ` <span class="muted">(${escapeHtml(f.location)})</span>` : ''}`]);
  if (f.payload !== null) rows.push(['Payload', `<code><mark>${shown(f.payload)}</mark></code>`]);
  rows.push(['How to fix', escapeHtml(v.fix)]);
  rows.push(['Read more', v.references.map(shown).join('<br>')]);
  const probes = v.probeFiles.length > 0
    ? `<h4>Uploaded probe files to delete</h4><ul class="probes">${v.probeFiles.map((p) => `<li>${shown(p)}</li>`).join('')}</ul>`
    : '';
  return `<article class="finding"><h3>${n}. ${badge(f.severity)} ${shown(f.title)} &mdash; ${shown(f.url)}</h3>
${kv(rows)}
<h4>Proof</h4><pre>${segments(v.proof)}</pre>
<h4>Request</h4><pre>${segments(v.request)}</pre>
<h4>Response (excerpt)</h4><pre>${segments(v.response)}</pre>
<h4>Replay with curl</h4><pre>${shown(f.curl)}</pre>
${probes}</article>`;
}

export function buildHtmlReport(input: ReportInput): string {
  const c = buildContent(input);
  const sevChart = barChartSvg('Findings by severity', SEVERITIES.map((s) => ({ label: s, value: c.bySeverity[s], color: SEVERITY_COLORS[s] })));
  const itemChart = barChartSvg('Findings by item', c.byItem.map((i) => ({ label: i.item, value: i.count, color: SEVERITY_COLORS[i.worst] })));

  const sections = c.groups.map((g, gi) => {
    const first = g.findings[0]!;
    return `<section class="item"><h2>${escapeHtml(g.item)} <span class="muted">(${g.findings.length})</span></h2>
<div class="guide"><p><strong>What it is.</strong> ${escapeHtml(first.what)}</p><p><strong>Why it matters.</strong> ${escapeHtml(first.why)}</p>
<p><strong>OWASP Top 10:</strong> ${escapeHtml(first.owasp)}</p></div>
${g.findings.map((v, i) => findingHtml(v, `${gi + 1}.${i + 1}`)).join('\n')}
</section>`;
  });

  let rescan = '';
  if (c.comparison) {
    const d = c.comparison;
    const rows = d.entries
      .map((e) => `<tr><td>${statusBadge(e.status)}</td><td>${badge(e.finding.severity)}</td><td>${escapeHtml(e.finding.item)}</td><td>${shown(e.finding.url)}</td><td>${shown(e.finding.parameter ?? '')}</td></tr>`)
      .join('');
    rescan = `<section class="item" id="rescan"><h2>Re-diagnosis against job ${escapeHtml(d.masterId)}</h2>
<p>${statusBadge('fixed')} ${d.counts.fixed} &nbsp; ${statusBadge('still present')} ${d.counts['still present']} &nbsp; ${statusBadge('new')} ${d.counts.new}</p>
${d.entries.length > 0 ? `<table><tr><th>Status</th><th>Severity</th><th>Item</th><th>URL</th><th>Parameter</th></tr>${rows}</table>` : '<p>No findings in either job.</p>'}</section>`;
  }

  const urlRows = c.urls
    .slice(0, 5000)
    .map((u) => `<tr><td>${shown(u.method)}</td><td>${shown(u.url)}</td></tr>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wsc report &mdash; ${shown(c.target)}</title>
<style>${CSS}</style></head>
<body><header><h1>Web security scan report</h1><div>${shown(c.target)}</div></header>
<main>
<section id="summary"><h2>Summary</h2>
${kv(c.summary.map(([k, v]) => [k, shown(v)]))}
<p>${SEVERITIES.map((s) => `${badge(s)} ${c.bySeverity[s]}`).join(' &nbsp; ')} &nbsp; <strong>${c.total}</strong> finding${c.total === 1 ? '' : 's'}</p>
<div class="charts">${sevChart}${itemChart}</div></section>
${c.health ? `<section class="item" id="health"><h2>Scan health</h2>
${c.verdict !== 'healthy' ? `<p class="warn"><strong>${c.verdict === 'down' ? 'The target stopped answering: this scan ended early.' : 'Coverage was degraded: findings may be missing.'}</strong></p>
` : ''}${kv(c.health.map(([k, v]) => [k, shown(v)]))}</section>` : ''}
${rescan}
<div id="findings">${sections.length > 0 ? sections.join('\n') : '<p>No findings.</p>'}</div>
<section class="item" id="urls"><h2>Collected URLs <span class="muted">(${c.urls.length})</span></h2>
<table>${urlRows}</table>${c.urls.length > 5000 ? '<p class="muted">First 5000 shown.</p>' : ''}</section>
<p class="muted">${escapeHtml(c.generator)} &middot; generated ${escapeHtml(c.generatedAt)}</p>
</main></body></html>
`;
}
