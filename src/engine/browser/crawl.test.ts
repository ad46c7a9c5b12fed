import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSite, type Site } from '../../../test/helpers/site.js';
import { startSpa, type Spa } from '../../../test/testbed/spa.js';
import type { CrawledRequest } from '../../core/model.js';
import { crawl, type CrawlResult } from '../crawler.js';
import { resolveLimits } from '../engine.js';
import { ScanSession } from '../session.js';
import type { EngineLimits } from '../types.js';
import { findChromium } from './chromium.js';
import { runBrowserPhase } from './phase.js';
import { listProcesses } from './proc.js';
import { browserNeed } from './signal.js';

const chromium = await findChromium();
const skip = chromium.ok ? false : `no Chromium: ${chromium.reason}`;

let spa: Spa;
let foreign: Site;

before(async () => {
  foreign = await startSite({ '/collect': (_q, r) => r.writeHead(200, { 'access-control-allow-origin': '*' }).end('ok') });
  spa = await startSpa({ foreignOrigin: foreign.url, slowMs: 30_000 });
});
after(async () => {
  await spa?.close();
  await foreign?.close();
});

interface Run {
  html: CrawlResult;
  crawled: CrawlResult;
  info: Awaited<ReturnType<typeof runBrowserPhase>>;
  requests: number;
}

async function scan(limits: Partial<EngineLimits> = {}, signal = new AbortController().signal, mode: 'browser' | 'auto' = 'browser', headers: Record<string, string> = {}): Promise<Run> {
  const l = resolveLimits({ maxDurationMs: 60_000, ...limits });
  const session = new ScanSession({ startUrl: spa.url + '/', excludeUrls: [], headers, userAgent: 'wsc-test', speed: '3', limits: l, signal });
  try {
    const crawled = await crawl(session, { startUrl: spa.url + '/', limits: l, signal });
    const html: CrawlResult = { ...crawled, requests: [...crawled.requests], pages: [...crawled.pages], urls: [...crawled.urls] };
    const info = await runBrowserPhase({ mode, session, startUrl: spa.url + '/', limits: l, deadline: Date.now() + l.maxDurationMs, signal, speed: '3', userAgent: 'wsc-test', jobHeaders: headers, crawled, hooks: {} });
    return { html, crawled, info, requests: session.requestCount() };
  } finally {
    await session.close();
  }
}

const find = (reqs: CrawledRequest[], method: string, path: string): CrawledRequest | undefined =>
  reqs.find((r) => r.method === method && new URL(r.url).pathname === path);

test('auto: an application shell needs the browser, a plain page does not', () => {
  const page = (body: string) => ({ request: { method: 'GET', url: 'http://x/', source: 'start', depth: 0 }, response: { status: 200, headers: { 'content-type': 'text/html' }, rawHeaders: [], body, bytes: body.length, truncated: false, timeMs: 1, url: 'http://x/', redirects: [] } });
  assert.equal(browserNeed([page('<div id="app"></div><script src="/a.js"></script>')]).needed, true);
  assert.equal(browserNeed([page('<a href="#/users">users</a><script>1</script>')]).needed, true);
  assert.equal(browserNeed([page('<script>window.addEventListener("popstate", f)</script><p>' + 'text '.repeat(100) + '</p>')]).needed, true);
  const plain = browserNeed([page('<h1>Shop</h1><p>' + 'words '.repeat(60) + '</p><a href="/a">a</a><script src="/jquery.js"></script>')]);
  assert.equal(plain.needed, false);
  assert.match(plain.why, /plain HTML/);
});

