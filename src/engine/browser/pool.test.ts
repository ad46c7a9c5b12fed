import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSite, hang, type Site } from '../../../test/helpers/site.js';
import { ScanSession } from '../session.js';
import { DEFAULT_LIMITS } from '../types.js';
import { findChromium } from './chromium.js';
import { sessionFulfill } from './fulfill.js';
import { BrowserCrashError, BrowserPool, PageTimeoutError } from './pool.js';
import { listProcesses } from './proc.js';

const chromium = await findChromium();
const skip = chromium.ok ? false : `no Chromium: ${chromium.reason}`;
const exe = chromium.path ?? '';

let site: Site;
let other: Site;
const seen: { path: string; ua: string; token: string; cookie: string }[] = [];

before(async () => {
  other = await startSite({ '/steal': (_q, r) => r.writeHead(200, { 'access-control-allow-origin': '*' }).end('stolen') });
  // the page names the other site's origin, known once it listens
  const page = `<!doctype html><title>home</title><div id=out></div><script>
      fetch('/api/hello', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n: 1 }) })
        .then((r) => r.text()).then((t) => { document.getElementById('out').textContent = t; });
      fetch('${other.url}/steal').then(() => { document.title = 'leaked'; }, () => { document.body.dataset.blocked = '1'; });
    </script>`;
  site = await startSite({
    '/': page,
    '/api/hello': (req, res) => {
      seen.push({ path: '/api/hello', ua: String(req.headers['user-agent']), token: String(req.headers['x-job-token'] ?? ''), cookie: String(req.headers['cookie'] ?? '') });
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'sid=abc; Path=/' }).end('{"hello":"world"}');
    },
    '/hang': hang,
    '/plain': '<p>plain</p>',
  });
});

after(async () => {
  await site?.close();
  await other?.close();
});

function session(signal: AbortSignal): ScanSession {
  return new ScanSession({
    startUrl: site.url + '/',
    excludeUrls: [],
    headers: { 'X-Job-Token': 'job-secret', Cookie: 'job=1' },
    userAgent: 'wsc-test-agent',
    speed: '2',
    limits: { ...DEFAULT_LIMITS },
    signal,
  });
}

async function chromiumProcesses(marker: string): Promise<number> {
  return (await listProcesses()).filter((p) => p.cmdline.includes(marker)).length;
}

test('findChromium: a named path that is not there is reported, not replaced', { skip }, async () => {
  const missing = await findChromium('/nonexistent/chromium');
  assert.equal(missing.ok, false);
  assert.match(missing.reason ?? '', /does not exist/);
  const found = await findChromium();
  assert.equal(found.ok, true);
});

test('every page request goes through the session: job headers, UA and cookies apply, other hosts are refused', { skip }, async () => {
  const ac = new AbortController();
  const s = session(ac.signal);
  const pool = new BrowserPool({
    executablePath: exe,
    maxTabs: 2,
    userAgent: 'wsc-test-agent',
    allowRequest: (url) => s.scope.inScope(url),
    fulfill: sessionFulfill(s),
    cookies: [{ name: 'job', value: '1', url: site.url }],
    signal: ac.signal,
  });
  try {
    const before = other.hits.length;
    const out = await pool.withPage(async (page) => {
      await page.goto(site.url + '/');
      await page.waitForFunction("document.getElementById('out').textContent !== '' && document.body.dataset.blocked === '1'");
      return { text: await page.textContent('#out'), title: await page.title(), cookie: String(await page.evaluate('document.cookie')) };
    });
    assert.equal(out.text, '{"hello":"world"}');
    assert.equal(out.title, 'home', 'the out-of-scope fetch failed in the page');
    assert.equal(other.hits.length, before, 'nothing reached the other host');
    assert.ok(pool.stats().blocked >= 1);
    const hello = seen.at(-1);
    assert.equal(hello?.ua, 'wsc-test-agent');
    assert.equal(hello?.token, 'job-secret');
    assert.match(hello?.cookie ?? '', /job=1/);
    assert.match(out.cookie, /sid=abc/, 'a Set-Cookie answered through the session reached the page');
    assert.ok(s.requestCount() >= 2, 'the browser requests counted against the job budget');
  } finally {
    await pool.close();
    await s.close();
  }
});

test('without fulfill, requests Chromium would send itself meet the sinkhole proxy', { skip }, async () => {
  const pool = new BrowserPool({ executablePath: exe, maxTabs: 1 });
  try {
    const before = site.hits.length;
    await assert.rejects(pool.withPage((page) => page.goto(site.url + '/plain', { timeout: 5000 })));
    assert.equal(site.hits.length, before);
  } finally {
    await pool.close();
  }
});

