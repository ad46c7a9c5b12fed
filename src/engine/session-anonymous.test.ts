import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestbed } from '../../test/testbed/server.js';
import { USER_AGENTS } from '../core/items.js';
import { isCredentialHeader, ScanSession } from './session.js';
import { rawPathOf } from './http.js';
import { DEFAULT_LIMITS } from './types.js';

interface Echo {
  headers: Record<string, string>;
}

function mk(url: string, headers: Record<string, string>): ScanSession {
  return new ScanSession({ startUrl: url + '/', excludeUrls: [], headers, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits: { ...DEFAULT_LIMITS }, signal: new AbortController().signal });
}

test('withoutAuth leaves out the job credentials and the cookie jar, and keeps no cookie it is given', async () => {
  const tb = await startTestbed();
  const s = mk(tb.url, { Cookie: 'auth=letmein', Authorization: 'Bearer job', 'X-Api-Key': 'k1', 'X-Trace': 'keep' });
  try {
    await s.send({ method: 'GET', url: tb.url + '/' }); // the site sets visitor=v123 in the jar
    const anon = JSON.parse((await s.send({ method: 'GET', url: tb.url + '/echo-headers' }, { withoutAuth: true })).response.body) as Echo;
    assert.equal(anon.headers['cookie'], undefined);
    assert.equal(anon.headers['authorization'], undefined);
    assert.equal(anon.headers['x-api-key'], undefined);
    assert.equal(anon.headers['x-trace'], 'keep', 'headers that are not credentials still go');
    const own = JSON.parse((await s.send({ method: 'GET', url: tb.url + '/echo-headers', headers: { Cookie: 'probe=1' } }, { withoutAuth: true })).response.body) as Echo;
    assert.equal(own.headers['cookie'], 'probe=1', "the request's own cookie is sent alone");
    const authed = JSON.parse((await s.send({ method: 'GET', url: tb.url + '/echo-headers' })).response.body) as Echo;
    assert.equal(authed.headers['cookie'], 'visitor=v123; auth=letmein');
    assert.equal(authed.headers['authorization'], 'Bearer job');
    const before = s.cookies.size;
    await s.send({ method: 'GET', url: tb.url + '/' }, { withoutAuth: true });
    assert.equal(s.cookies.size, before);
    assert.ok(isCredentialHeader('X-Auth-Token') && isCredentialHeader('cookie') && !isCredentialHeader('Accept-Language'));
  } finally {
    await s.close();
    await tb.close();
  }
});

test('rawPath puts encoded dot segments on the wire as written', async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const s = mk(base, {});
  try {
    await s.send({ method: 'GET', url: `${base}/cgi-bin/.%2e/.%2e/etc/passwd?x=1` }, { rawPath: true });
    await s.send({ method: 'GET', url: `${base}/cgi-bin/.%2e/.%2e/etc/passwd` });
    assert.deepEqual(seen, ['/cgi-bin/.%2e/.%2e/etc/passwd?x=1', '/etc/passwd']);
    assert.equal(rawPathOf('http://h:1/a b'), null);
    assert.equal(rawPathOf('http://h:1'), null);
    assert.equal(rawPathOf('http://h:1/x/../y#f'), '/x/../y');
  } finally {
    await s.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
