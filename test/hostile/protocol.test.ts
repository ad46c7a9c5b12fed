// Hostile protocol and content: malformed HTTP from a raw TCP server, TLS servers that break the
// handshake, redirect loops and long chains, HTML nested 100,000 deep, a million links on one
// page, invalid UTF-8, URLs of 100 KB and 1 MB pathological pages run through every registered
// check. Each case is a real engine job that must end in a defined state, in time, memory bounded.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { CrawlError } from '../../src/engine/types.js';
import { VULN_ITEMS } from '../../src/core/items.js';
import { job, MB, RSS_BOUND, runHostile, type Outcome } from './harness.js';
import { brokenTls, hostileHttp, rawHttp, type Hostile } from './servers.js';

function assertDefined(o: Outcome, boundMs: number, label: string): void {
  if (o.error) assert.ok(o.error instanceof CrawlError, `${label}: ended with ${o.error.name}: ${o.error.message}`);
  assert.ok(o.ms < boundMs, `${label}: took ${Math.round(o.ms)} ms (bound ${boundMs})`);
  assert.ok(o.peakRssDelta < RSS_BOUND, `${label}: peak RSS +${Math.round(o.peakRssDelta / MB)} MB`);
}

// Raw answers Node's own HTTP server would never produce.
const MALFORMED: Record<string, string | Buffer> = {
  'bad-status': 'HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nhi',
  'no-status': 'hello there, not http at all\r\n\r\n',
  'huge-status': `HTTP/1.1 99999999999 Big\r\nContent-Length: 0\r\n\r\n`,
  'dup-cl': 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello',
  'cl-and-te': 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'neg-cl': 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nhello',
  'bad-chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
  'garbage-headers': Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nX-Bin: '), Buffer.from([0, 1, 2, 0xff, 0xfe]), Buffer.from('\r\n:::\r\nNoColonHere\r\nContent-Length: 2\r\n\r\nhi')]),
  'header-flood': `HTTP/1.1 200 OK\r\n${'X-Flood: ' + 'a'.repeat(100) + '\r\n'}`.repeat(1) + Array.from({ length: 20_000 }, (_, i) => `X-H${i}: v\r\n`).join('') + 'Content-Length: 0\r\n\r\n',
  'lf-only': 'HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Length: 2\n\nhi',
  'short-body': 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this',
  'http09': '<html>no status line at all</html>',
  '1xx-flood': 'HTTP/1.1 100 Continue\r\n\r\n'.repeat(5000) + 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
};

let raw: Hostile;
let site: Hostile;
const tls: Hostile[] = [];
const LONG = 'A'.repeat(100 * 1024);

