import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed } from '../../test/testbed/server.js';
import { USER_AGENTS } from '../core/items.js';
import { BudgetError, CookieJar, OutOfScopeError, ScanSession } from './session.js';
import { DEFAULT_LIMITS, type EngineLimits } from './types.js';

function mk(url: string, headers: Record<string, string> = {}, limits: Partial<EngineLimits> = {}) {
  const ac = new AbortController();
  const s = new ScanSession({ startUrl: url + '/', excludeUrls: [url + '/excluded'], headers, userAgent: USER_AGENTS.Android, speed: '2', limits: { ...DEFAULT_LIMITS, ...limits }, signal: ac.signal });
  return { s, ac };
}

interface Echo {
  headers: Record<string, string>;
  method: string;
  body: string;
}

test('job headers on every request, request headers override, UA unless the user set one', async () => {
  const tb = await startTestbed();
  const { s } = mk(tb.url, { Authorization: 'Bearer job', 'X-Job': '1', Cookie: 'auth=letmein; theme=dark' });
  try {
    const a = JSON.parse((await s.send({ method: 'GET', url: tb.url + '/echo-headers' })).response.body) as Echo;
    assert.equal(a.headers['authorization'], 'Bearer job');
    assert.equal(a.headers['x-job'], '1');
    assert.equal(a.headers['user-agent'], USER_AGENTS.Android);
    assert.equal(a.headers['cookie'], 'auth=letmein; theme=dark');

    const b = JSON.parse(
      (await s.send({ method: 'POST', url: tb.url + '/echo-headers', headers: { authorization: 'Bearer mine', 'User-Agent': 'probe/1', Cookie: 'theme=light' }, body: 'a=1' })).response.body,
    ) as Echo;
    assert.equal(b.headers['authorization'], 'Bearer mine');
    assert.equal(b.headers['user-agent'], 'probe/1');
    assert.equal(b.headers['cookie'], 'auth=letmein; theme=light');
    assert.equal(b.method, 'POST');
    assert.equal(b.body, 'a=1');

    const { s: s2 } = mk(tb.url, { 'user-agent': 'custom-ua' });
    const c = JSON.parse((await s2.send({ method: 'GET', url: tb.url + '/echo-headers' })).response.body) as Echo;
    assert.equal(c.headers['user-agent'], 'custom-ua');
    await s2.close();
  } finally {
    await s.close();
    await tb.close();
  }
});

test('cookies the target sets are kept and replayed with the user cookie', async () => {
  const tb = await startTestbed();
  const { s } = mk(tb.url, { Cookie: 'auth=letmein' });
  try {
    await s.send({ method: 'GET', url: tb.url + '/' });
    const first = await s.send({ method: 'GET', url: tb.url + '/private/inner' });
    assert.equal(first.response.status, 403, 'stage cookie not set yet');
    await s.send({ method: 'GET', url: tb.url + '/private/' });
    const inner = await s.send({ method: 'GET', url: tb.url + '/private/inner' });
    assert.equal(inner.response.status, 200);
    const seen = tb.log.at(-1)?.headers.cookie ?? '';
    assert.match(seen, /visitor=v123/);
    assert.match(seen, /stage=two/);
    assert.match(seen, /auth=letmein/);
    const echo = JSON.parse((await s.send({ method: 'GET', url: tb.url + '/echo-headers' })).response.body) as Echo;
    assert.doesNotMatch(echo.headers['cookie'] ?? '', /stage=two/, 'Path=/private is respected');
  } finally {
    await s.close();
    await tb.close();
  }
});

test('cookie jar: expiry, Max-Age deletion, Domain and Secure', () => {
  let now = 1_000_000;
  const jar = new CookieJar(() => now);
  jar.setFromResponse('http://a.example.com/x/y', 'a=1\nb=2; Max-Age=10\nc=3; Domain=example.com; Path=/\nd=4; Secure\ne=5; Domain=other.com');
  assert.deepEqual(jar.cookiesFor('http://a.example.com/x/z').map(([n]) => n).sort(), ['a', 'b', 'c']);
  assert.deepEqual(jar.cookiesFor('http://b.example.com/').map(([n]) => n), ['c']);
  assert.ok(jar.cookiesFor('https://a.example.com/x/').some(([n]) => n === 'd'));
  now += 11_000;
  assert.ok(!jar.cookiesFor('http://a.example.com/x/').some(([n]) => n === 'b'), 'expired');
  jar.setFromResponse('http://a.example.com/x/y', 'a=gone; Max-Age=0');
  assert.ok(!jar.cookiesFor('http://a.example.com/x/').some(([n]) => n === 'a'), 'deleted');
});

