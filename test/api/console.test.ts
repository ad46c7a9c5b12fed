// The web console in headless Chromium against the real server: it says what to do while no key
// is set, lists the jobs as soon as a key is entered (Enter in the field is enough), keeps the key in
// sessionStorage only, and links a completed job to its report (a signed download).
// The full flows are in test/console/.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { startSite, type Site } from '../helpers/site.js';

// browser globals used inside page.evaluate callbacks (the test program is compiled without the DOM lib)
declare const document: any, sessionStorage: any, localStorage: any;

const CHROMIUM = '/usr/bin/chromium';
let t: TestServer;
let site: Site;
let jobId: string;

before(async () => {
  t = await startTestServer();
  site = await startSite({ '/': '<html><body><a href="/a">a</a></body></html>', '/a': '<html><body>a</body></html>' });
  const r = await t.call('PUT', '/api/v1/job', { StartUrl: `${site.url}/`, VulnItems: ['Directory Listing'], UserAgent: 'PC Chrome', Speed: '3', Memo: 'console' });
  assert.equal(r.status, 200, r.text);
  jobId = String(r.headers['x-wsc-instance-no']);
  await waitFor(async () => {
    const list = await t.call('GET', '/api/v1/jobs?limit=10&page=1');
    return list.json.resources.record_data?.find((x: { instanceNo: string; status: string }) => x.instanceNo === jobId && x.status === 'Diagnostics completed');
  }, 30_000);
});
after(async () => {
  await site.close();
  await t.close();
});

test('console: no-key message, jobs on Enter, key in the session only, report download of a completed job', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed`, timeout: 60_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${t.url}/`);
    await page.waitForSelector('#msg');
    assert.match(await page.locator('#msg').textContent() ?? '', /No API key yet/);
    // any page asks for the key first, with the same message
    await page.goto(`${t.url}/#/jobs`);
    await page.waitForSelector('#page-title:text-is("Sign in")');
    assert.match(await page.locator('#msg').textContent() ?? '', /No API key yet/);
    await page.fill('#ak', t.admin.accessKey);
    await page.fill('#sk', t.admin.secretKey);
    await page.press('#sk', 'Enter');
    await page.waitForSelector(`tr[data-id="${jobId}"] a:text-is("${jobId}")`, { timeout: 10_000 });
    assert.match(await page.locator('[role=status]:has-text("job(s)")').first().textContent() ?? '', /\d+ job\(s\)/);
    // the key lives in this tab's session storage, nowhere else
    const kept = await page.evaluate(() => ({ session: sessionStorage.getItem('wsc.key'), local: localStorage.length, cookie: document.cookie }));
    assert.deepEqual(JSON.parse(kept.session ?? 'null'), t.admin);
    assert.equal(kept.local, 0);
    assert.equal(kept.cookie, '');
    await page.click(`tr[data-id="${jobId}"] a:text-is("Report")`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:text-is("Download HTML")')]);
    assert.equal(download.suggestedFilename(), `wsc-report-${jobId}.html`);
    const file = await download.path();
    assert.match(readFileSync(file, 'utf8'), /^<!DOCTYPE html>/);
  } finally {
    await browser.close();
  }
});
