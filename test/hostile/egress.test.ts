// Egress safety: link-local and cloud metadata addresses are refused before any connection, DNS
// answers that move to another address class are refused (rebinding), redirects are re-checked
// against scope on every hop, and only CIDR assets that name such addresses unlock them.
// No packet leaves loopback: sensitive addresses only ever come out of an injected resolver, and
// the guard rejects them inside the lookup, before net creates a connection.
import assert from 'node:assert/strict';
import { channel } from 'node:diagnostics_channel';
import type { LookupAddress } from 'node:dns';
import { test } from 'node:test';
import { addressClass, EgressGuard, explicitAllowances, type LookupFunction } from '../../src/engine/egress.js';
import { runEngine } from '../../src/engine/engine.js';
import { EgressError, HttpClient, TransportError } from '../../src/engine/http.js';
import { ScanSession } from '../../src/engine/session.js';
import { CrawlError, DEFAULT_LIMITS, type EngineJob, type EngineResult } from '../../src/engine/types.js';
import { startTestServer, waitFor } from '../helpers/server.js';
import { startSite } from '../helpers/site.js';

/** A resolver answering from a table (made-up names only), recording every question. */
function fakeDns(answers: (host: string, n: number) => string[]): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const fn = ((hostname, options, callback) => {
    calls.push(hostname);
    const list: LookupAddress[] = answers(hostname, calls.filter((h) => h === hostname).length).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    setImmediate(() => {
      if (list.length === 0) callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), [], 0);
      else if (options.all) callback(null, list);
      else callback(null, (list[0] as LookupAddress).address, (list[0] as LookupAddress).family);
    });
  }) as LookupFunction & { calls: string[] };
  fn.calls = calls;
  return fn;
}

/** Counts connections undici actually opened (its diagnostics channel fires once a socket connects). */
function countConnections(): { count: () => number; stop: () => void } {
  let n = 0;
  const ch = channel('undici:client:connected');
  const onMsg = (): void => {
    n++;
  };
  ch.subscribe(onMsg);
  return { count: () => n, stop: () => ch.unsubscribe(onMsg) };
}

const opts = () => ({ signal: new AbortController().signal, timeoutMs: 3000, maxBytes: 65536 });

test('address classes and the default refusals', () => {
  assert.equal(addressClass('127.0.0.1'), 'loopback');
  assert.equal(addressClass('10.1.2.3'), 'private');
  assert.equal(addressClass('169.254.169.254'), 'metadata');
  assert.equal(addressClass('169.254.1.1'), 'link-local');
  assert.equal(addressClass('::ffff:169.254.169.254'), 'metadata');
  assert.equal(addressClass('fd00:ec2::254'), 'metadata');
  assert.equal(addressClass('fe80::1'), 'link-local');
  assert.equal(addressClass('100.100.100.200'), 'metadata');
  assert.equal(addressClass('8.8.8.8'), 'public');
  const g = new EgressGuard();
  for (const a of ['169.254.169.254', '169.254.10.10', 'fd00:ec2::254', '100.100.100.200', 'fe80::1', '::ffff:169.254.169.254']) {
    assert.notEqual(g.refusal('x.test', a), null, a);
  }
  for (const a of ['127.0.0.1', '10.0.0.1', '192.168.1.1', '::1', '100.64.0.1']) assert.equal(g.refusal('x.test', a), null, a);
  assert.match(g.refusal('metadata.google.internal', '127.0.0.1') ?? '', /metadata/);
  assert.throws(() => g.checkUrl(new URL('http://169.254.169.254/latest/meta-data/')), EgressError);
  assert.throws(() => g.checkUrl(new URL('http://[fd00:ec2::254]/')), EgressError);
  assert.throws(() => g.checkUrl(new URL('http://metadata.google.internal/computeMetadata/v1/')), EgressError);
  // an account that registered the metadata address itself may scan it
  const allowed = new EgressGuard({ allowAddresses: ['169.254.169.254/32'] });
  assert.equal(allowed.refusal('x.test', '169.254.169.254'), null);
  assert.notEqual(allowed.refusal('x.test', '169.254.169.253'), null);
  assert.deepEqual(explicitAllowances(['0.0.0.0/0', '10.0.0.0/8', '169.254.169.254/32', '169.254.0.0/16', '169.0.0.0/8', 'fe80::/64', '::/0']), [
    '169.254.169.254/32',
    '169.254.0.0/16',
    'fe80::/64',
  ]);
});

