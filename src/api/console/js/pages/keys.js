// Access keys (admin accounts): list, create (the secret is shown once), revoke.
import { call } from '../api.js';
import { html, useState } from '../lib.js';
import { Busy, ErrorBox, Notice, Page, TextField, fmtTime, useLoad } from '../ui.js';

export function Keys({ who }) {
  const { data, error, loading, reload } = useLoad(async () => (await call('GET', '/api/v1/keys')).resources.keys, []);
  const [account, setAccount] = useState('');
  const [created, setCreated] = useState(null);
  const [opError, setOpError] = useState(null);

  const create = async (e) => {
    e.preventDefault();
    setOpError(null);
    setCreated(null);
    try {
      const { resources } = await call('PUT', '/api/v1/keys', { Account: account.trim() });
      setCreated(resources);
      setAccount('');
      reload();
    } catch (err) {
      setOpError(err);
    }
  };
  const revoke = async (ak) => {
    if (!confirm(`Revoke access key ${ak}? Clients using it stop working at once.`)) return;
    setOpError(null);
    try {
      await call('DELETE', `/api/v1/keys/${encodeURIComponent(ak)}`);
      reload();
    } catch (err) {
      setOpError(err);
    }
  };

  return html`<${Page} title="Access keys">
    ${who && !who.admin ? html`<${Notice} kind="warn" text="Only admin accounts manage keys; the server will refuse." />` : null}
    <${ErrorBox} error=${error} />
    <${Busy} when=${loading && !data} />
    ${data
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Keys table"><table id="keys"><caption class="sr-only">Access keys</caption>
          <thead><tr><th scope="col">Access key</th><th scope="col">Account</th><th scope="col">Created</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
          <tbody>${data.map((k) => html`<tr><td><code>${k.access_key}</code></td><td>${k.account}</td><td>${fmtTime(k.created_at)}</td><td>${k.revoked ? 'revoked' : 'active'}</td>
            <td>${k.revoked ? null : html`<button type="button" class="secondary small" aria-label=${`Revoke key ${k.access_key}`} onClick=${() => revoke(k.access_key)}>Revoke</button>`}</td></tr>`)}</tbody></table></div>`
      : null}
    <form class="card" onSubmit=${create}>
      <h2>Create a key</h2>
      <${TextField} id="key-account" label="Account" value=${account} onInput=${setAccount} hint="An existing account, or a new one" error=${opError?.field ? opError.apiMessage : undefined} />
      <button type="submit">Create key</button>
    </form>
    <${ErrorBox} error=${opError} />
    ${created
      ? html`<div class="card" role="status">
          <h2>New key for ${created.account}</h2>
          <p>The secret key is shown this once: copy it now.</p>
          <dl class="facts"><dt>Access key</dt><dd><code id="new-ak">${created.access_key}</code></dd><dt>Secret key</dt><dd><code id="new-sk">${created.secret_key}</code></dd></dl>
        </div>`
      : null}
  <//>`;
}
