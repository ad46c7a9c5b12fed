// The report of a completed job: the JSON report (GET /jobs/{id}/report?format=json) shown as a
// summary, findings filterable by item, severity and (for a re-diagnosis) fixed / still present /
// new, a finding's request, response and curl line, and signed downloads in every format.
// Evidence and response bodies are the target's words: they are shown as text, never as HTML.
import { call, download, signedHeaders, ApiFailure } from '../api.js';
import { html, useEffect, useMemo, useState } from '../lib.js';
import { navigate } from '../router.js';
import { Busy, ErrorBox, Notice, Page, SelectField, fmtTime, useLoad } from '../ui.js';
import { SEVERITIES } from '../items.js';

const FORMATS = [
  ['pdf', 'PDF'],
  ['html', 'HTML'],
  ['json', 'JSON'],
  ['sarif', 'SARIF'],
  ['ncp', 'NCP JSON (getReport)'],
];

async function loadReport(id) {
  const uri = `/api/v1/jobs/${encodeURIComponent(id)}/report?format=json`;
  const res = await fetch(uri, { headers: await signedHeaders('GET', uri) });
  const json = await res.json();
  if (!res.ok || json.error) throw new ApiFailure(res.status, json.error?.errorCode ?? res.status, json.error?.message ?? `HTTP ${res.status}`, json.error?.details);
  return json;
}