test('the browser crawl finds the links, routes and API calls the HTML crawler cannot', { skip }, async () => {
  const r = await scan({}, undefined, 'auto');
  assert.equal(r.info.used, true, r.info.reason);
  assert.match(r.info.reason, /application shell/);
  const expected: [string, string][] = [
    ['GET', '/products'],
    ['GET', '/search'],
    ['GET', '/contact'],
    ['GET', '/reports'],
    ['GET', '/api/menu'],
    ['GET', '/api/products'],
    ['POST', '/api/products/detail'],
    ['POST', '/api/search'],
    ['POST', '/contact/send'],
    ['GET', '/api/settings'],
    ['POST', '/api/export'],
    ['GET', '/ws/live'],
  ];
  for (const [m, p] of expected) {
    assert.equal(find(r.html.requests, m, p), undefined, `the HTML crawler alone should not find ${m} ${p}`);
    assert.ok(find(r.crawled.requests, m, p), `${m} ${p} found by the browser crawl`);
  }
  const detail = find(r.crawled.requests, 'POST', '/api/products/detail') as CrawledRequest;
  assert.equal(detail.bodyKind, 'json');
  assert.deepEqual(JSON.parse(detail.rawBody ?? ''), { id: 1, view: 'full' });
  assert.equal(detail.headers?.['x-requested-with'], 'acme');
  const search = find(r.crawled.requests, 'POST', '/api/search') as CrawledRequest;
  assert.equal(search.bodyKind, 'urlencoded');
  assert.deepEqual(search.fields?.map((f) => f.name), ['q', 'scope']);
  assert.equal(search.fields?.[0]?.value, 'wsc', 'the empty field was filled as the HTML crawler fills it');
  assert.equal(find(r.crawled.requests, 'POST', '/api/export')?.bodyKind, 'xml');
  assert.equal(find(r.crawled.requests, 'GET', '/api/settings')?.url, `${spa.url}/api/settings?section=general`);
  assert.equal(find(r.crawled.requests, 'POST', '/contact/send')?.bodyKind, 'urlencoded');
  // merged with one de-duplication: the shell is one target, whatever route served it
  const keys = r.crawled.requests.map((q) => `${q.method} ${q.url}`);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(r.crawled.pages.some((p) => new URL(p.request.url).pathname === '/api/products'), 'API answers are pages for the passive checks');
  // safety: nothing destructive, nothing out of scope
  assert.ok(!spa.hits.some((h) => h.startsWith('POST /api/logout')), 'the logout button was not clicked');
  assert.ok(!spa.hits.some((h) => h.includes('/api/account/delete')), 'the delete form was not submitted');
  assert.equal(foreign.hits.length, 0, 'the out-of-scope tracker was never reached');
  assert.ok((r.info.blocked ?? 0) >= 1);
});

test('budgets: page states, requests; the browser crawl stops at each', { skip }, async () => {
  const pages = await scan({ maxBrowserPages: 2 });
  assert.equal(pages.info.rendered, 2);
  assert.equal(pages.info.limitReached, 'maxBrowserPages');
  const before = spa.hits.length;
  const reqs = await scan({ maxRequests: 12 });
  assert.ok(reqs.requests <= 12, `sent ${reqs.requests}`);
  assert.ok(spa.hits.length - before <= 12);
  assert.equal(reqs.crawled.limitReached, 'maxRequests');
});

test('a stop ends the browser crawl within 2 s and leaves no Chromium behind', { skip }, async () => {
  const ac = new AbortController();
  const l = resolveLimits({ maxDurationMs: 60_000 });
  const session = new ScanSession({ startUrl: spa.url + '/slow', excludeUrls: [], headers: {}, userAgent: 'wsc-test', speed: '3', limits: l, signal: ac.signal });
  const crawled = await crawl(session, { startUrl: spa.url + '/slow', limits: l, signal: ac.signal });
  const running = runBrowserPhase({ mode: 'browser', session, startUrl: spa.url + '/slow', limits: l, deadline: Date.now() + 60_000, signal: ac.signal, speed: '3', userAgent: 'wsc-test', jobHeaders: {}, crawled, hooks: {} });
  const deadline = Date.now() + 10_000;
  while (!spa.hits.includes('GET /api/slow') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(spa.hits.includes('GET /api/slow'), 'the page is waiting on its slow call');
  const t0 = Date.now();
  ac.abort();
  await assert.rejects(running, { name: 'AbortError' });
  const took = Date.now() - t0;
  await session.close();
  assert.ok(took < 2000, `stopped in ${took} ms`);
  await new Promise((r) => setTimeout(r, 300));
  const mine = (await listProcesses()).filter((p) => p.ppid === process.pid && p.cmdline.includes('--wsc-pool='));
  assert.equal(mine.length, 0, 'no Chromium process of this test is left');
});

test('without Chromium, auto falls back to the HTML crawl and says why', async () => {
  const l = resolveLimits({});
  const session = new ScanSession({ startUrl: spa.url + '/', excludeUrls: [], headers: {}, userAgent: 'wsc-test', speed: '3', limits: l, signal: new AbortController().signal });
  try {
    const crawled = await crawl(session, { startUrl: spa.url + '/', limits: l, signal: new AbortController().signal });
    const n = crawled.requests.length;
    const info = await runBrowserPhase({ mode: 'auto', session, startUrl: spa.url + '/', limits: l, deadline: Date.now() + 60_000, signal: new AbortController().signal, speed: '3', userAgent: 'wsc-test', jobHeaders: {}, crawled, hooks: {}, chromiumPath: '/nonexistent/chromium' });
    assert.equal(info.used, false);
    assert.match(info.reason, /Chromium is not available: the configured Chromium \/nonexistent\/chromium does not exist/);
    assert.equal(crawled.requests.length, n);
  } finally {
    await session.close();
  }
});