before(async () => {
  const index = Object.keys(MALFORMED)
    .map((k) => `<a href="/${k}">${k}</a>`)
    .join(' ');
  raw = await rawHttp((path, socket: Socket) => {
    const name = path.slice(1).split('?')[0] ?? '';
    const answer = MALFORMED[name];
    if (path === '/') {
      const body = `<html><body>${index}</body></html>`;
      socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    } else if (answer !== undefined) {
      socket.end(answer);
    } else {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    }
  });
  const million = '<html><body>' + Array.from({ length: 1_000_000 }, (_, i) => `<a href="/l/${i}">${i}</a>`).join('') + '</body></html>';
  const invalidUtf8 = Buffer.concat([Buffer.from('<html><body><a href="/ok">ok</a>'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc, 0xff, 0xfe]), Buffer.from('<a href="/ok2">'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('</a></body></html>')]);
  // 1 MB is plenty to expose a quadratic regex (10^12 steps) while keeping the probes' garbage
  // (SQL Injection alone fetches ~500 of these pages) well under the memory bound.
  const N = 1 * MB;
  site = await hostileHttp({
    '/loop': (_req, res) => res.writeHead(302, { location: '/loop' }).end(),
    '/ping': (_req, res) => res.writeHead(301, { location: '/pong' }).end(),
    '/pong': (_req, res) => res.writeHead(308, { location: '/ping' }).end(),
    '/chain/*': (req, res) => {
      const n = Number((req.url ?? '').split('/')[2] ?? 0);
      res.writeHead(302, { location: `/chain/${n + 1}` }).end();
    },
    '/redirects/': '<a href="/loop">loop</a> <a href="/ping">ping</a> <a href="/chain/0">chain</a> <a href="/ok">ok</a>',
    '/ok': '<html><body>fine</body></html>',
    '/ok2': '<html><body>fine too</body></html>',
    '/nested': `<html><body>${'<div>'.repeat(100_000)}<a href="/ok">deep</a>${'</div>'.repeat(100_000)}</body></html>`,
    '/unclosed': `<html><body>${'<div><span><table><tr><td><b><i>'.repeat(20_000)}<a href="/ok">deep</a>`,
    '/million': (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(million),
    '/l/*': '<html><body>link target</body></html>',
    '/utf8': (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(invalidUtf8),
    '/long-link': `<html><body><a href="/ok?q=${LONG}">long</a> <a href="/${LONG}">long path</a> <form action="/ok"><input name="${LONG}" value="${LONG}"></form></body></html>`,
    '/long-redirect': (_req, res) => res.writeHead(302, { location: `/ok?q=${LONG}` }).end(),
    '/patho/': ['a', 'dotted', 'lt', 'at', 'err', 'colon', 'bsl', 'nl', 'quote', 'tag'].map((k) => `<a href="/patho/${k}">${k}</a>`).join(' '),
    '/patho/*': (req, res) => {
      const k = (req.url ?? '').split('/')[2] ?? '';
      const unit: Record<string, string> = { a: 'a', dotted: 'a.', lt: '<', at: ' at a', err: 'TypeError ', colon: 'a:1:', bsl: 'C:\\a', nl: 'at \n', quote: '"\'', tag: '<a ' };
      const u = unit[k] ?? 'x';
      res.writeHead(200, { 'content-type': 'text/html' }).end(u.repeat(Math.floor(N / u.length)));
    },
  });
  for (const mode of ['garbage', 'close', 'silent', 'alert'] as const) tls.push(await brokenTls(mode));
});

after(async () => {
  await raw.close();
  await site.close();
  for (const t of tls) await t.close();
});

test('malformed HTTP from a raw server: every page fails alone, the job completes', { timeout: 60_000 }, async () => {
  const o = await runHostile('malformed:index', job(`${raw.url}/`, { maxDurationMs: 15_000 }));
  assertDefined(o, 25_000, 'malformed');
  assert.equal(o.error, undefined, o.error?.message);
  for (const k of Object.keys(MALFORMED)) assert.ok(raw.hits.includes(`/${k}`), `${k} was requested`);
});

test('malformed HTTP as the StartUrl: a CrawlError or a completed job, nothing else', { timeout: 90_000 }, async () => {
  for (const k of Object.keys(MALFORMED)) {
    const o = await runHostile(`malformed:${k}`, job(`${raw.url}/${k}`, { maxDurationMs: 6000 }));
    assertDefined(o, 10_000, k);
  }
});

test('TLS servers that break the handshake: the crawl fails cleanly', { timeout: 60_000 }, async () => {
  for (const t of tls) {
    const o = await runHostile(`tls:${t.hits.length}:${t.url}`, job(`${t.url}/`, { maxDurationMs: 6000 }));
    assertDefined(o, 10_000, t.url);
    assert.ok(o.error instanceof CrawlError, `${t.url}: ${o.error?.message ?? 'completed'}`);
    assert.ok(t.hits.length > 0, 'the ClientHello reached the server');
  }
});

test('redirect loops and a 1000-hop chain stop at maxRedirects', { timeout: 60_000 }, async () => {
  const o = await runHostile('redirects', job(`${site.url}/redirects/`, { maxDurationMs: 15_000, maxRedirects: 5 }));
  assertDefined(o, 25_000, 'redirects');
  assert.equal(o.error, undefined, o.error?.message);
  const chainHits = site.hits.filter((h) => h.startsWith('GET /chain/')).length;
  assert.ok(chainHits < 200, `${chainHits} chain hops requested`);
  // the loop as the StartUrl
  const loop = await runHostile('redirects:loop-start', job(`${site.url}/loop`, { maxDurationMs: 8000 }));
  assertDefined(loop, 12_000, 'loop start');
});

test('HTML nested 100,000 deep and unclosed tags: parsed without a stack overflow', { timeout: 60_000 }, async () => {
  for (const path of ['/nested', '/unclosed']) {
    const o = await runHostile(`content:${path}`, job(`${site.url}${path}`, { maxDurationMs: 15_000 }));
    assertDefined(o, 25_000, path);
    assert.equal(o.error, undefined, o.error?.message);
    assert.ok(o.result?.urls.some((u) => u.url === `${site.url}/ok`), `${path}: the deep link was found`);
  }
});

test('a million links on one page: the crawl stops at maxUrls, memory bounded', { timeout: 60_000 }, async () => {
  const o = await runHostile('content:million-links', job(`${site.url}/million`, { maxDurationMs: 20_000, maxResponseBytes: 32 * MB, maxUrls: 300, maxRequests: 600 }));
  assertDefined(o, 30_000, 'million');
  assert.equal(o.error, undefined, o.error?.message);
  assert.ok((o.result?.urls.length ?? 0) <= 400, `${o.result?.urls.length} URLs`);
  // /l/N links are one pattern: the trap guard keeps a few variants, the rest are counted, not fetched
  assert.ok(o.result?.urls.some((x) => x.url.includes('/l/')), 'links were extracted');
});

test('invalid UTF-8 and 100 KB URLs', { timeout: 60_000 }, async () => {
  const u = await runHostile('content:utf8', job(`${site.url}/utf8`, { maxDurationMs: 10_000 }));
  assertDefined(u, 15_000, 'utf8');
  assert.equal(u.error, undefined, u.error?.message);
  assert.ok(u.result?.urls.some((x) => x.url.endsWith('/ok2')), 'links after invalid bytes still found');
  const links = await runHostile('content:/long-link', job(`${site.url}/long-link`, { maxDurationMs: 10_000 }));
  assertDefined(links, 15_000, 'long links');
  assert.equal(links.error, undefined, links.error?.message);
  // a 100 KB Location header is over undici's header limit: the StartUrl fails, cleanly
  const redirect = await runHostile('content:/long-redirect', job(`${site.url}/long-redirect`, { maxDurationMs: 10_000 }));
  assertDefined(redirect, 15_000, 'long redirect');
  const startLong = await runHostile('content:long-start', job(`${site.url}/ok?q=${LONG}`, { maxDurationMs: 10_000 }));
  assertDefined(startLong, 15_000, 'long StartUrl');
});

test('1 MB pathological pages through every registered check: no regex blows up', { timeout: 120_000 }, async () => {
  const o = await runHostile('content:pathological-all-checks', { ...job(`${site.url}/patho/`, { maxDurationMs: 40_000, maxRequests: 3000, requestTimeoutMs: 5000 }), items: [...VULN_ITEMS] });
  assertDefined(o, 60_000, 'pathological');
  assert.equal(o.error, undefined, o.error?.message);
  assert.equal(o.result?.limitReached, undefined, 'finished before its duration limit');
});
