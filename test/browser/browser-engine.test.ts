// The browser engine end to end: `wsc serve` (createJob's Crawl option, the stored job, the
// report) and `wsc scan --crawl`, with Chromium and without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { findChromium } from '../../src/engine/browser/chromium.js';
import { runScan } from '../../src/cli/commands/scan.js';
import type { CliIo } from '../../src/cli/context.js';
import type { JsonReport } from '../../src/report/json.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { startSpa, type Spa } from '../testbed/spa.js';

const chromium = await findChromium();
const skip = chromium.ok ? false : `no Chromium: ${chromium.reason}`;

let t: TestServer;
let spa: Spa;
before(async () => {
  t = await startTestServer();
  spa = await startSpa();
});
after(async () => {
  await t.close();
  await spa.close();
});

/** Runs `fn` with WSC_CHROMIUM_PATH pointing at nothing: a machine without Chromium. */
async function withoutChromium<T>(fn: () => Promise<T>): Promise<T> {
  const prev = process.env.WSC_CHROMIUM_PATH;
  process.env.WSC_CHROMIUM_PATH = '/nonexistent/chromium';
  try {
    return await fn();
  } finally {
    if (prev === undefined) delete process.env.WSC_CHROMIUM_PATH;
    else process.env.WSC_CHROMIUM_PATH = prev;
  }
}

async function runJob(body: Record<string, unknown>): Promise<JsonReport> {
  const r = await t.call('PUT', '/api/v1/job', { StartUrl: spa.url + '/', VulnItems: ['Directory Listing'], UserAgent: 'PC Chrome', Speed: '3', ...body });
  assert.equal(r.status, 200, r.text);
  const id = String(r.headers['x-wsc-instance-no']);
  await waitFor(async () => {
    const list = await t.call('GET', '/api/v1/jobs?limit=10&page=1');
    const row = list.json.resources.record_data?.find((x: { instanceNo: string }) => x.instanceNo === id);
    assert.notEqual(row?.status, 'URL collection failed', JSON.stringify(row));
    return row?.status === 'Diagnostics completed' ? row : null;
  }, 60_000);
  const json = await t.call('GET', `/api/v1/jobs/${id}/report?format=json`);
  assert.equal(json.status, 200);
  const html = await t.call('GET', `/api/v1/jobs/${id}/report?format=html`);
  assert.match(html.text, /Browser engine/);
  return json.json as JsonReport;
}

const paths = (r: JsonReport): string[] => r.urls.map((u) => `${u.method} ${new URL(u.url).pathname}`);

test('serve without Chromium: Crawl "auto" falls back to the HTML crawl and the report says why', async () => {
  const report = await withoutChromium(() => runJob({ Crawl: 'auto' }));
  assert.equal(report.browser_engine?.used, false);
  assert.match(report.browser_engine?.reason ?? '', /Chromium is not available: WSC_CHROMIUM_PATH \/nonexistent\/chromium does not exist/);
  assert.ok(!paths(report).includes('POST /api/products/detail'));
});

test('serve with Chromium: Crawl "browser" adds what the scripts call to the job URLs', { skip }, async () => {
  const report = await runJob({ Crawl: 'browser' });
  assert.equal(report.browser_engine?.used, true, report.browser_engine?.reason);
  assert.ok((report.browser_engine?.rendered ?? 0) > 1);
  for (const p of ['GET /reports', 'GET /api/settings', 'POST /api/products/detail', 'POST /api/search']) assert.ok(paths(report).includes(p), p);
});

test('serve: Crawl "html" never starts the browser', async () => {
  const report = await runJob({ Crawl: 'html' });
  assert.equal(report.browser_engine?.used, false);
  assert.match(report.browser_engine?.reason ?? '', /Crawl "html"/);
});

function io(): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (c: string | Uint8Array) => (out += String(c)) },
    stderr: { write: (c: string | Uint8Array) => (err += String(c)) },
    env: {},
    signal: new AbortController().signal,
    out: () => out,
    err: () => err,
  };
}

test('wsc scan without Chromium still works and says the browser engine was not used', async () => {
  const o = io();
  const run = await withoutChromium(() => runScan({ url: spa.url + '/', items: 'Directory Listing', speed: '3', crawl: 'auto', maxDuration: 30, tty: false, failOn: 'none' }, o));
  assert.equal(run.exitCode, 0, o.err());
  assert.match(o.err(), /browser engine not used: Chromium is not available/);
  const report = JSON.parse(o.out()) as JsonReport;
  assert.equal(report.browser_engine?.used, false);
});

test('wsc scan --crawl: a word it does not know is a usage error', async () => {
  const o = io();
  const run = await runScan({ url: spa.url + '/', crawl: 'spider', tty: false, failOn: 'none' }, o);
  assert.equal(run.exitCode, 3);
  assert.match(o.err(), /--crawl must be browser, html or auto/);
});
