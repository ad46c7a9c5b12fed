// Every createJob field as a form: NCP's (StartUrl, VulnItems, UserAgent, Speed, ExcludeUrl, Memo,
// MasterInstanceNo, Headers) and wsc's extensions (Limits, Auth, Seeds, Crawl, Proxy, Tls and,
// with the reservation extension, ReservedAt). The API validates; its envelope's "Param Value Not
// Define - <Field>" is shown next to the field it names.
import { ALL_WORD, CRAWL_MODES, EXTENDED_WORD, EXTENSION_ITEMS, LIMITS, SPEEDS, USER_AGENTS, VULN_ITEMS } from './items.js';
import { html } from './lib.js';
import { Check, SelectField, TextField, headerLines, lines } from './ui.js';

export function emptyJob() {
  return {
    StartUrl: '', items: [ALL_WORD], UserAgent: 'PC Chrome', Speed: '2', Memo: '', ExcludeUrl: '', Headers: '', Crawl: '',
    MasterInstanceNo: '', ReservedAt: '', limits: {}, authType: '', auth: {}, authSteps: '', authHeaders: '', authCookies: '',
    seedUrls: '', seedOpenapi: '', seedHar: '', Proxy: '', caCert: '', clientCert: '', clientKey: '',
  };
}

/** A client-side problem with one field, reported like the API's own. */
export class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

function authBody(s) {
  const a = s.auth;
  const pick = (names) => {
    const out = { type: s.authType };
    for (const n of names) if (a[n] !== undefined && a[n] !== '') out[n] = a[n];
    return out;
  };
  const upkeep = ['loggedInRegex', 'loggedOutRegex', 'verifyUrl'];
  if (s.authType === 'form') return pick(['loginUrl', 'username', 'password', 'usernameField', 'passwordField', ...upkeep]);
  if (s.authType === 'token') return pick(['tokenUrl', 'grant', 'clientId', 'clientSecret', 'username', 'password', 'scope', 'tokenPath', 'header', 'prefix', ...upkeep]);
  if (s.authType === 'headers') {
    const out = { type: 'headers' };
    const h = headerLines(s.authHeaders, 'Auth headers');
    const c = headerLines(s.authCookies.replace(/=/g, ':'), 'Auth cookies');
    if (Object.keys(h).length) out.headers = h;
    if (Object.keys(c).length) out.cookies = c;
    return out;
  }
  if (s.authType === 'script') {
    let steps;
    try {
      steps = JSON.parse(s.authSteps || '[]');
    } catch (e) {
      throw new FieldError('Auth', `Login steps are not JSON: ${e.message}`);
    }
    return { ...pick(['username', 'password', ...upkeep]), steps };
  }
  return undefined;
}

