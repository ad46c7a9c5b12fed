// Notification channels of the account: webhooks (signed JSON) and e-mail, the events they get,
// a test-send button and each channel's delivery log.
import { call } from '../api.js';
import { NOTIFY_EVENTS } from '../items.js';
import { html, useState } from '../lib.js';
import { Busy, Check, ErrorBox, Notice, Page, SelectField, TextField, fmtTime, useLoad } from '../ui.js';

function Deliveries({ id, name }) {
  const { data, error, reload } = useLoad(async () => (await call('GET', `/api/v1/notifications/${encodeURIComponent(id)}/deliveries`)).resources.deliveries, [id]);
  return html`<div class="card" id="deliveries">
    <div class="page-head"><h2>Delivery log of ${name ?? `channel ${id}`}</h2><button type="button" class="secondary small" onClick=${reload}>Refresh the log</button></div>
    <${ErrorBox} error=${error} />
    ${data
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Deliveries table"><table><caption class="sr-only">Deliveries, newest first</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Job</th><th scope="col">Attempt</th><th scope="col">Status</th><th scope="col">Response</th></tr></thead>
          <tbody>${data.map((d) => html`<tr><td>${fmtTime(d.created_at)}</td><td>${d.event}</td><td>${d.instance_id ? html`<a href=${`#/jobs/${d.instance_id}`}>${d.instance_id}</a>` : ''}</td><td>${d.attempt}</td><td>${d.status}</td><td>${d.response ?? ''}${d.error ? ` ${d.error}` : ''}</td></tr>`)}</tbody></table></div>
          ${data.length === 0 ? html`<p class="muted">Nothing sent yet.</p>` : null}`
      : null}
  </div>`;
}

function NewChannel({ onCreated }) {
  const [s, setS] = useState({ Kind: 'webhook', Name: '', Url: '', Secret: '', To: '', events: [...NOTIFY_EVENTS], Enabled: true });
  const [error, setError] = useState(null);
  const set = (k) => (v) => setS((o) => ({ ...o, [k]: v }));
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    const body = { Kind: s.Kind, Events: s.events, Enabled: s.Enabled };
    if (s.Name.trim()) body.Name = s.Name.trim();
    if (s.Kind === 'webhook') {
      body.Url = s.Url.trim();
      if (s.Secret) body.Secret = s.Secret;
    } else body.To = s.To.split(/[,\s]+/).filter(Boolean);
    try {
      const { resources } = await call('PUT', '/api/v1/notifications', body);
      onCreated(resources);
    } catch (err) {
      setError(err);
    }
  };
  const err = (k) => (error?.field === k ? `${error.apiMessage}${error.details ? `: ${error.details}` : ''}` : undefined);
  return html`<form class="card" onSubmit=${submit} novalidate>
    <h2>New channel</h2>
    <div class="grid">
      <${SelectField} id="n-kind" label="Kind" value=${s.Kind} onChange=${set('Kind')} options=${[['webhook', 'webhook'], ['email', 'e-mail']]} error=${err('Kind')} />
      <${TextField} id="n-name" label="Name" value=${s.Name} onInput=${set('Name')} error=${err('Name')} />
      ${s.Kind === 'webhook'
        ? html`<${TextField} id="n-url" label="Webhook URL" type="url" value=${s.Url} onInput=${set('Url')} error=${err('Url')} />
            <${TextField} id="n-secret" label="Signing secret (empty: generated)" type="password" value=${s.Secret} onInput=${set('Secret')} error=${err('Secret')} />`
        : html`<${TextField} id="n-to" label="Recipients (comma-separated e-mail addresses)" value=${s.To} onInput=${set('To')} error=${err('To')} />`}
    </div>
    <fieldset><legend>Events</legend>
      ${NOTIFY_EVENTS.map((ev) => html`<${Check} id=${`n-ev-${ev.replace('.', '-')}`} label=${ev} checked=${s.events.includes(ev)} onChange=${(on) => setS((o) => ({ ...o, events: on ? [...o.events, ev] : o.events.filter((x) => x !== ev) }))} />`)}
    </fieldset>
    <${Check} id="n-enabled" label="Enabled" checked=${s.Enabled} onChange=${set('Enabled')} />
    <div class="form-foot"><button type="submit">Add channel</button><${ErrorBox} error=${error} /></div>
  </form>`;
}

