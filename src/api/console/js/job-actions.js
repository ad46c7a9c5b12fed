// Stop, cancel and re-diagnose, shared by the jobs list and a job's page.
import { call } from './api.js';
import { html, useState } from './lib.js';
import { navigate } from './router.js';
import { ErrorBox } from './ui.js';

export function canCancel(r) {
  return r.result_button === 'cancel' && r.status !== 'Canceled';
}
export function canStop(r) {
  return r.result_button === 'terminate' && r.status !== 'Stopping' && r.status !== 'Stopped';
}

/** createJob with MasterInstanceNo: the other fields default to the master's. Resolves to the new id. */
export async function rediagnose(id) {
  const { res } = await call('PUT', '/api/v1/job', { MasterInstanceNo: String(id) });
  return res.headers.get('x-wsc-instance-no');
}

export function JobActions({ r, onChanged, compact }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      onChanged?.();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const id = r.instanceNo;
  const label = (verb) => (compact ? `${verb} job ${id}` : undefined);
  return html`<div class="actions">
    ${canStop(r) ? html`<button type="button" class="secondary small" disabled=${busy} aria-label=${label('Stop')} onClick=${() => run(() => call('PATCH', `/api/v1/jobs/${id}/stop`))}>Stop</button>` : null}
    ${canCancel(r) ? html`<button type="button" class="secondary small" disabled=${busy} aria-label=${label('Cancel')} onClick=${() => run(() => call('PATCH', `/api/v1/jobs/${id}/cancel`))}>Cancel</button>` : null}
    ${r.result_button === 'report' ? html`<a class="button small" href=${`#/jobs/${id}/report`} aria-label=${label('Report of')}>Report</a>` : null}
    ${r.rescan_button === 'possible'
      ? html`<button type="button" class="secondary small" disabled=${busy} aria-label=${label('Re-diagnose')} onClick=${() => run(async () => {
          const next = await rediagnose(id);
          if (next) navigate(`/jobs/${next}`);
        })}>Re-diagnose</button>`
      : null}
    <${ErrorBox} error=${error} />
  </div>`;
}
