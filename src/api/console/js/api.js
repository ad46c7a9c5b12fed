// Signed API calls from the browser (NCP signature v2: HMAC-SHA256 with WebCrypto). The key is
// kept in sessionStorage only: it lives as long as this tab, in no persistent storage or cookie.
const STORE_KEY = 'wsc.key';

export function getKey() {
  try {
    const raw = sessionStorage.getItem(STORE_KEY);
    const k = raw ? JSON.parse(raw) : null;
    return k && typeof k.accessKey === 'string' && typeof k.secretKey === 'string' ? k : null;
  } catch (e) {
    // an unreadable entry is no key: the sign-in page asks again
    console.warn('console: stored key unreadable', e);
    return null;
  }
}
export function setKey(accessKey, secretKey) {
  sessionStorage.setItem(STORE_KEY, JSON.stringify({ accessKey, secretKey }));
}
export function clearKey() {
  sessionStorage.removeItem(STORE_KEY);
}

export const NO_KEY = 'No API key yet: enter an access key and secret key (wsc serve printed where the first one is: <data>/credentials).';

/** An error answer of the API, in its envelope's terms. */
export class ApiFailure extends Error {
  constructor(status, code, message, details) {
    super(`${code} ${message}${details ? `: ${details}` : ''}`);
    this.status = status;
    this.code = code;
    this.apiMessage = message;
    this.details = details ?? null;
    // "Param Value Not Define - StartUrl" names the field that failed
    const m = /^Param Value Not Define - (.+)$/.exec(message);
    this.field = m ? m[1] : null;
  }
}

async function sign(method, uri, ts, ak, sk) {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(sk), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, enc.encode(`${method} ${uri}\n${ts}\n${ak}`));
  return btoa(String.fromCharCode(...new Uint8Array(mac)));
}

export async function signedHeaders(method, uri, key = getKey()) {
  if (!key) throw new Error(NO_KEY);
  const ts = String(Date.now());
  return { 'x-ncp-apigw-timestamp': ts, 'x-ncp-iam-access-key': key.accessKey, 'x-ncp-apigw-signature-v2': await sign(method, uri, ts, key.accessKey, key.secretKey) };
}

async function failureOf(res) {
  const text = await res.text();
  try {
    const j = JSON.parse(text);
    if (j && j.error) return new ApiFailure(res.status, j.error.errorCode, j.error.message, j.error.details);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
  }
  return new ApiFailure(res.status, String(res.status), `HTTP ${res.status}`, text.slice(0, 200));
}

/** A signed JSON call; resolves to { resources, res } or rejects with an ApiFailure. */
export async function call(method, uri, body, key) {
  const headers = await signedHeaders(method, uri, key);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(uri, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw await failureOf(res);
  const json = await res.json();
  if (json.error) throw new ApiFailure(res.status, json.error.errorCode, json.error.message, json.error.details);
  return { resources: json.resources, res };
}

/** A signed GET whose body is saved as a file: the response becomes a blob behind a download link. */
export async function download(uri, filename) {
  const res = await fetch(uri, { headers: await signedHeaders('GET', uri) });
  if (!res.ok) throw await failureOf(res);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return blob.size;
}

/**
 * Job events (GET /jobs/{id}/events) as Server-Sent Events. EventSource cannot send the signature
 * headers, so the stream is read with fetch and split into events here. Returns a stop function.
 */
export function watchEvents(id, onEvent, onEnd) {
  const ctl = new AbortController();
  const uri = `/api/v1/jobs/${encodeURIComponent(id)}/events`;
  (async () => {
    const res = await fetch(uri, { headers: await signedHeaders('GET', uri), signal: ctl.signal });
    if (!res.ok) throw await failureOf(res);
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let i;
      while ((i = buf.indexOf('\n\n')) !== -1) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let ev = 'message';
        const data = [];
        for (const l of block.split('\n')) {
          if (l.startsWith('event:')) ev = l.slice(6).trim();
          else if (l.startsWith('data:')) data.push(l.slice(5).replace(/^ /, ''));
        }
        if (data.length > 0) onEvent(ev, JSON.parse(data.join('\n')));
      }
    }
  })().then(
    () => onEnd(null),
    (e) => onEnd(ctl.signal.aborted ? null : e),
  );
  return () => ctl.abort();
}

/** Who the key belongs to: GET /whoami, or, on a server without it, the key's own prefix. */
export async function whoami(key) {
  try {
    const { resources } = await call('GET', '/api/v1/whoami', undefined, key);
    return { account: resources.account, admin: resources.admin === true, known: true };
  } catch (e) {
    if (e.status !== 404) throw e;
    // no /whoami on this server: a signed getJobs proves the key works
    await call('GET', '/api/v1/jobs?limit=1&page=1', undefined, key);
    return { account: `key ${key.accessKey.slice(0, 4)}…`, admin: false, known: false };
  }
}
