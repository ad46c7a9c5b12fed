// The scan phase's browser (the `browser` capability of CheckContext): what the DOM XSS check gets
// with Chromium and without it, through the job's own session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { USER_AGENTS } from '../../core/items.js';
import { runEngine } from '../engine.js';
import { ScanSession } from '../session.js';
import { DEFAULT_LIMITS } from '../types.js';
import { startTestbed, type Testbed } from '../../../test/testbed/server.js';
import { findChromium } from './chromium.js';
import { framable, openDomBrowser } from './dom-browser.js';

const chromium = await findChromium();
const skip = chromium.ok ? false : `no Chromium: ${chromium.reason ?? 'not found'}`;

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

function session(signal: AbortSignal, headers: Record<string, string> = {}): ScanSession {
  return new ScanSession({ startUrl: `${tb.url}/dom/`, excludeUrls: [], headers, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits: { ...DEFAULT_LIMITS, requestTimeoutMs: 5000 }, signal });
}

test('without Chromium there is no capability, and a job with XSS logs why DOM XSS was not tested', async () => {
  const c = new AbortController();
  const s = session(c.signal);
  const dom = await openDomBrowser({ session: s, startUrl: `${tb.url}/dom/`, speed: '3', userAgent: USER_AGENTS['PC Chrome'], jobHeaders: {}, signal: c.signal, chromiumPath: '/nonexistent/chromium' });
  assert.equal(dom.capability, null);
  assert.match(dom.capability === null ? dom.reason : '', /Chromium is not available: the configured Chromium \/nonexistent\/chromium does not exist/);
  await s.close();

  const logs: string[] = [];
  const r = await runEngine(
    { startUrl: `${tb.url}/dom/hash-innerhtml`, excludeUrls: [], headers: {}, userAgent: 'PC Chrome', speed: '3', items: ['XSS'], crawl: 'html', limits: { maxDepth: 0 } },
    { log: (_level, message) => logs.push(message) },
    new AbortController().signal,
    { chromiumPath: '/nonexistent/chromium' },
  );
  assert.ok(logs.some((m) => /^DOM-based XSS was not tested: Chromium is not available/.test(m)), logs.join('\n'));
  assert.deepEqual(r.findings.filter((f) => f.check === 'dom-xss'), []);
});

test('a load goes through the job session: job cookie seen by scripts, planted cookies kept out of the jar, a stop ends it', { skip }, async () => {
  const c = new AbortController();
  const s = session(c.signal, { Cookie: 'sid=job123' });
  const dom = await openDomBrowser({ session: s, startUrl: `${tb.url}/dom/`, speed: '1', userAgent: USER_AGENTS['PC Chrome'], jobHeaders: { Cookie: 'sid=job123' }, signal: c.signal });
  assert.ok(dom.capability);
  try {
    const before = s.requestCount();
    const r = await dom.capability.visit({ url: `${tb.url}/dom/cookie-innerhtml`, marker: 'wscTest1', cookies: [{ name: 'theme', value: '<img src=x onerror=wscTest1(7)>' }] });
    assert.deepEqual(r.calls.map((x) => x.id), ['7']);
    assert.equal(r.status, 200);
    assert.ok(s.requestCount() > before, 'the page was fetched by the session');
    assert.deepEqual(r.sinks.map((w) => w.sink), ['innerHTML']);
    const served = tb.log.filter((l) => l.url === '/dom/cookie-innerhtml').at(-1);
    assert.match(String(served?.headers.cookie), /sid=job123/);
    assert.doesNotMatch(String(served?.headers.cookie), /onerror/);
    assert.ok(!s.cookies.cookiesFor(`${tb.url}/dom/cookie-innerhtml`).some(([n, v]) => n === 'theme' && v.includes('onerror')));
    // out of scope: never fetched, the page still loads
    const out = await dom.capability.visit({ url: `${tb.url}/dom/search-iframe-src?embed=${encodeURIComponent('http://example.invalid/')}`, marker: 'wscTest1' });
    assert.equal(out.status, 200);
    assert.ok(dom.pool.stats().blocked >= 1, 'the out-of-scope frame was refused');
    c.abort();
    await assert.rejects(dom.capability.visit({ url: `${tb.url}/dom/hash-innerhtml`, marker: 'wscTest1' }), (err: Error) => err.name === 'AbortError');
  } finally {
    await dom.close();
    await s.close();
  }
});

test('framing headers are dropped for the message sender frame, the rest of a CSP kept', () => {
  const r = framable({ status: 200, headers: { 'X-Frame-Options': 'DENY', 'content-security-policy': "script-src 'self'; frame-ancestors 'none'", 'x-other': '1' }, body: '' });
  assert.deepEqual(r.headers, { 'content-security-policy': "script-src 'self'", 'x-other': '1' });
  assert.deepEqual(framable({ status: 200, headers: { 'Content-Security-Policy': "frame-ancestors 'self'" }, body: '' }).headers, {});
});
