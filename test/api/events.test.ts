// GET /api/v1/jobs/{id}/events: Server-Sent Events from the real server, read by the SDK and by the
// CLI, against a real job on the loopback testbed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'undici';
import { WscClient, type JobEvent } from '../../src/sdk/index.js';
import { startTestbed, type Testbed } from '../testbed/server.js';
import { hang, startSite, type Site } from '../helpers/site.js';
import { signedHeaders, startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { runWith } from '../../src/cli/program.js';
import { registerJobsCommand } from '../../src/cli/commands/jobs.js';
import type { CliIo } from '../../src/cli/context.js';

let server: TestServer;
let tb: Testbed;
let slow: Site;
let client: WscClient;

before(async () => {
  server = await startTestServer({ config: { eventsPollMs: 100, eventsMaxStreams: 2 } });
  tb = await startTestbed();
  slow = await startSite({ '/': hang });
  client = new WscClient({ endpoint: server.url, accessKey: server.admin.accessKey, secretKey: server.admin.secretKey });
});
after(async () => {
  await client.close();
  await server.close();
  await tb.close();
  await slow.close();
});

async function createJob(url: string, items = ['Directory Listing']): Promise<string> {
  const r = await client.createJob({ StartUrl: url, VulnItems: items, UserAgent: 'PC Chrome', Speed: '3' });
  return r.instanceNo!;
}

async function collect(id: string, opts: { lastEventId?: number } = {}): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of client.jobEvents(id, opts)) out.push(e);
  return out;
}

test('a job streams status changes, each finding once with its index, then end; Last-Event-ID resumes', async () => {
  const id = await createJob(`${tb.url}/dirlist/`);
  const events = await collect(id);
  const statuses = events.filter((e) => e.event === 'status').map((e) => (e.data as { status: number }).status);
  assert.equal(statuses.at(-1), 4);
  assert.ok(statuses.length >= 2, `several status events: ${statuses.join(',')}`);
  const findings = events.filter((e) => e.event === 'finding');
  assert.equal(findings.length, 7);
  assert.deepEqual(findings.map((e) => e.id), ['0', '1', '2', '3', '4', '5', '6']);
  assert.ok(findings.every((e) => e.event === 'finding' && e.data.item === 'Directory Listing'));
  const last = events.at(-1)!;
  assert.equal(last.event, 'end');
  assert.equal((last.data as { reason: string }).reason, 'Diagnostics completed');
  // resume after finding 4: only 5 and 6 come again, then the job's final status and end
  const again = await collect(id, { lastEventId: 4 });
  assert.deepEqual(again.filter((e) => e.event === 'finding').map((e) => e.id), ['5', '6']);
  assert.equal(again.at(-1)!.event, 'end');
});

test('the stream is signed and scoped like every call: 401 unsigned, 901 for another account, the envelope on errors', async () => {
  const id = await createJob(`${tb.url}/dirlist/`);
  const unsigned = await request(`${server.url}/api/v1/jobs/${id}/events`);
  assert.equal(unsigned.statusCode, 401);
  assert.equal(((await unsigned.body.json()) as { error: { errorCode: string } }).error.errorCode, '200');
  const other = await server.account('other-events', ['127.0.0.1']);
  const res = await request(`${server.url}/api/v1/jobs/${id}/events`, { headers: signedHeaders('GET', `/api/v1/jobs/${id}/events`, other) });
  assert.equal(res.statusCode, 400);
  assert.equal(((await res.body.json()) as { error: { errorCode: number } }).error.errorCode, 901);
  const bad = await server.call('GET', '/api/v1/jobs/abc/events');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.errorCode, 901);
  await waitFor(async () => (await server.call('GET', '/api/v1/jobs?limit=10&page=1')).json.resources.record_data.every((r: { status: string }) => !/Collecting|Diagnosing|Scheduled|pending/.test(r.status)), 20_000);
});

