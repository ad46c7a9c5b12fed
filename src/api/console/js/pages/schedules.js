// Recurring scans: a cron expression or daily/weekly/monthly at a time in a zone, a maximum of
// runs, skip-if-running; pause/resume, delete, and a schedule's runs.
import { call } from '../api.js';
import { FieldError, JobFields, emptyJob, jobBody } from '../job-form.js';
import { html, useState } from '../lib.js';
import { Busy, Check, ErrorBox, Page, SelectField, TextField, fmtTime, useLoad } from '../ui.js';
import { statusClass } from './jobs.js';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function scheduleBody(s) {
  const body = { Name: s.Name.trim(), TimeZone: s.TimeZone.trim() || 'UTC', SkipIfRunning: s.SkipIfRunning, Enabled: s.Enabled };
  if (s.mode === 'cron') body.Cron = s.Cron.trim();
  else {
    body.Every = s.Every;
    if (s.At) body.At = s.At;
    if (s.Every === 'weekly') body.Weekday = Number(s.Weekday);
    if (s.Every === 'monthly') {
      if (!/^\d+$/.test(s.MonthDay)) throw new FieldError('MonthDay', 'MonthDay: a day from 1 to 28');
      body.MonthDay = Number(s.MonthDay);
    }
  }
  if (s.MaxRuns.trim()) {
    if (!/^\d+$/.test(s.MaxRuns.trim())) throw new FieldError('MaxRuns', 'MaxRuns: a whole number');
    body.MaxRuns = Number(s.MaxRuns.trim());
  }
  body.Job = jobBody(s.job, { withReservation: false });
  return body;
}