function keyOf(f) {
  let path = f.url;
  try {
    path = new URL(f.url).pathname;
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  return `${f.item}\u0000${path}\u0000${f.parameter ?? ''}`;
}

function Downloads({ id }) {
  const [msg, setMsg] = useState(null);
  const [error, setError] = useState(null);
  const get = async (fmt, label) => {
    setError(null);
    setMsg(`Preparing ${label}…`);
    try {
      if (fmt === 'ncp') {
        // the envelope answer of getReport, saved as it came
        const { resources } = await call('GET', `/api/v1/jobs/${id}/report`);
        const blob = new Blob([JSON.stringify(resources, null, 2)], { type: 'application/json' });
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = `wsc-report-${id}.ncp.json`;
        document.body.append(a);
        a.click();
        a.remove();
      } else {
        const ext = fmt === 'sarif' ? 'sarif' : fmt;
        await download(`/api/v1/jobs/${id}/report?format=${fmt}`, `wsc-report-${id}.${ext}`);
      }
      setMsg(`${label} report of job ${id} saved.`);
    } catch (e) {
      setMsg(null);
      setError(e);
    }
  };
  return html`<div class="card">
    <h2>Downloads</h2>
    <div class="actions">${FORMATS.map(([fmt, label]) => html`<button type="button" class="secondary" onClick=${() => get(fmt, label)}>Download ${label}</button>`)}</div>
    ${msg ? html`<${Notice} text=${msg} />` : null}
    <${ErrorBox} error=${error} />
  </div>`;
}

function Summary({ r }) {
  const s = r.summary;
  return html`<div class="card">
    <h2>Summary</h2>
    <dl class="facts">
      <dt>Target</dt><dd class="url">${r.target}</dd>
      <dt>Generated</dt><dd>${fmtTime(Date.parse(r.generated_at))}</dd>
      <dt>Findings</dt><dd id="summary-total">${s.total}</dd>
      <dt>By severity</dt><dd>${SEVERITIES.map((v) => html`<span class=${`sev ${v}`}>${v} ${s.by_severity[v] ?? 0}</span> `)}</dd>
      <dt>URLs</dt><dd>${r.stats.urls}</dd>
      <dt>Requests</dt><dd>${r.stats.requests}</dd>
      <dt>Duration</dt><dd>${(r.stats.duration_ms / 1000).toFixed(1)} s</dd>
      <dt>Items</dt><dd>${r.options.items.join(', ')}</dd>
      ${r.stats.health ? html`<dt>Scan health</dt><dd>${String(r.stats.health.verdict ?? '')}</dd>` : null}
      ${r.limit_reached ? html`<dt>Limit reached</dt><dd>${r.limit_reached}</dd>` : null}
    </dl>
    ${Object.keys(s.by_item).length
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Findings by item"><table><caption>Findings by item</caption><thead><tr><th scope="col">Item</th><th scope="col">Findings</th></tr></thead>
          <tbody>${Object.entries(s.by_item).map(([item, n]) => html`<tr><td>${item}</td><td>${n}</td></tr>`)}</tbody></table></div>`
      : null}
  </div>`;
}

function Comparison({ c, status, onStatus }) {
  return html`<div class="card" id="comparison">
    <h2>Re-diagnosis against job <a href=${`#/jobs/${c.master_instance_no}/report`}>${c.master_instance_no}</a></h2>
    <div class="actions" role="group" aria-label="Comparison counts">
      ${[['', 'all'], ['fixed', 'fixed'], ['still present', 'still present'], ['new', 'new']].map(
        ([v, text]) => html`<button type="button" class=${status === v ? '' : 'secondary'} aria-pressed=${status === v ? 'true' : 'false'} onClick=${() => onStatus(v)}>${text}${v ? ` (${c.counts[v]})` : ''}</button>`,
      )}
    </div>
    <div class="table-wrap" tabindex="0" role="region" aria-label="Comparison entries">
      <table class="comparison"><caption class="sr-only">Findings compared with the master job</caption>
        <thead><tr><th scope="col">Status</th><th scope="col">Severity</th><th scope="col">Item</th><th scope="col">Finding</th><th scope="col">URL</th><th scope="col">Parameter</th></tr></thead>
        <tbody>${c.entries.filter((e) => !status || e.status === status).map((e) => html`<tr class=${`cmp-${e.status.replace(' ', '-')}`}><td>${e.status}</td><td><span class=${`sev ${e.severity}`}>${e.severity}</span></td><td>${e.item}</td><td>${e.title}</td><td class="url">${e.method} ${e.url}</td><td>${e.parameter ?? ''}</td></tr>`)}</tbody>
      </table>
    </div>
  </div>`;
}

function CopyButton({ text, label }) {
  const [done, setDone] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone('Copied.');
    } catch (e) {
      setDone(`Copy refused by the browser (${e.name}); select the text instead.`);
    }
  };
  return html`<button type="button" class="secondary small" onClick=${copy}>${label}</button><span class="small" role="status">${done}</span>`;
}

function FindingDetail({ f, rescan, onClose }) {
  useEffect(() => document.getElementById('finding-title')?.focus(), [f]);
  return html`<div class="card finding-detail" id="finding-detail">
    <div class="page-head"><h2 id="finding-title" tabindex="-1">${f.title}</h2><button type="button" class="secondary small" onClick=${onClose}>Back to the list</button></div>
    <dl class="facts">
      <dt>Severity</dt><dd><span class=${`sev ${f.severity}`}>${f.severity}</span> (${f.confidence})</dd>
      ${rescan ? html`<dt>Against the master</dt><dd>${rescan}</dd>` : null}
      <dt>Item</dt><dd>${f.item}</dd>
      <dt>CWE</dt><dd>${f.cwe ? `CWE-${f.cwe}` : ''}</dd>
      <dt>URL</dt><dd class="url">${f.method} ${f.url}</dd>
      <dt>Parameter</dt><dd>${f.parameter ?? '—'}${f.location ? ` (${f.location})` : ''}</dd>
      <dt>Payload</dt><dd><code>${f.payload ?? '—'}</code></dd>
      <dt>Proof</dt><dd><code>${f.evidence.proof}</code></dd>
    </dl>
    <h3>Request</h3>
    <pre class="evidence" tabindex="0" aria-label="Request">${f.evidence.request}</pre>
    <h3>Response</h3>
    <pre class="evidence" tabindex="0" aria-label="Response">${f.evidence.response}</pre>
    <h3>Replay with curl</h3>
    <pre class="evidence" tabindex="0" aria-label="curl command" id="curl-line">${f.curl}</pre>
    <${CopyButton} text=${f.curl} label="Copy the curl line" />
  </div>`;
}

export function Report({ id, query }) {
  const { data: r, error, loading } = useLoad(() => loadReport(id), [id]);
  const item = query.get('item') ?? '';
  const severity = query.get('severity') ?? '';
  const status = query.get('status') ?? '';
  const open = query.get('f');
  const go = (patch) => navigate(`/jobs/${id}/report`, { item, severity, status, ...patch });

  const rescanOf = useMemo(() => {
    const m = new Map();
    for (const e of r?.comparison?.entries ?? []) if (e.status !== 'fixed') m.set(keyOf(e), e.status);
    return m;
  }, [r]);
  const items = useMemo(() => [...new Set((r?.findings ?? []).map((f) => f.item))], [r]);
  const shown = (r?.findings ?? []).map((f, i) => ({ f, i })).filter(({ f }) => (!item || f.item === item) && (!severity || f.severity === severity) && (!status || rescanOf.get(keyOf(f)) === status));
  const detail = open !== null && r ? r.findings[Number(open)] : null;

  return html`<${Page} title=${`Report of job ${id}`} actions=${html`<a class="button secondary" href=${`#/jobs/${id}`}>Job ${id}</a>`}>
    <${ErrorBox} error=${error} />
    <${Busy} when=${loading && !r} text="Loading the report…" />
    ${r
      ? html`<${Summary} r=${r} />
        <${Downloads} id=${id} />
        ${r.comparison ? html`<${Comparison} c=${r.comparison} status=${status} onStatus=${(v) => go({ status: v, f: undefined })} />` : null}
        ${detail
          ? html`<${FindingDetail} f=${detail} rescan=${rescanOf.get(keyOf(detail))} onClose=${() => go({ f: undefined })} />`
          : html`<div class="card">
              <h2>Findings</h2>
              <div class="filters" role="search" aria-label="Filter findings">
                <${SelectField} id="r-item" label="Item" value=${item} onChange=${(v) => go({ item: v })} options=${[['', 'all items'], ...items.map((x) => [x, x])]} />
                <${SelectField} id="r-severity" label="Severity" value=${severity} onChange=${(v) => go({ severity: v })} options=${[['', 'all severities'], ...SEVERITIES.map((x) => [x, x])]} />
              </div>
              <${Notice} text=${`${shown.length} of ${r.findings.length} finding(s) shown`} />
              <ul class="findings plain">
                ${shown.map(({ f, i }) => html`<li key=${i}>
                  <a href=${`#/jobs/${id}/report?${new URLSearchParams({ item, severity, status, f: String(i) })}`} class="finding-link">
                    <span class=${`sev ${f.severity}`}>${f.severity}</span> <strong>${f.title}</strong> <span class="muted">${f.item}</span>
                    ${rescanOf.get(keyOf(f)) ? html` <span class="badge">${rescanOf.get(keyOf(f))}</span>` : null}
                    <span class="url block">${f.method} ${f.url}${f.parameter ? ` · ${f.parameter}` : ''}</span>
                  </a>
                </li>`)}
              </ul>
            </div>`}`
      : null}
  <//>`;
}
