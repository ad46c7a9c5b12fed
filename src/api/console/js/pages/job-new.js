// Create a job (or re-diagnose one: ?master=<id> fills MasterInstanceNo).
import { call } from '../api.js';
import { FieldError, JobFields, emptyJob, jobBody } from '../job-form.js';
import { html, useState } from '../lib.js';
import { navigate } from '../router.js';
import { ErrorBox, Page } from '../ui.js';

export function JobNew({ query }) {
  const [s, setS] = useState(() => ({ ...emptyJob(), MasterInstanceNo: query.get('master') ?? '', StartUrl: query.get('url') ?? '' }));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (patch) => setS((old) => ({ ...old, ...patch }));
  const field = error?.field ?? null;

  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    let body;
    try {
      body = jobBody(s);
    } catch (err) {
      setError(err);
      return;
    }
    setBusy(true);
    try {
      const { res } = await call('PUT', '/api/v1/job', body);
      const id = res.headers.get('x-wsc-instance-no');
      navigate(id ? `/jobs/${id}` : '/jobs');
    } catch (err) {
      setError(err);
      // the summary is next to the submit button: keyboard users land on what went wrong
      setTimeout(() => document.getElementById('job-error')?.focus(), 0);
    } finally {
      setBusy(false);
    }
  };

  const errors = field ? { [field]: error instanceof FieldError ? error.message : `${error.apiMessage}${error.details ? `: ${error.details}` : ''}` } : {};
  return html`<${Page} title=${s.MasterInstanceNo ? `Re-diagnose job ${s.MasterInstanceNo}` : 'New job'}>
    <form class="card" onSubmit=${submit} aria-describedby=${error ? 'job-error' : undefined} novalidate>
      <${JobFields} s=${s} set=${set} errors=${errors} />
      <div class="form-foot">
        <button type="submit" disabled=${busy}>${busy ? 'Creating…' : s.ReservedAt ? 'Reserve job' : 'Create job'}</button>
        <div tabindex="-1" id="job-error">${error instanceof FieldError ? html`<div class="msg err" role="alert">${error.message}</div>` : html`<${ErrorBox} error=${error} />`}</div>
      </div>
    </form>
  <//>`;
}