function NewSchedule({ onCreated }) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const [s, setS] = useState({ Name: '', mode: 'every', Cron: '', Every: 'daily', At: '00:00', Weekday: '1', MonthDay: '1', TimeZone: zone, MaxRuns: '', SkipIfRunning: true, Enabled: true, job: emptyJob() });
  const [error, setError] = useState(null);
  const set = (k) => (v) => setS((o) => ({ ...o, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const body = scheduleBody(s);
      await call('PUT', '/api/v1/schedules', body);
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  const field = error?.field;
  const msg = field ? (error instanceof FieldError ? error.message : `${error.apiMessage}${error.details ? `: ${error.details}` : ''}`) : undefined;
  const err = (k) => (field === k ? msg : undefined);
  return html`<form class="card" onSubmit=${submit} novalidate>
    <h2>New schedule</h2>
    <div class="grid">
      <${TextField} id="s-name" label="Name" value=${s.Name} onInput=${set('Name')} error=${err('Name')} />
      <${SelectField} id="s-mode" label="Repeat" value=${s.mode} onChange=${set('mode')} options=${[['every', 'daily / weekly / monthly'], ['cron', 'cron expression']]} />
      ${s.mode === 'cron'
        ? html`<${TextField} id="s-cron" label="Cron (m h dom mon dow)" value=${s.Cron} onInput=${set('Cron')} error=${err('Cron')} placeholder="0 3 * * 1" />`
        : html`<${SelectField} id="s-every" label="Every" value=${s.Every} onChange=${set('Every')} error=${err('Every')} options=${[['daily', 'day'], ['weekly', 'week'], ['monthly', 'month']]} />
            <${TextField} id="s-at" label="At (HH:MM)" type="time" value=${s.At} onInput=${set('At')} error=${err('At')} />
            ${s.Every === 'weekly' ? html`<${SelectField} id="s-weekday" label="Weekday" value=${s.Weekday} onChange=${set('Weekday')} error=${err('Weekday')} options=${WEEKDAYS.map((d, i) => [String(i), d])} />` : null}
            ${s.Every === 'monthly' ? html`<${TextField} id="s-monthday" label="Day of month (1-28)" type="number" min="1" max="28" value=${s.MonthDay} onInput=${set('MonthDay')} error=${err('MonthDay')} />` : null}`}
      <${TextField} id="s-tz" label="Time zone (IANA)" value=${s.TimeZone} onInput=${set('TimeZone')} error=${err('TimeZone')} />
      <${TextField} id="s-max" label="Maximum runs (empty: unlimited)" type="number" min="1" value=${s.MaxRuns} onInput=${set('MaxRuns')} error=${err('MaxRuns')} />
    </div>
    <${Check} id="s-skip" label="Skip a run while the previous one still runs" checked=${s.SkipIfRunning} onChange=${set('SkipIfRunning')} />
    <${Check} id="s-enabled" label="Enabled" checked=${s.Enabled} onChange=${set('Enabled')} />
    <fieldset class="job-fieldset">
      <legend>The job each run creates</legend>
      ${field === 'Job' ? html`<div class="field-err" role="alert">${msg}</div>` : null}
      <${JobFields} s=${s.job} set=${(patch) => setS((o) => ({ ...o, job: { ...o.job, ...patch } }))} errors=${error instanceof FieldError && !['Name', 'Cron', 'Every', 'At', 'Weekday', 'MonthDay', 'TimeZone', 'MaxRuns'].includes(field) ? { [field]: msg } : {}} withReservation=${false} withMaster=${false} />
    </fieldset>
    <div class="form-foot"><button type="submit">Create schedule</button><${ErrorBox} error=${error} /></div>
  </form>`;
}

function Runs({ id }) {
  const { data, error } = useLoad(async () => (await call('GET', `/api/v1/schedules/${encodeURIComponent(id)}`)).resources, [id]);
  return html`<div class="card"><h2>Runs of schedule ${id}</h2><${ErrorBox} error=${error} />
    ${data
      ? html`<p>Next run: ${data.schedule.next_run_at ? fmtTime(data.schedule.next_run_at) : 'none'}</p>
        <ul class="plain">${data.runs.map((r) => html`<li>${fmtTime(r.at)}: ${r.outcome ?? ''} ${r.instance_id ? html`<a href=${`#/jobs/${r.instance_id}`}>job ${r.instance_id}</a>` : null} ${r.status ? html`<span class=${statusClass(r.status)}>${r.status}</span>` : null}${r.error ? html` <span class="small">${r.error}</span>` : null}</li>`)}</ul>
        ${data.runs.length === 0 ? html`<p class="muted">No run yet.</p>` : null}`
      : null}
  </div>`;
}

export function Schedules({ id }) {
  const { data, error, loading, reload } = useLoad(async () => (await call('GET', '/api/v1/schedules')).resources.schedules, []);
  const [opError, setOpError] = useState(null);
  const op = async (fn) => {
    setOpError(null);
    try {
      await fn();
      reload();
    } catch (e) {
      setOpError(e);
    }
  };
  return html`<${Page} title="Schedules">
    <${ErrorBox} error=${error} />
    <${ErrorBox} error=${opError} />
    <${Busy} when=${loading && !data} />
    ${data
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Schedules table"><table id="schedules"><caption class="sr-only">Schedules</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">When</th><th scope="col">Next run</th><th scope="col">Runs</th><th scope="col">Target</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
          <tbody>${data.map((s) => html`<tr data-id=${s.schedule_id}>
            <td><a href=${`#/schedules/${s.schedule_id}`}>${s.name}</a></td>
            <td><code>${s.cron}</code> ${s.timezone}</td>
            <td>${s.next_run_at ? fmtTime(s.next_run_at) : '—'}</td>
            <td>${s.run_count}${s.max_runs ? ` / ${s.max_runs}` : ''}${s.last_instance_id ? html` · <a href=${`#/jobs/${s.last_instance_id}`}>last job</a>` : null}</td>
            <td class="url">${s.job?.StartUrl ?? ''}</td>
            <td>${s.enabled ? 'enabled' : 'paused'}</td>
            <td><div class="actions">
              <button type="button" class="secondary small" aria-label=${`${s.enabled ? 'Pause' : 'Resume'} schedule ${s.name}`} onClick=${() => op(() => call('PATCH', `/api/v1/schedules/${s.schedule_id}`, { Enabled: !s.enabled }))}>${s.enabled ? 'Pause' : 'Resume'}</button>
              <button type="button" class="secondary small" aria-label=${`Delete schedule ${s.name}`} onClick=${() => confirm(`Delete schedule ${s.name}?`) && op(() => call('DELETE', `/api/v1/schedules/${s.schedule_id}`))}>Delete</button>
            </div></td></tr>`)}</tbody></table></div>
          ${data.length === 0 ? html`<p>No schedule yet.</p>` : null}`
      : null}
    ${id ? html`<${Runs} id=${id} />` : null}
    <${NewSchedule} onCreated=${reload} />
  <//>`;
}
