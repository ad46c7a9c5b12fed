// Through a proxy the egress guard still judges the target: a name that resolves to a metadata or
// link-local address, or such an address written literally, is refused before anything reaches the
// proxy; an allowed target is handed to the proxy in absolute form. NO_PROXY and the environment's
// variables are read as curl reads them.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { LookupFunction } from '../../src/engine/egress.js';
import { EgressError, HttpClient } from '../../src/engine/http.js';
import { resolveTransport } from '../../src/engine/transport/options.js';

const seen: string[] = [];
const proxy = createServer((req, res) => {
  seen.push(`${req.method} ${req.url}`);
  res.writeHead(200, { 'content-type': 'text/plain' }).end('via proxy');
});
let proxyUrl = '';
before(async () => {
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => proxy.close(() => r())));

const names: Record<string, string> = { 'meta.test': '169.254.169.254', 'ok.test': '127.0.0.1' };
const lookup: LookupFunction = (hostname, _opts, cb) => {
  const a = names[hostname];
  if (a === undefined) cb(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), [], 0);
  else cb(null, [{ address: a, family: 4 }], 4);
};

test('the guard judges the target behind the proxy, not the proxy', async () => {
  const transport = resolveTransport({ proxy: proxyUrl });
  const client = new HttpClient({ connections: 2, proxyFor: transport.proxyFor, egress: { lookup } });
  const hop = (url: string) => client.request({ method: 'GET', url }, { signal: new AbortController().signal, timeoutMs: 3000, maxBytes: 1024 });
  try {
    await assert.rejects(hop('http://meta.test/latest/meta-data/'), (e: unknown) => e instanceof EgressError && /cloud metadata/.test(e.message));
    await assert.rejects(hop('http://169.254.169.254/'), (e: unknown) => e instanceof EgressError);
    await assert.rejects(hop('http://metadata.google.internal/'), (e: unknown) => e instanceof EgressError);
    assert.deepEqual(seen, []);
    const ok = await hop('http://ok.test:8123/a?b=1');
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString(), 'via proxy');
    // a name only the proxy can resolve is left to it
    assert.equal((await hop('http://intranet.corp/')).status, 200);
    assert.deepEqual(seen, ['GET http://ok.test:8123/a?b=1', 'GET http://intranet.corp/']);
  } finally {
    await client.close();
  }
});

test('HTTPS_PROXY, HTTP_PROXY and NO_PROXY as curl reads them', () => {
  const t = resolveTransport(undefined, { HTTP_PROXY: 'http://p:1', https_proxy: 'http://user:pw@s:2', NO_PROXY: 'localhost, .corp.test,10.0.0.5:8080' });
  const p = (u: string): string | null => t.proxyFor(new URL(u));
  assert.equal(p('http://example.com/'), 'http://p:1/');
  assert.equal(p('https://example.com/'), 'http://user:pw@s:2/');
  assert.equal(p('http://localhost:3000/'), null);
  assert.equal(p('http://a.corp.test/'), null);
  assert.equal(p('http://corp.test/'), 'http://p:1/');
  assert.equal(p('http://10.0.0.5:8080/'), null);
  assert.equal(p('http://10.0.0.5:8081/'), 'http://p:1/');
  assert.equal(t.proxyLabel, 'http: http://p:1/, https: http://s:2/');
  assert.equal(resolveTransport(undefined, { HTTP_PROXY: 'http://p:1', NO_PROXY: '*' }).proxyFor(new URL('http://x/')), null);
  // the job's proxy wins and takes every request, NO_PROXY or not
  const j = resolveTransport({ proxy: 'http://job:3' }, { HTTP_PROXY: 'http://p:1', NO_PROXY: '*' });
  assert.equal(j.proxyFor(new URL('https://x/')), 'http://job:3/');
  assert.throws(() => resolveTransport(undefined, { HTTP_PROXY: 'socks5://x:1' }), /HTTP_PROXY must be an http/);
  assert.equal(resolveTransport(undefined, {}).proxyFor(new URL('http://x/')), null);
});