test('a crashed tab costs its page; a killed browser is started again; a slow page times out', { skip }, async () => {
  const s = session(new AbortController().signal);
  const pool = new BrowserPool({ executablePath: exe, maxTabs: 2, pageTimeoutMs: 15_000, allowRequest: (u) => s.scope.inScope(u), fulfill: sessionFulfill(s) });
  try {
    await assert.rejects(
      pool.withPage(async (page) => {
        await page.goto('chrome://crash').catch(() => undefined);
        await page.waitForTimeout(5000);
      }),
      BrowserCrashError,
    );
    assert.equal(await pool.withPage(async (p) => (await p.goto(site.url + '/plain'))?.status()), 200);
    await assert.rejects(pool.withPage((p) => p.goto(site.url + '/hang', { timeout: 60_000 }).then(() => null), { timeoutMs: 1500 }), PageTimeoutError);
    // kill the whole browser under a page in use
    const victim = pool.withPage(async (page) => {
      await page.goto(site.url + '/plain');
      const procs = (await listProcesses()).filter((p) => p.cmdline.includes(pool.processMarker) && !p.cmdline.includes('--type='));
      for (const p of procs) process.kill(p.pid, 'SIGKILL');
      await page.waitForTimeout(5000);
    });
    await assert.rejects(victim, BrowserCrashError);
    assert.equal(await pool.withPage(async (p) => (await p.goto(site.url + '/plain'))?.status()), 200);
    const st = pool.stats();
    assert.ok(st.crashes >= 2, JSON.stringify(st));
    assert.equal(st.browsers, 2);
  } finally {
    await pool.close();
    await s.close();
  }
});

test('tabs are bounded, contexts recycled, and a stop closes everything within 2 s', { skip }, async () => {
  const ac = new AbortController();
  const s = session(ac.signal);
  const pool = new BrowserPool({ executablePath: exe, maxTabs: 2, pagesPerContext: 2, allowRequest: (u) => s.scope.inScope(u), fulfill: sessionFulfill(s), signal: ac.signal });
  let open = 0;
  let peak = 0;
  const stores: string[] = [];
  await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      pool.withPage(async (page) => {
        peak = Math.max(peak, ++open);
        await page.goto(site.url + '/plain');
        stores.push(String(await page.evaluate(`(() => { const prev = localStorage.getItem('k') || ''; localStorage.setItem('k', prev + '${i}'); return prev; })()`)));
        await page.waitForTimeout(50);
        open--;
      }),
    ),
  );
  assert.equal(peak, 2);
  assert.ok(stores.every((v) => v.length <= 1), `each context served at most 2 pages: ${stores.join(',')}`);
  assert.ok(pool.stats().contexts >= 3);
  const hanging = Array.from({ length: 3 }, () => pool.withPage((page) => page.goto(site.url + '/hang', { timeout: 60_000 })));
  await new Promise((r) => setTimeout(r, 500));
  const t0 = Date.now();
  ac.abort();
  const settled = await Promise.allSettled(hanging);
  await pool.close();
  const took = Date.now() - t0;
  assert.ok(took < 2000, `stopped in ${took} ms`);
  assert.ok(settled.every((r) => r.status === 'rejected'));
  await assert.rejects(pool.withPage(async () => 1), /closed/);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await chromiumProcesses(pool.processMarker), 0, 'no Chromium process left');
  await s.close();
});

test('reusePages: a tab serves the next page without the last one\'s listeners or init scripts', { skip }, async () => {
  const s = session(new AbortController().signal);
  const pool = new BrowserPool({ executablePath: exe, maxTabs: 1, reusePages: true, allowRequest: (u) => s.scope.inScope(u), fulfill: sessionFulfill(s) });
  try {
    let dialogs = 0;
    const first = await pool.withPage(
      async (page) => {
        page.on('request', () => dialogs++);
        await page.goto(site.url + '/plain');
        return { page, marked: await page.evaluate('window.__mark === 1') };
      },
      { initScripts: ['window.__mark = 1'] },
    );
    assert.equal(first.marked, true);
    const seenBefore = dialogs;
    const second = await pool.withPage(async (page) => {
      await page.goto(site.url + '/plain');
      return { page, marked: await page.evaluate('window.__mark === 1') };
    });
    assert.equal(second.page, first.page, 'the same tab');
    assert.equal(second.marked, false, 'the init script of the last use is gone');
    assert.equal(dialogs, seenBefore, 'the listener of the last use is gone');
    assert.equal(pool.stats().pages, 2);
  } finally {
    await pool.close();
    await s.close();
  }
});
