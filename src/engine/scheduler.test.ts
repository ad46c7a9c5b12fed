import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed } from '../../test/testbed/server.js';
import { USER_AGENTS } from '../core/items.js';
import { parseRetryAfter, Scheduler } from './scheduler.js';
import { ScanSession } from './session.js';
import { DEFAULT_LIMITS } from './types.js';

test('Retry-After parses seconds and dates', () => {
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter('soon'), null);
  assert.equal(parseRetryAfter(undefined), null);
});

test('429 with Retry-After halves the window, pauses, retries, then recovers', async () => {
  let hits = 0;
  const tb = await startTestbed({
    routes: [
      {
        path: '/limited',
        handler: (_req, res) => {
          hits++;
          if (hits <= 2) {
            res.setHeader('retry-after', '1');
            return res.text('slow down', 429);
          }
          res.text('ok');
        },
      },
    ],
  });
  const ac = new AbortController();
  const s = new ScanSession({ startUrl: tb.url + '/', excludeUrls: [], headers: {}, userAgent: USER_AGENTS.iPhone, speed: '3', limits: { ...DEFAULT_LIMITS }, signal: ac.signal });
  try {
    const t0 = Date.now();
    const r = await s.send({ method: 'GET', url: tb.url + '/limited' });
    const took = Date.now() - t0;
    assert.equal(r.response.status, 200, 'retried after the pause');
    assert.ok(took >= 900, `waited for Retry-After (${took} ms)`);
    assert.equal(s.requestCount(), 3);
    const st = s.scheduler.stats();
    assert.ok(st.limit < st.maxConcurrency, `window shrank: ${st.limit}`);
    assert.ok(st.backoffs >= 1);
    // Concurrent requests queued behind the pause all wait for it.
    hits = 0;
    const t1 = Date.now();
    const all = await Promise.all(Array.from({ length: 6 }, () => s.send({ method: 'GET', url: tb.url + '/limited' })));
    assert.ok(all.every((x) => x.response.status === 200));
    assert.ok(Date.now() - t1 >= 900);
    // Recovery: steady good answers grow the window back.
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 120));
      await s.send({ method: 'GET', url: tb.url + '/about' });
    }
    assert.ok(s.scheduler.stats().limit > st.limit / 2, 'the window grows again');
  } finally {
    await s.close();
    await tb.close();
  }
});

test('rising latency against the baseline shrinks the window; timeouts do too', () => {
  const ac = new AbortController();
  const sch = new Scheduler('3', ac.signal);
  for (let i = 0; i < 30; i++) sch.report({ status: 200, timeMs: 5 });
  assert.equal(sch.stats().limit, 32);
  for (let i = 0; i < 20; i++) sch.report({ status: 200, timeMs: 900 });
  const after = sch.stats();
  assert.ok(after.limit <= 16, `limit ${after.limit}`);
  assert.ok(after.delayMs > 0);
  const other = new Scheduler('2', ac.signal);
  other.report({ timeout: true });
  assert.equal(other.stats().limit, 5);
  sch.close();
  other.close();
});

test('answersFast: after 8 quick answers, until latency passes 25 ms or the job backs off; back below 10 ms', () => {
  const ac = new AbortController();
  const sch = new Scheduler('3', ac.signal);
  for (let i = 0; i < 7; i++) sch.report({ status: 200, timeMs: 1 });
  assert.equal(sch.answersFast, false, 'too few answers to tell');
  sch.report({ status: 200, timeMs: 1 });
  assert.equal(sch.answersFast, true);
  sch.report({ status: 200, timeMs: 60 });
  assert.equal(sch.answersFast, true, 'one slowish answer (EWMA 12.8 ms) is within the hysteresis');
  sch.report({ status: 200, timeMs: 200 });
  assert.equal(sch.answersFast, false, 'EWMA past 25 ms');
  for (let i = 0; i < 6; i++) sch.report({ status: 200, timeMs: 1 });
  assert.equal(sch.answersFast, false, `still above 10 ms (${sch.stats().ewmaMs})`);
  for (let i = 0; i < 10; i++) sch.report({ status: 200, timeMs: 1 });
  assert.equal(sch.answersFast, true);
  sch.report({ status: 429 });
  assert.equal(sch.answersFast, false, 'a back-off ends it');
  sch.close();
});

test('maxRps spaces request starts', async () => {
  const ac = new AbortController();
  const sch = new Scheduler({ concurrency: 4, maxRps: 20 }, ac.signal);
  const starts: number[] = [];
  await Promise.all(Array.from({ length: 10 }, () => sch.run(async () => void starts.push(Date.now()))));
  const span = (starts.at(-1) ?? 0) - (starts[0] ?? 0);
  assert.ok(span >= 9 * 50 - 20, `10 starts at 20 rps span ${span} ms`);
  sch.close();
});

test('abort rejects queued work at once and in-flight requests settle within 2 s against a hanging target', async () => {
  const tb = await startTestbed();
  const ac = new AbortController();
  const s = new ScanSession({ startUrl: tb.url + '/', excludeUrls: [], headers: {}, userAgent: USER_AGENTS.iPhone, speed: '1', limits: { ...DEFAULT_LIMITS, requestTimeoutMs: 60_000 }, signal: ac.signal });
  try {
    const ps = Array.from({ length: 20 }, (_, i) => s.send({ method: 'GET', url: `${tb.url}/hang?${i}` }).then(() => 'done', (e: Error) => e.name));
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(s.scheduler.stats().queued > 0, 'speed 1 queues most of them');
    const t0 = Date.now();
    ac.abort();
    const results = await Promise.all(ps);
    assert.ok(Date.now() - t0 < 2000, `settled in ${Date.now() - t0} ms`);
    assert.ok(results.every((r) => r === 'AbortError'), results.join(','));
    await assert.rejects(s.send({ method: 'GET', url: tb.url + '/' }), (e: Error) => e.name === 'AbortError');
  } finally {
    await s.close();
    await tb.close();
  }
});

test('speed 3 sustains hundreds of requests per second on loopback', async () => {
  const tb = await startTestbed({ keepLog: false, routes: [{ path: '/ping', handler: (_req, res) => res.text('pong') }] });
  const ac = new AbortController();
  const s = new ScanSession({ startUrl: tb.url + '/', excludeUrls: [], headers: {}, userAgent: USER_AGENTS.iPhone, speed: '3', limits: { ...DEFAULT_LIMITS }, signal: ac.signal });
  try {
    const n = 2000;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < n) {
          next++;
          await s.send({ method: 'GET', url: tb.url + '/ping' });
        }
      }),
    );
    const rps = n / ((performance.now() - t0) / 1000);
    assert.ok(rps > 300, `${Math.round(rps)} req/s`);
  } finally {
    await s.close();
    await tb.close();
  }
});