/** The createJob body of the form's state; withReservation adds ReservedAt (epoch ms). */
export function jobBody(s, { withReservation = true } = {}) {
  const body = {};
  if (s.MasterInstanceNo.trim()) body.MasterInstanceNo = s.MasterInstanceNo.trim();
  const rescan = body.MasterInstanceNo !== undefined;
  // a re-diagnosis takes its master's settings for every field left empty
  if (!rescan || s.StartUrl.trim()) body.StartUrl = s.StartUrl.trim();
  if (!rescan || s.items.length) body.VulnItems = s.items;
  if (!rescan) {
    body.UserAgent = s.UserAgent;
    body.Speed = s.Speed;
  }
  if (s.Memo !== '') body.Memo = s.Memo;
  const ex = lines(s.ExcludeUrl);
  if (ex.length) body.ExcludeUrl = ex;
  try {
    const h = headerLines(s.Headers, 'Headers');
    if (Object.keys(h).length) body.Headers = h;
  } catch (e) {
    throw new FieldError('Headers', e.message);
  }
  if (s.Crawl) body.Crawl = s.Crawl;
  const limits = {};
  for (const [name] of LIMITS) {
    const v = (s.limits[name] ?? '').trim();
    if (v === '') continue;
    if (!/^\d+$/.test(v)) throw new FieldError('Limits', `Limits: ${name} must be a whole number`);
    limits[name] = Number(v);
  }
  if (Object.keys(limits).length) body.Limits = limits;
  if (s.authType) {
    try {
      body.Auth = authBody(s);
    } catch (e) {
      throw e instanceof FieldError ? e : new FieldError('Auth', e.message);
    }
  }
  const seeds = {};
  if (lines(s.seedUrls).length) seeds.urls = lines(s.seedUrls);
  if (s.seedOpenapi.trim()) {
    const l = lines(s.seedOpenapi);
    // URLs one per line, or one document pasted whole
    seeds.openapi = l.every((x) => /^https?:\/\//.test(x)) ? l : [s.seedOpenapi];
  }
  if (s.seedHar.trim()) seeds.har = [s.seedHar];
  if (Object.keys(seeds).length) body.Seeds = seeds;
  if (s.Proxy.trim()) body.Proxy = s.Proxy.trim();
  const tls = {};
  if (s.caCert.trim()) tls.caCert = s.caCert;
  if (s.clientCert.trim()) tls.clientCert = s.clientCert;
  if (s.clientKey.trim()) tls.clientKey = s.clientKey;
  if (Object.keys(tls).length) body.Tls = tls;
  if (withReservation && s.ReservedAt) {
    const at = new Date(s.ReservedAt).getTime();
    if (!Number.isFinite(at)) throw new FieldError('ReservedAt', 'ReservedAt: not a date and time');
    body.ReservedAt = at;
  }
  return body;
}

function ItemBoxes({ s, set, error }) {
  const toggle = (word, on) => {
    let next = s.items.filter((w) => w !== word);
    if (on) next.push(word);
    // ALL stands alone among NCP's words; the extension words combine with anything
    if (on && word === ALL_WORD) next = next.filter((w) => !VULN_ITEMS.includes(w));
    if (on && VULN_ITEMS.includes(word)) next = next.filter((w) => w !== ALL_WORD);
    set({ items: next });
  };
  const box = (w, group) => html`<${Check} id=${`item-${group}-${w.replace(/[^A-Za-z0-9]+/g, '-')}`} label=${w} checked=${s.items.includes(w)} onChange=${(on) => toggle(w, on)} />`;
  return html`<fieldset class=${`items${error ? ' invalid' : ''}`} aria-describedby=${error ? 'j-items-err' : undefined}>
    <legend>VulnItems (diagnostic items)</legend>
    <div class="item-group">${box(ALL_WORD, 'ncp')}${box(EXTENDED_WORD, 'ext')}</div>
    <div class="item-title" id="ncp-items">NCP items</div>
    <div class="item-group" role="group" aria-labelledby="ncp-items">${VULN_ITEMS.map((w) => box(w, 'ncp'))}</div>
    <div class="item-title" id="ext-items">Extension items (not part of ALL)</div>
    <div class="item-group" role="group" aria-labelledby="ext-items">${EXTENSION_ITEMS.map((w) => box(w, 'ext'))}</div>
    ${error ? html`<div class="field-err" id="j-items-err">${error}</div>` : null}
  </fieldset>`;
}

function GroupError({ id, error }) {
  return error ? html`<div class="field-err" id=${id}>${error}</div>` : null;
}

/** The fields; `errors` maps an API field name to its message. */
export function JobFields({ s, set, errors = {}, withReservation = true, withMaster = true }) {
  const f = (k) => (v) => set({ [k]: v });
  const auth = (k) => (v) => set({ auth: { ...s.auth, [k]: v } });
  const at = s.auth;
  return html`
    <div class="grid">
      <${TextField} id="j-url" label="StartUrl" type="url" value=${s.StartUrl} onInput=${f('StartUrl')} error=${errors.StartUrl} placeholder="http://127.0.0.1:3000/" hint="Its host must be an asset of your account" wide />
      <${SelectField} id="j-ua" label="UserAgent" value=${s.UserAgent} onChange=${f('UserAgent')} error=${errors.UserAgent} options=${USER_AGENTS.map((u) => [u, u])} />
      <${SelectField} id="j-speed" label="Speed" value=${s.Speed} onChange=${f('Speed')} error=${errors.Speed} options=${SPEEDS.map(([v, t]) => [v, `${v} ${t}`])} />
      <${TextField} id="j-memo" label="Memo" value=${s.Memo} onInput=${f('Memo')} error=${errors.Memo} />
      <${SelectField} id="j-crawl" label="Crawl" value=${s.Crawl} onChange=${f('Crawl')} error=${errors.Crawl} options=${CRAWL_MODES} />
      ${withReservation ? html`<${TextField} id="j-reserved" label="ReservedAt (run later)" type="datetime-local" value=${s.ReservedAt} onInput=${f('ReservedAt')} error=${errors.ReservedAt} hint="Empty: start now. Your browser's time zone." />` : null}
      ${withMaster ? html`<${TextField} id="j-master" label="MasterInstanceNo (re-diagnosis of)" value=${s.MasterInstanceNo} onInput=${f('MasterInstanceNo')} error=${errors.MasterInstanceNo} hint="A completed job; empty fields then take its settings" />` : null}
    </div>
    <${ItemBoxes} s=${s} set=${set} error=${errors.VulnItems} />
    <div class="grid">
      <${TextField} id="j-exclude" label="ExcludeUrl (one prefix per line, * wildcards)" multiline value=${s.ExcludeUrl} onInput=${f('ExcludeUrl')} error=${errors.ExcludeUrl} />
      <${TextField} id="j-headers" label="Headers (one Name: value per line)" multiline value=${s.Headers} onInput=${f('Headers')} error=${errors.Headers} hint="Sent on every request; never shown in reports" />
    </div>
    <details open=${!!errors.Limits}>
      <summary>Limits</summary>
      <fieldset class="grid" aria-describedby=${errors.Limits ? 'j-limits-err' : undefined}>
        <legend class="sr-only">Limits</legend>
        ${LIMITS.map(([name, unit]) => html`<${TextField} id=${`j-limit-${name}`} label=${`${name} (${unit})`} type="number" min="0" value=${s.limits[name] ?? ''} onInput=${(v) => set({ limits: { ...s.limits, [name]: v } })} />`)}
      </fieldset>
      <${GroupError} id="j-limits-err" error=${errors.Limits} />
    </details>
    <details open=${!!errors.Auth}>
      <summary>Auth (authenticated scan)</summary>
      <div class="grid">
        <${SelectField} id="j-auth-type" label="Login type" value=${s.authType} onChange=${f('authType')} error=${errors.Auth} options=${[['', 'none'], ['form', 'form login'], ['token', 'token endpoint'], ['headers', 'static headers and cookies'], ['script', 'browser script']]} />
        ${s.authType === 'form'
          ? html`<${TextField} id="j-auth-loginUrl" label="Login URL" type="url" value=${at.loginUrl} onInput=${auth('loginUrl')} />
              <${TextField} id="j-auth-username" label="Username" value=${at.username} onInput=${auth('username')} />
              <${TextField} id="j-auth-password" label="Password" type="password" value=${at.password} onInput=${auth('password')} />
              <${TextField} id="j-auth-usernameField" label="Username field name (optional)" value=${at.usernameField} onInput=${auth('usernameField')} />
              <${TextField} id="j-auth-passwordField" label="Password field name (optional)" value=${at.passwordField} onInput=${auth('passwordField')} />`
          : null}
        ${s.authType === 'token'
          ? html`<${TextField} id="j-auth-tokenUrl" label="Token URL" type="url" value=${at.tokenUrl} onInput=${auth('tokenUrl')} />
              <${SelectField} id="j-auth-grant" label="Grant" value=${at.grant ?? ''} onChange=${auth('grant')} options=${[['', 'choose'], ['client_credentials', 'client_credentials'], ['password', 'password'], ['json', 'json']]} />
              <${TextField} id="j-auth-clientId" label="Client id" value=${at.clientId} onInput=${auth('clientId')} />
              <${TextField} id="j-auth-clientSecret" label="Client secret" type="password" value=${at.clientSecret} onInput=${auth('clientSecret')} />
              <${TextField} id="j-auth-username" label="Username" value=${at.username} onInput=${auth('username')} />
              <${TextField} id="j-auth-password" label="Password" type="password" value=${at.password} onInput=${auth('password')} />
              <${TextField} id="j-auth-scope" label="Scope" value=${at.scope} onInput=${auth('scope')} />
              <${TextField} id="j-auth-tokenPath" label="Token path in the answer" value=${at.tokenPath} onInput=${auth('tokenPath')} />
              <${TextField} id="j-auth-header" label="Header to send it in" value=${at.header} onInput=${auth('header')} />
              <${TextField} id="j-auth-prefix" label="Prefix (e.g. Bearer)" value=${at.prefix} onInput=${auth('prefix')} />`
          : null}
        ${s.authType === 'headers'
          ? html`<${TextField} id="j-auth-headers" label="Headers (Name: value per line)" multiline value=${s.authHeaders} onInput=${f('authHeaders')} />
              <${TextField} id="j-auth-cookies" label="Cookies (name=value per line)" multiline value=${s.authCookies} onInput=${f('authCookies')} />`
          : null}
        ${s.authType === 'script'
          ? html`<${TextField} id="j-auth-steps" label="Steps (JSON array: goto, fill, click, press, waitFor, waitForUrl)" multiline rows="5" value=${s.authSteps} onInput=${f('authSteps')} />
              <${TextField} id="j-auth-username" label="Username" value=${at.username} onInput=${auth('username')} />
              <${TextField} id="j-auth-password" label="Password" type="password" value=${at.password} onInput=${auth('password')} />`
          : null}
        ${s.authType && s.authType !== 'headers'
          ? html`<${TextField} id="j-auth-loggedInRegex" label="Logged-in pattern (regex, optional)" value=${at.loggedInRegex} onInput=${auth('loggedInRegex')} />
              <${TextField} id="j-auth-loggedOutRegex" label="Logged-out pattern (regex, optional)" value=${at.loggedOutRegex} onInput=${auth('loggedOutRegex')} />
              <${TextField} id="j-auth-verifyUrl" label="Verify URL (optional)" type="url" value=${at.verifyUrl} onInput=${auth('verifyUrl')} />`
          : null}
      </div>
    </details>
    <details open=${!!errors.Seeds}>
      <summary>Seeds (API descriptions, HAR, URL lists)</summary>
      <div class="grid">
        <${TextField} id="j-seed-urls" label="URLs (one per line, absolute or relative)" multiline value=${s.seedUrls} onInput=${f('seedUrls')} error=${errors.Seeds} />
        <${TextField} id="j-seed-openapi" label="OpenAPI: URLs one per line, or a document" multiline value=${s.seedOpenapi} onInput=${f('seedOpenapi')} />
        <${TextField} id="j-seed-har" label="HAR document" multiline value=${s.seedHar} onInput=${f('seedHar')} />
      </div>
    </details>
    <details open=${!!(errors.Proxy || errors.Tls)}>
      <summary>Proxy and TLS</summary>
      <div class="grid">
        <${TextField} id="j-proxy" label="Proxy URL" type="url" value=${s.Proxy} onInput=${f('Proxy')} error=${errors.Proxy} />
        <${TextField} id="j-tls-ca" label="CA certificates (PEM)" multiline value=${s.caCert} onInput=${f('caCert')} error=${errors.Tls} />
        <${TextField} id="j-tls-cert" label="Client certificate (PEM)" multiline value=${s.clientCert} onInput=${f('clientCert')} />
        <${TextField} id="j-tls-key" label="Client key (PEM)" multiline value=${s.clientKey} onInput=${f('clientKey')} />
      </div>
    </details>`;
}
