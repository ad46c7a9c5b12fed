// Sign-in: the access key and secret key, kept for this tab (see api.js) once the server accepts them.
import { NO_KEY, getKey, setKey, whoami } from '../api.js';
import { html, useState } from '../lib.js';
import { ErrorBox, Notice, Page, TextField } from '../ui.js';

export function SignIn({ onSignedIn }) {
  const [ak, setAk] = useState('');
  const [sk, setSk] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const has = getKey() !== null;

  const submit = async (e) => {
    e.preventDefault();
    const a = ak.trim();
    const s = sk.trim();
    if (!a || !s) {
      setError(new Error('Enter both the access key and the secret key.'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const key = { accessKey: a, secretKey: s };
      const who = await whoami(key);
      setKey(a, s);
      setSk('');
      onSignedIn(who);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return html`<${Page} title="Sign in">
    <div id="msg">${has ? html`<${Notice} text="A key is in use in this tab; signing in again replaces it." />` : html`<${Notice} kind="warn" text=${NO_KEY} />`}</div>
    <p>Requests are signed in this page (HMAC-SHA256, signature v2). The key is kept in this tab's session storage only: closing the tab forgets it, and it is never sent anywhere but in request signatures.</p>
    <form class="card narrow" onSubmit=${submit} aria-describedby="signin-err">
      <${TextField} id="ak" label="Access key" value=${ak} onInput=${setAk} autocomplete="username" required />
      <${TextField} id="sk" label="Secret key" type="password" value=${sk} onInput=${setSk} autocomplete="current-password" required />
      <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      <${ErrorBox} error=${error} id="signin-err" />
    </form>
  <//>`;
}
