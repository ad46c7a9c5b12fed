// Assets and the ownership proof: ask for a token for an origin (POST /assets/verify), place it
// as a file on the site or as a DNS TXT record, then have the server check it (POST /assets/verify/check).
import { call } from '../api.js';
import { html, useState } from '../lib.js';
import { Busy, ErrorBox, Notice, Page, TextField, fmtTime, useLoad } from '../ui.js';

function Proof({ url, proof, onVerified }) {
  const [error, setError] = useState(null);
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  const check = async (method) => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const { resources } = await call('POST', '/api/v1/assets/verify/check', { url, method });
      setResult(resources);
      onVerified();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="card" id="proof">
    <h2>Prove ownership of ${new URL(url).origin}</h2>
    <p>Either way works; the token is valid until ${fmtTime(proof.expires_at)}.</p>
    <h3>A file on the site</h3>
    <p>Serve this exact text at <code class="url" id="proof-url">${proof.url_to_place}</code> (covers ${proof.covers}):</p>
    <pre class="evidence" tabindex="0" aria-label="File content" id="proof-token">${proof.content}</pre>
    <button type="button" disabled=${busy} onClick=${() => check('file')}>Check the file</button>
    <h3>A DNS TXT record</h3>
    <p>Publish a TXT record (covers ${proof.dns_record.covers}):</p>
    <dl class="facts"><dt>Name</dt><dd><code>${proof.dns_record.name}</code></dd><dt>Type</dt><dd>${proof.dns_record.type}</dd><dt>Value</dt><dd><code>${proof.dns_record.value}</code></dd></dl>
    <button type="button" class="secondary" disabled=${busy} onClick=${() => check('dns')}>Check the DNS record</button>
    ${result ? html`<${Notice} text=${`Verified: ${result.kind} ${result.value} (covers ${result.covers}) is now an asset of your account.`} />` : null}
    <${ErrorBox} error=${error} />
  </div>`;
}

export function Assets() {
  const { data, error, loading, reload } = useLoad(async () => (await call('GET', '/api/v1/assets')).resources.assets, []);
  const [url, setUrl] = useState('');
  const [asked, setAsked] = useState(null);
  const [askError, setAskError] = useState(null);

  const ask = async (e) => {
    e.preventDefault();
    setAskError(null);
    setAsked(null);
    try {
      const u = url.trim();
      const { resources } = await call('POST', '/api/v1/assets/verify', { url: u });
      setAsked({ url: u, proof: resources });
    } catch (err) {
      setAskError(err);
    }
  };

  return html`<${Page} title="Assets">
    <p>A job may scan a URL only when an asset of your account covers it. Prove ownership of a new site here.</p>
    <${ErrorBox} error=${error} />
    <${Busy} when=${loading && !data} />
    ${data
      ? html`<div class="table-wrap" tabindex="0" role="region" aria-label="Assets table"><table id="assets"><caption class="sr-only">Your assets</caption>
          <thead><tr><th scope="col">Kind</th><th scope="col">Value</th><th scope="col">Source</th><th scope="col">Covers</th></tr></thead>
          <tbody>${data.map((a) => html`<tr><td>${a.kind}</td><td class="url">${a.value}</td><td>${a.source}</td><td>${a.covers}</td></tr>`)}</tbody></table></div>
          ${data.length === 0 ? html`<p>No asset yet.</p>` : null}`
      : null}
    <form class="card" onSubmit=${ask}>
      <h2>Add an asset</h2>
      <${TextField} id="asset-url" label="Site URL" type="url" value=${url} onInput=${setUrl} placeholder="https://www.example.com/" error=${askError?.field ? askError.apiMessage : undefined} />
      <button type="submit">Get a verification token</button>
      <${ErrorBox} error=${askError} />
    </form>
    ${asked ? html`<${Proof} url=${asked.url} proof=${asked.proof} onVerified=${reload} />` : null}
  <//>`;
}