test('WSC_EVENTS_MAX_STREAMS caps open streams per account (429 "420"); a stop ends the stream with the final status', async () => {
  const id = await createJob(`${slow.url}/`);
  const ac = new AbortController();
  const seen: JobEvent[][] = [[], []];
  const readers = [0, 1].map(async (i) => {
    for await (const e of client.jobEvents(id, { signal: ac.signal })) seen[i]!.push(e);
  });
  await waitFor(async () => seen[0]!.length > 0 && seen[1]!.length > 0);
  const third = await server.call('GET', `/api/v1/jobs/${id}/events`);
  assert.equal(third.status, 429);
  assert.equal(third.json.error.errorCode, '420');
  assert.match(third.json.error.details, /WSC_EVENTS_MAX_STREAMS/);
  await client.stopJob(id);
  await Promise.all(readers);
  for (const s of seen) {
    assert.equal(s.at(-1)!.event, 'end');
    assert.equal((s.at(-1)!.data as { reason: string }).reason, 'Stopped');
  }
  // both slots are free again
  const after = await collect(id);
  assert.equal(after.at(-1)!.event, 'end');
});

test('wsc jobs events --jsonl prints one JSON object per event and exits 0 on a completed job', async () => {
  const id = await createJob(`${tb.url}/dirlist/`);
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (c) => (out += String(c)) }, stderr: { write: (c) => (err += String(c)) }, env: { WSC_ENDPOINT: server.url, WSC_ACCESS_KEY: server.admin.accessKey, WSC_SECRET_KEY: server.admin.secretKey }, signal: new AbortController().signal };
  const code = await runWith([registerJobsCommand], ['jobs', 'events', id, '--jsonl'], io);
  assert.equal(code, 0, err);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as JobEvent);
  assert.equal(lines.filter((e) => e.event === 'finding').length, 7);
  assert.equal(lines.at(-1)!.event, 'end');
});

test('WSC_EVENTS_MAX_MS ends a stream that lived long enough, saying so', async () => {
  const local = await startTestServer({ config: { eventsPollMs: 50, eventsMaxMs: 400 } });
  const c = new WscClient({ endpoint: local.url, accessKey: local.admin.accessKey, secretKey: local.admin.secretKey });
  try {
    const r = await c.createJob({ StartUrl: `${slow.url}/`, VulnItems: ['Directory Listing'], UserAgent: 'PC Chrome', Speed: '3' });
    const t = Date.now();
    const events: JobEvent[] = [];
    for await (const e of c.jobEvents(r.instanceNo!)) events.push(e);
    assert.ok(Date.now() - t >= 350);
    assert.match((events.at(-1)!.data as { reason: string }).reason, /stream lifetime reached/);
    await c.stopJob(r.instanceNo!);
  } finally {
    await c.close();
    await local.close();
  }
});

test('closing the server ends open streams instead of waiting for them', async () => {
  const local = await startTestServer({ config: { eventsPollMs: 100 } });
  const c = new WscClient({ endpoint: local.url, accessKey: local.admin.accessKey, secretKey: local.admin.secretKey });
  try {
    const r = await c.createJob({ StartUrl: `${slow.url}/`, VulnItems: ['Directory Listing'], UserAgent: 'PC Chrome', Speed: '3' });
    const events: JobEvent[] = [];
    const reading = (async () => {
      for await (const e of c.jobEvents(r.instanceNo!)) events.push(e);
    })();
    await waitFor(async () => events.length > 0);
    const t = Date.now();
    await local.close();
    await reading;
    assert.ok(Date.now() - t < 5000);
    assert.equal(events.at(-1)!.event, 'end');
    assert.equal((events.at(-1)!.data as { reason: string }).reason, 'server shutting down');
  } finally {
    await c.close();
  }
});

const CHROMIUM = '/usr/bin/chromium';
test('the console watches a job live over the event stream (headless Chromium)', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, async () => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url + '/#/signin');
    await page.fill('#ak', server.admin.accessKey);
    await page.fill('#sk', server.admin.secretKey);
    await page.press('#sk', 'Enter');
    await page.locator('#page-title', { hasText: 'Jobs' }).waitFor();
    const id = await createJob(`${slow.url}/`);
    await page.goto(`${server.url}/#/jobs/${id}`);
    // the job's page follows its event stream while it runs (locators, not evaluated strings: the
    // console's CSP forbids eval, as it should)
    await page.locator('dd', { hasText: '(live)' }).locator('#job-status', { hasText: 'Collecting URLs' }).waitFor({ timeout: 10_000 });
    await client.stopJob(id);
    // the stream's end makes the page read the job again: stopped, no longer live
    await page.locator('#job-status', { hasText: 'Stopped' }).waitFor({ timeout: 10_000 });
    await page.locator('dd', { hasText: '(live)' }).waitFor({ state: 'detached', timeout: 5_000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
