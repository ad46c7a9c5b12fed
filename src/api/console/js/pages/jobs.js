// The jobs list: searchJobs with its own filters (status, URL or memo keyword), a date range
// applied to the page shown (the API has no date filter), pagination, and live status: the list
// is fetched again every few seconds while a job on it is still moving.
import { call } from '../api.js';
import { FINAL_STATUS_TEXTS, STATUSES } from '../items.js';
import { html, useState } from '../lib.js';
import { navigate } from '../router.js';
import { JobActions } from '../job-actions.js';
import { Busy, ErrorBox, Notice, Page, Pager, SelectField, TextField, fmtTime, useInterval, useLoad } from '../ui.js';

const LIMIT = 20;

export function Progress({ r }) {
  if (r.progress === null || r.progress === undefined) return html`<span class="muted">—</span>`;
  return html`<span class="progress"><progress max="100" value=${r.progress} aria-label=${`Progress of job ${r.instanceNo}`}></progress> ${r.progress}%</span>`;
}

export function statusClass(status) {
  if (status === 'Diagnostics completed') return 'badge ok';
  if (/failed/.test(status)) return 'badge err';
  if (/Canceled|Stopp/.test(status)) return 'badge muted';
  if (status === 'Scheduled') return 'badge sched';
  return 'badge run';
}

function inRange(r, from, to) {
  const day = (r.start_date || '').slice(0, 10);
  if (from && day < from) return false;
  if (to && day > to) return false;
  return true;
}

export function Jobs({ query }) {
  const filters = {
    status: query.get('status') ?? '',
    type: query.get('type') ?? '',
    q: query.get('q') ?? '',
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
    page: Number(query.get('page') ?? '1') || 1,
  };
  const [draft, setDraft] = useState(filters);
  const set = (k) => (v) => setDraft((d) => ({ ...d, [k]: v }));
  const key = JSON.stringify(filters);

  const { data, error, loading, reload } = useLoad(async () => {
    const body = { searchType: filters.type, searchKeyword: filters.q, statusCode: filters.status === '' ? null : Number(filters.status), limit: LIMIT, page: filters.page };
    const { resources } = await call('POST', '/api/v1/jobs/search', body);
    return resources;
  }, [key]);
  const records = (data?.record_data ?? []).filter((r) => inRange(r, filters.from, filters.to));
  const moving = records.some((r) => !FINAL_STATUS_TEXTS.includes(r.status));
  // a job reserved for later changes only when its time comes: no need to ask every 2 s for it
  const busy = records.some((r) => !FINAL_STATUS_TEXTS.includes(r.status) && !r.reserved_at);
  useInterval(reload, busy ? 2000 : 10_000, moving);

  const apply = (e) => {
    e.preventDefault();
    navigate('/jobs', { ...draft, page: 1 });
  };
  const dated = filters.from || filters.to;

  return html`<${Page} title="Jobs" actions=${html`<a class="button" href="#/jobs/new">New job</a>`}>
    <form class="card filters" onSubmit=${apply} role="search" aria-label="Filter jobs">
      <${SelectField} id="f-status" label="Status" value=${draft.status} onChange=${set('status')} options=${[['', 'any status'], ...STATUSES.map(([c, t]) => [String(c), `${t} (${c})`])]} />
      <${SelectField} id="f-type" label="Search in" value=${draft.type} onChange=${set('type')} options=${[['', 'URL and memo'], ['url', 'URL'], ['memo', 'memo']]} />
      <${TextField} id="f-q" label="Keyword" value=${draft.q} onInput=${set('q')} hint="Case-insensitive substring" />
      <${TextField} id="f-from" label="Started from" type="date" value=${draft.from} onInput=${set('from')} />
      <${TextField} id="f-to" label="Started until" type="date" value=${draft.to} onInput=${set('to')} />
      <div class="field buttons"><button type="submit">Apply filters</button><button type="button" class="secondary" onClick=${() => { setDraft({ status: '', type: '', q: '', from: '', to: '', page: 1 }); navigate('/jobs'); }}>Clear</button></div>
    </form>
    <${ErrorBox} error=${error} />
    <${Busy} when=${loading && !data} />
    ${data
      ? html`<${Notice} text=${`${data.total_cnt} job(s)${dated ? `; ${records.length} on this page in the date range` : ''}${moving ? '; updating live' : ''}`} />
        <div class="table-wrap" tabindex="0" role="region" aria-label="Jobs table">
          <table class="jobs">
            <caption class="sr-only">Jobs, newest first</caption>
            <thead><tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Start URL</th><th scope="col">URLs</th><th scope="col">Findings</th><th scope="col">Started / ended</th><th scope="col">Memo</th><th scope="col">Actions</th></tr></thead>
            <tbody>
              ${records.map((r) => html`<tr key=${r.instanceNo} data-id=${r.instanceNo}>
                <td><a href=${`#/jobs/${r.instanceNo}`}>${r.instanceNo}</a></td>
                <td><span class=${statusClass(r.status)}>${r.status}</span>${r.reserved_at ? html`<div class="small">for ${fmtTime(r.reserved_at)}</div>` : null}${r.result_desc ? html`<div class="small muted">${r.result_desc}</div>` : null}</td>
                <td><${Progress} r=${r} /></td>
                <td class="url">${r.start_url}</td>
                <td>${r.crawl_cnt ?? ''}</td>
                <td>${r.scan_cnt ?? ''}</td>
                <td class="small">${r.start_date ?? ''}${r.end_date ? html`<br />${r.end_date}` : null}</td>
                <td>${r.memo ?? ''}</td>
                <td><${JobActions} r=${r} onChanged=${reload} compact /></td>
              </tr>`)}
            </tbody>
          </table>
        </div>
        ${records.length === 0 ? html`<p>No job matches.</p>` : null}
        <${Pager} page=${filters.page} totalPages=${Number(data.total_page_cnt)} onPage=${(p) => navigate('/jobs', { ...filters, page: p })} />`
      : null}
  <//>`;
}
