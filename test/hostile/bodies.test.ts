// Hostile response bodies: slow drip, endless chunked, 1 GiB, gzip and brotli bombs, resets
// mid-body, and servers that accept and never answer. Each case runs a real engine job whose
// StartUrl links to the hostile resource (and one whose StartUrl is the resource) and asserts the
// job ends in a defined state, within its time limits, with bounded memory.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CrawlError } from '../../src/engine/types.js';
import { job, MB, RSS_BOUND, runHostile, type Outcome } from './harness.js';
import { bomb, hostileHttp, writeForever, type Hostile, type Route } from './servers.js';

let site: Hostile;
let gzipBomb: Buffer;
let brBomb: Buffer;

const GIB = 1024 * MB;

before(async () => {
  gzipBomb = await bomb('gzip', 256 * MB);
  brBomb = await bomb('br', 256 * MB);
  const cases: Record<string, Route> = {
    // slowloris: headers at once, then one byte a second, forever
    drip: (_req, res, stop) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const t = setInterval(() => (stop.aborted || res.destroyed ? clearInterval(t) : res.write('a')), 1000);
      res.on('close', () => clearInterval(t));
    },
    // headers themselves dripped: the status line never completes
    'drip-head': (req, _res, stop) => {
      const s = req.socket;
      s.write('HTTP/1.1 200 OK\r\n');
      const t = setInterval(() => (stop.aborted || s.destroyed ? clearInterval(t) : s.write('X-A: b\r\n')), 1000);
      s.on('close', () => clearInterval(t));
    },
    endless: (_req, res, stop) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      writeForever(res, Buffer.from('<p>more</p>'.repeat(6000)), stop);
    },
    gib: (_req, res, stop) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(GIB) });
      writeForever(res, Buffer.alloc(256 * 1024, 0x61), stop, GIB);
    },
    gzip: (_req, res) => res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': String(gzipBomb.length) }).end(gzipBomb),
    br: (_req, res) => res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'br', 'content-length': String(brBomb.length) }).end(brBomb),
    // claims gzip, sends garbage
    'bad-gzip': (_req, res) => res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(Buffer.from('not gzip at all '.repeat(100))),
    reset: (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-length': '100000' });
      res.write('<a href="/x">'.repeat(1000));
      setTimeout(() => req.socket.resetAndDestroy(), 20);
    },
    'reset-chunked': (req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<p>partial</p>'.repeat(500));
      setTimeout(() => req.socket.destroy(), 20);
    },
    hang: () => {
      // accepts the request and never answers
    },
  };
  const routes: Record<string, Route | string> = {};
  for (const [name, route] of Object.entries(cases)) {
    routes[`/${name}/`] = `<html><body><a href="/${name}/bad">bad</a> <a href="/${name}/bad?x=1">bad again</a> <a href="/${name}/ok">ok</a></body></html>`;
    routes[`/${name}/ok`] = `<html><body>fine</body></html>`;
    routes[`/${name}/bad`] = route;
  }
  site = await hostileHttp(routes);
});

after(() => site.close());

function assertDefined(o: Outcome, boundMs: number, label: string): void {
  if (o.error) assert.ok(o.error instanceof CrawlError, `${label}: ended with ${o.error.name}: ${o.error.message}`);
  assert.ok(o.ms < boundMs, `${label}: took ${Math.round(o.ms)} ms (bound ${boundMs})`);
  assert.ok(o.peakRssDelta < RSS_BOUND, `${label}: peak RSS +${Math.round(o.peakRssDelta / MB)} MB`);
}

const NAMES = ['drip', 'drip-head', 'endless', 'gib', 'gzip', 'br', 'bad-gzip', 'reset', 'reset-chunked', 'hang'];

for (const name of NAMES) {
  test(`hostile body "${name}": the job completes within its limits, memory bounded`, { timeout: 60_000 }, async () => {
    const o = await runHostile(`body:${name}`, job(`${site.url}/${name}/`, { maxDurationMs: 8000, requestTimeoutMs: 1000 }));
    assertDefined(o, 20_000, name);
    assert.equal(o.error, undefined, `${name}: ${o.error?.message}`);
    assert.ok(o.result && o.result.urls.some((u) => u.url.endsWith(`/${name}/ok`)), 'the well-behaved page was still collected');
  });
}

test('hostile resources as the StartUrl itself: completed (truncated) or a CrawlError, never a hang', { timeout: 90_000 }, async () => {
  for (const name of NAMES) {
    const o = await runHostile(`start:${name}`, job(`${site.url}/${name}/bad`, { maxDurationMs: 5000, requestTimeoutMs: 1000 }));
    assertDefined(o, 15_000, `start:${name}`);
  }
});

test('a stop (abort) during a slow drip ends the job at once', { timeout: 30_000 }, async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 700);
  const o = await runHostile('stop:drip', job(`${site.url}/drip/`, { requestTimeoutMs: 60_000, maxDurationMs: 60_000 }), { signal: ac.signal });
  assert.equal(o.error?.name, 'AbortError');
  assert.ok(o.ms < 2500, `stopped after ${Math.round(o.ms)} ms`);
});