test('a made-up name answering 169.254.169.254 is refused inside the lookup, before any connection', async () => {
  const dns = fakeDns((h) => (h === 'metadata.example.test' ? ['169.254.169.254'] : []));
  const conns = countConnections();
  const client = new HttpClient({ connections: 1, egress: { lookup: dns } });
  try {
    const err = await client.request({ method: 'GET', url: 'http://metadata.example.test/latest/meta-data/' }, opts()).then(
      () => assert.fail('the request went through'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof EgressError, String(err));
    assert.ok(err instanceof TransportError, 'per-request failure for the crawler and checks');
    assert.equal(err.address, '169.254.169.254');
    assert.match(err.message, /metadata/);
    assert.deepEqual(dns.calls, ['metadata.example.test'], 'refused by the lookup itself');
    assert.equal(conns.count(), 0, 'no connection was opened');
    // the IPv6 metadata address and a mixed answer (one good, one bad address) too
    const v6 = fakeDns(() => ['fd00:ec2::254']);
    const mixed = fakeDns(() => ['127.0.0.1', '169.254.169.254']);
    for (const lookup of [v6, mixed]) {
      const c = new HttpClient({ connections: 1, egress: { lookup } });
      await assert.rejects(c.request({ method: 'GET', url: 'http://meta2.example.test/' }, opts()), EgressError);
      await c.close();
    }
    assert.equal(conns.count(), 0);
    // literal addresses never reach a lookup: refused before dispatch
    const literal = fakeDns(() => []);
    const c2 = new HttpClient({ connections: 1, egress: { lookup: literal } });
    await assert.rejects(c2.request({ method: 'GET', url: 'http://169.254.169.254/' }, opts()), EgressError);
    await assert.rejects(c2.request({ method: 'GET', url: 'http://[::ffff:a9fe:a9fe]/' }, opts()), EgressError);
    await assert.rejects(c2.request({ method: 'GET', url: 'http://100.100.100.200/' }, opts()), EgressError);
    assert.equal(literal.calls.length, 0);
    await c2.close();
    assert.equal(conns.count(), 0);
  } finally {
    conns.stop();
    await client.close();
  }
});

test('DNS rebinding: a later answer in another address class is refused; the first is pinned', async () => {
  const site = await startSite({
    '/': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('hello'),
  });
  // first answer loopback, second a private address the first answer never had
  const dns = fakeDns((_h, n) => (n === 1 ? ['127.0.0.1'] : ['10.66.66.66']));
  const client = new HttpClient({ connections: 1, egress: { lookup: dns } });
  const conns = countConnections();
  try {
    const url = `http://rebind.example.test:${site.port}/`;
    const first = await client.request({ method: 'GET', url }, opts());
    assert.equal(first.status, 200);
    assert.equal(first.body.toString(), 'hello');
    const err = await client.request({ method: 'GET', url }, opts()).then(
      () => assert.fail('rebinding went through'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof EgressError, String(err));
    assert.match(err.message, /rebinding/);
    assert.equal(dns.calls.length, 2, 'resolved once per connection');
    assert.equal(site.hits.length, 1);
    // the connection counter does see real connections: its zero elsewhere means something
    assert.equal(conns.count(), 1);
  } finally {
    conns.stop();
    await client.close();
    await site.close();
  }
  // Staying in the same class (another loopback address) is not rebinding.
  const g = new EgressGuard();
  g.checkAnswer('a.test', ['127.0.0.1']);
  g.checkAnswer('a.test', ['127.0.0.2']);
  assert.throws(() => g.checkAnswer('a.test', ['192.168.0.1']), /rebinding/);
});

function session(startUrl: string, lookup?: LookupFunction): ScanSession {
  return new ScanSession({
    startUrl,
    excludeUrls: [],
    headers: {},
    userAgent: 'wsc-test',
    speed: '3',
    limits: { ...DEFAULT_LIMITS, requestTimeoutMs: 3000 },
    signal: new AbortController().signal,
    ...(lookup ? { lookup } : {}),
  });
}

test('redirects are re-checked on every hop: another origin or the metadata address is not followed', async () => {
  const other = await startSite({ '/': 'other origin' });
  const site = await startSite({
    '/away': (_req, res) => res.writeHead(302, { location: `${other.url}/` }).end(),
    '/meta': (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    '/chain': (_req, res) => res.writeHead(302, { location: '/chain2' }).end(),
    '/chain2': (_req, res) => res.writeHead(307, { location: `${other.url}/` }).end(),
  });
  const s = session(`${site.url}/`);
  try {
    for (const path of ['/away', '/meta', '/chain']) {
      const ex = await s.send({ method: 'GET', url: `${site.url}${path}` }, { followRedirects: true });
      assert.ok(ex.response.status === 302 || ex.response.status === 307, `${path}: ${ex.response.status}`);
    }
    assert.equal(other.hits.length, 0, 'the other origin got no request');
  } finally {
    await s.close();
    await site.close();
    await other.close();
  }
});

test('a job whose StartUrl is a metadata name fails its crawl; nothing is sent', async () => {
  const dns = fakeDns(() => ['169.254.169.254']);
  const conns = countConnections();
  const job: EngineJob = {
    startUrl: 'http://instance-data.example.test/latest/meta-data/',
    excludeUrls: [],
    headers: {},
    userAgent: 'PC Chrome',
    speed: '1',
    items: ['Directory Listing'],
    limits: { maxRequests: 20, requestTimeoutMs: 2000, maxDurationMs: 10_000 },
  };
  try {
    await assert.rejects(runEngine(job, {}, new AbortController().signal, { lookup: dns }), (e: unknown) => e instanceof CrawlError && /metadata/.test(e.message));
    await assert.rejects(runEngine({ ...job, startUrl: 'http://metadata.google.internal/' }, {}, new AbortController().signal, { lookup: dns }), CrawlError);
    assert.equal(conns.count(), 0);
  } finally {
    conns.stop();
  }
});

test('the runner passes only CIDR assets that name metadata/link-local addresses to the engine', async () => {
  const seen: EngineJob[] = [];
  const engine = async (job: EngineJob): Promise<EngineResult> => {
    seen.push(job);
    return { stats: { requests: 0, durationMs: 0, crawlMs: 0, scanMs: 0, urls: 0 }, urls: [], findings: [] };
  };
  const t = await startTestServer({ engine });
  try {
    const owner = await t.account('meta-owner', ['127.0.0.0/8', '169.254.169.254/32']);
    const plain = await t.account('plain', ['127.0.0.0/8']);
    const body = { StartUrl: 'http://127.0.0.1:9/', VulnItems: ['XSS'], UserAgent: 'PC Chrome', Speed: '1' };
    assert.equal((await t.call('PUT', '/api/v1/job', body, owner)).status, 200);
    await waitFor(async () => seen.length >= 1);
    assert.equal((await t.call('PUT', '/api/v1/job', body, plain)).status, 200);
    await waitFor(async () => seen.length >= 2);
    assert.deepEqual(seen[0]?.allowAddresses, ['169.254.169.254/32']);
    assert.equal(seen[1]?.allowAddresses, undefined);
  } finally {
    await t.close();
  }
});
