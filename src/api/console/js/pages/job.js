// One job: its record (found through searchJobs, newest first), live status and findings over the
// job's Server-Sent Events while it runs, its actions and its re-diagnoses.
import { call, watchEvents } from '../api.js';
import { FINAL_STATUS_TEXTS } from '../items.js';
import { html, useEffect, useState } from '../lib.js';
import { JobActions } from '../job-actions.js';
import { Busy, ErrorBox, Page, fmtTime, useLoad } from '../ui.js';
import { Progress, statusClass } from './jobs.js';

const PAGE = 100;
const MAX_PAGES = 50;

/** The record of a job (or of a re-diagnosis, found in its master's slave_data). */
export async function findJob(id) {
  for (let page = 1; page <= MAX_PAGES; page++) {
    const { resources } = await call('POST', '/api/v1/jobs/search', { searchType: '', searchKeyword: '', statusCode: null, limit: PAGE, page });
    for (const r of resources.record_data ?? []) {
      if (r.instanceNo === id) return r;
      const s = (r.slave_data ?? []).find((x) => x.instanceNo === id);
      if (s) return { ...s, master: r.instanceNo };
    }
    if (page >= Number(resources.total_page_cnt)) break;
  }
  throw new Error(`Job ${id} is not among your jobs.`);
}

export function JobDetail({ id }) {
  const { data: r, error, loading, reload } = useLoad(() => findJob(id), [id]);
  const [live, setLive] = useState(null);
  const [events, setEvents] = useState([]);
  const [streamError, setStreamError] = useState(null);
  const running = r && !FINAL_STATUS_TEXTS.includes(r.status);

  useEffect(() => {
    if (!running) return undefined;
    setEvents([]);
    const stop = watchEvents(
      id,
      (ev, d) => {
        if (ev === 'status') setLive(d);
        else if (ev === 'finding') setEvents((list) => [...list.slice(-199), d]);
      },
      (err) => {
        if (err) setStreamError(err);
        reload();
      },
    );
    return stop;
  }, [id, running]);

  const shown = r && live && running ? { ...r, status: live.status_text, progress: live.progress, crawl_cnt: live.crawl_cnt == null ? r.crawl_cnt : String(live.crawl_cnt), scan_cnt: live.scan_cnt == null ? r.scan_cnt : String(live.scan_cnt) } : r;

  return html`<${Page} title=${`Job ${id}`}>
    <${ErrorBox} error=${error} />
    <${ErrorBox} error=${streamError} />
    <${Busy} when=${loading && !r} />
    ${shown
      ? html`<div class="card">
          <dl class="facts">
            <dt>Status</dt><dd><span class=${statusClass(shown.status)} id="job-status">${shown.status}</span>${running ? html` <span class="small muted">(live)</span>` : null}</dd>
            <dt>Progress</dt><dd><${Progress} r=${shown} /></dd>
            <dt>Start URL</dt><dd class="url">${shown.start_url}</dd>
            <dt>Memo</dt><dd>${shown.memo ?? ''}</dd>
            <dt>URLs collected</dt><dd>${shown.crawl_cnt ?? '—'}</dd>
            <dt>Findings</dt><dd id="job-findings">${shown.scan_cnt ?? '—'}</dd>
            <dt>Started</dt><dd>${shown.start_date ?? ''}</dd>
            <dt>Ended</dt><dd>${shown.end_date ?? ''}</dd>
            ${shown.reserved_at ? html`<dt>Reserved for</dt><dd>${fmtTime(shown.reserved_at)}</dd>` : null}
            ${shown.master ? html`<dt>Re-diagnosis of</dt><dd><a href=${`#/jobs/${shown.master}`}>job ${shown.master}</a></dd>` : null}
            ${shown.result_desc ? html`<dt>Result</dt><dd>${shown.result_desc}</dd>` : null}
          </dl>
          <${JobActions} r=${shown} onChanged=${reload} />
        </div>
        ${shown.slave_data?.length
          ? html`<h2>Re-diagnoses</h2>
            <ul class="plain">${shown.slave_data.map((x) => html`<li><a href=${`#/jobs/${x.instanceNo}`}>Job ${x.instanceNo}</a> · <span class=${statusClass(x.status)}>${x.status}</span>${x.result_button === 'report' ? html` · <a href=${`#/jobs/${x.instanceNo}/report`}>report and comparison</a>` : null}</li>`)}</ul>`
          : null}
        ${running || events.length
          ? html`<h2>Live findings</h2>
            <ul class="plain live" aria-live="polite">${events.map((d) => html`<li><span class=${`sev ${d.severity}`}>${d.severity}</span> ${d.title}: ${d.method} <span class="url">${d.url}</span>${d.parameter ? ` (${d.parameter})` : ''}</li>`)}</ul>
            ${events.length === 0 ? html`<p class="muted">No finding yet.</p>` : null}`
          : null}`
      : null}
  <//>`;
}