/** The server's SMTP settings (admin accounts): the password never comes back, the URL is masked. */
function SmtpSettings() {
  const { data, error, reload } = useLoad(async () => (await call('GET', '/api/v1/settings/smtp')).resources, []);
  const [url, setUrl] = useState('');
  const [from, setFrom] = useState('');
  const [opError, setOpError] = useState(null);
  const [saved, setSaved] = useState(false);
  const save = async (e) => {
    e.preventDefault();
    setOpError(null);
    setSaved(false);
    try {
      await call('PUT', '/api/v1/settings/smtp', { Url: url.trim(), From: from.trim() });
      setUrl('');
      setSaved(true);
      reload();
    } catch (err) {
      setOpError(err);
    }
  };
  const err = (k) => (opError?.field === k ? opError.apiMessage : undefined);
  return html`<form class="card" onSubmit=${save} novalidate>
    <h2>E-mail server (SMTP)</h2>
    <${ErrorBox} error=${error} />
    ${data ? html`<p>In use: <code>${data.url ?? 'none'}</code>${data.from ? html`, from <code>${data.from}</code>` : null} (${data.source === 'env' ? 'from WSC_SMTP_URL' : data.source === 'api' ? 'set here' : 'not set'})</p>` : null}
    <div class="grid">
      <${TextField} id="smtp-url" label="SMTP URL (smtp://user:pass@host:port)" value=${url} onInput=${setUrl} error=${err('Url')} />
      <${TextField} id="smtp-from" label="From address" type="email" value=${from} onInput=${setFrom} error=${err('From')} />
    </div>
    <div class="form-foot"><button type="submit">Save SMTP settings</button>${saved ? html`<${Notice} text="SMTP settings saved." />` : null}<${ErrorBox} error=${opError} /></div>
  </form>`;
}

export function Notifications({ id, who }) {
  const { data, error, loading, reload } = useLoad(async () => (await call('GET', '/api/v1/notifications')).resources.channels, []);
  const [opError, setOpError] = useState(null);
  const [note, setNote] = useState(null);
  const [secret, setSecret] = useState(null);
  // the delivery log is loaded again after every operation (a test-send adds a line)
  const [tick, setTick] = useState(0);
  const op = async (fn, done) => {
    setOpError(null);
    setNote(null);
    try {
      const r = await fn();
      if (done) setNote(done(r));
      setTick((t) => t + 1);
      reload();
    } catch (e) {
      setOpError(e);
    }
  };
  return html`<${Page} title="Notifications">
    <${ErrorBox} error=${error} />
    <${ErrorBox} error=${opError} />
    ${note ? html`<${Notice} text=${note} />` : null}
    <${Busy} when=${loading && !data} />
    ${secret ? html`<div class="card" role="status"><p>Webhook signing secret, shown this once: <code id="new-secret">${secret}</code></p></div>` : null}
    ${data
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Channels table"><table id="channels"><caption class="sr-only">Notification channels</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Destination</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
          <tbody>${data.map((c) => html`<tr data-id=${c.channel_id}>
            <td><a href=${`#/notifications/${c.channel_id}`}>${c.name || c.channel_id}</a></td><td>${c.kind}</td>
            <td class="url">${c.kind === 'webhook' ? c.url : c.to.join(', ')}${c.secret_hint ? html` <span class="small muted">(secret …${c.secret_hint})</span>` : null}</td>
            <td>${c.events.join(', ')}</td><td>${c.enabled ? 'enabled' : 'disabled'}</td>
            <td><div class="actions">
              <button type="button" class="secondary small" aria-label=${`Test-send to ${c.name || c.channel_id}`} onClick=${() => op(async () => (await call('POST', `/api/v1/notifications/${c.channel_id}/test`)).resources.delivery, (d) => `Test sent: ${d.status}${d.response ? ` (${d.response})` : ''}${d.error ? ` ${d.error}` : ''}`)}>Test-send</button>
              <button type="button" class="secondary small" aria-label=${`${c.enabled ? 'Disable' : 'Enable'} ${c.name || c.channel_id}`} onClick=${() => op(() => call('PATCH', `/api/v1/notifications/${c.channel_id}`, { Enabled: !c.enabled }))}>${c.enabled ? 'Disable' : 'Enable'}</button>
              <a class="button secondary small" href=${`#/notifications/${c.channel_id}`} aria-label=${`Log of ${c.name || c.channel_id}`}>Log</a>
              <button type="button" class="secondary small" aria-label=${`Delete ${c.name || c.channel_id}`} onClick=${() => confirm('Delete this channel?') && op(() => call('DELETE', `/api/v1/notifications/${c.channel_id}`))}>Delete</button>
            </div></td></tr>`)}</tbody></table></div>
          ${data.length === 0 ? html`<p>No channel yet.</p>` : null}`
      : null}
    ${id ? html`<${Deliveries} id=${id} name=${(data ?? []).find((c) => String(c.channel_id) === id)?.name || undefined} key=${`${id}-${tick}`} />` : null}
    <${NewChannel} onCreated=${(r) => { setSecret(r.secret ?? null); reload(); }} />
    ${who?.admin ? html`<${SmtpSettings} />` : null}
  <//>`;
}