test('scope and budget are enforced, redirect hops re-checked', async () => {
  const tb = await startTestbed();
  const { s } = mk(tb.url, {}, { maxRequests: 5, maxRedirects: 2 });
  try {
    await assert.rejects(s.send({ method: 'GET', url: 'http://other.invalid/' }), OutOfScopeError);
    await assert.rejects(s.send({ method: 'GET', url: tb.url + '/excluded/page' }), OutOfScopeError);
    const off = await s.send({ method: 'GET', url: tb.url + '/offsite-redirect' }, { followRedirects: true });
    assert.equal(off.response.status, 302, 'the off-site hop is not taken');
    const loop = await s.send({ method: 'GET', url: tb.url + '/loop/a' }, { followRedirects: true });
    assert.equal(loop.response.redirects.length, 2);
    assert.equal(s.requestCount(), 4);
    await s.send({ method: 'GET', url: tb.url + '/' });
    await assert.rejects(s.send({ method: 'GET', url: tb.url + '/' }), BudgetError);
    assert.equal(s.requestCount(), 5);
    assert.equal(tb.log.length, 5);
  } finally {
    await s.close();
    await tb.close();
  }
});

test('per-request timeout from SendOptions', async () => {
  const tb = await startTestbed();
  const { s } = mk(tb.url);
  try {
    const t0 = Date.now();
    await assert.rejects(s.send({ method: 'GET', url: tb.url + '/slow?ms=3000' }, { timeoutMs: 200 }), (e: Error) => e.name === 'TimeoutError');
    assert.ok(Date.now() - t0 < 1500);
    const ok = await s.send({ method: 'GET', url: tb.url + '/slow?ms=50' });
    assert.equal(ok.response.status, 200);
    assert.ok(ok.response.timeMs >= 40);
  } finally {
    await s.close();
    await tb.close();
  }
});

test('a 1 GiB answer is read to maxResponseBytes once per job: later requests to its path read at most 256 KiB', { timeout: 60_000 }, async () => {
  const tb = await startTestbed();
  const cap = 1024 * 1024;
  const { s } = mk(tb.url, {}, { maxResponseBytes: cap, requestTimeoutMs: 20_000 });
  try {
    const first = (await s.send({ method: 'GET', url: tb.url + '/huge?mb=1024' })).response;
    assert.equal(first.truncated, true);
    assert.ok(first.bytes >= cap && first.bytes < 2 * cap, `first read ${first.bytes} bytes`);
    // the same page again, and with other query values (what attacks on its parameters send)
    for (const url of ['/huge?mb=1024', '/huge?mb=1024&x=1', '/huge?mb=1024&mb2=%27']) {
      const again = (await s.send({ method: 'GET', url: tb.url + url })).response;
      assert.equal(again.truncated, true);
      assert.ok(again.bytes < 2 * 256 * 1024, `${url} read ${again.bytes} bytes`);
    }
    const h = s.healthSnapshot();
    assert.equal(h.truncated, 4);
    assert.equal(h.sent, 4);
    assert.equal(h.status['2xx'], 4);
  } finally {
    await s.close();
    await tb.close();
  }
});

test('a stop while the job is paused for a silent target ends at once, not after the probing', { timeout: 30_000 }, async () => {
  const { createServer } = await import('node:net');
  // a port that accepts and resets every connection
  const server = createServer((s) => s.resetAndDestroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  const { s, ac } = mk(url, {}, { maxConsecutiveFailures: 3, targetDownAfterMs: 20_000 });
  try {
    for (let i = 0; i < 3; i++) await assert.rejects(s.send({ method: 'GET', url: url + '/' }));
    assert.equal(s.health.blocked, true, 'three failures in a row paused the session');
    const waiting = s.send({ method: 'GET', url: url + '/' });
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(waiting, { name: 'AbortError' });
    assert.ok(Date.now() - t0 < 2000, `stopped after ${Date.now() - t0} ms`);
  } finally {
    await s.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
