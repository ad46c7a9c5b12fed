// getReport and re-diagnosis end to end: the real server (store, runner, engine, checks) scans a
// real target on 127.0.0.1 whose responses carry markup and the job's own cookie into evidence.
// Checks every format (NCP envelope, JSON, SARIF against the 2.1.0 schema, HTML in headless
// Chromium, PDF by text extraction), secret redaction in reports and logs, account scoping, the
// documented errors, the rescan diff and the expiry rules on a moved clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import Ajv from 'ajv-draft-04';
import { createLogger } from '../../src/core/log.js';
import { STATUS } from '../../src/core/status.js';
import { issueKey } from '../../src/jobs/keys.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { movableClock, send, signedHeaders, waitFor, type Key, type Reply } from '../helpers/server.js';

const SECRET = 'sess-9f8e7d6c5b4a-SECRET';
const TOKEN = 'tok_ZYXWVU987654';
const DAY = 24 * 3600 * 1000;
const CHROMIUM = '/usr/bin/chromium';

let mode: 'before' | 'after' = 'before';
let target: Server;
let targetUrl = '';
let srv: RunningServer;
let dataDir = '';
let admin: Key;
const clock = movableClock(Date.UTC(2025, 5, 1, 3, 0, 0));
const logs: string[] = [];

function page(res: import('node:http').ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(body);
}

function listing(path: string): string {
  return `<html><head><title>Index of ${path}</title></head><body><h1>Index of ${path}</h1><ul><li><a href="/"> Parent Directory</a></li><li><a href="a.txt">a.txt</a></li></ul><address>Apache/2.4.41 Server</address></body></html>`;
}

async function startTarget(): Promise<void> {
  target = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const cookie = String(req.headers.cookie ?? '');
    if (u.pathname === '/') {
      const links = ['<a href="/app?q=1">app</a>', '<a href="/files/">files</a>', '<a href="http://cdn.outside.test/lib.js">cdn</a>'];
      if (mode === 'after') links.push('<a href="/backup/">backup</a>');
      return page(res, 200, `<html><body><h1>Shop</h1>${links.join(' ')}</body></html>`);
    }
    if (u.pathname === '/files/' && mode === 'before') return page(res, 200, listing('/files/'));
    if (u.pathname === '/backup/' && mode === 'after') return page(res, 200, listing('/backup/'));
    if (u.pathname === '/app') {
      const q = u.searchParams.get('q') ?? '';
      if (/['"\[{]/.test(q)) {
        // A debug page that reflects the input, the session cookie and hostile markup.
        return page(
          res,
          500,
          `<html><body><p>session=${cookie}</p><pre>Traceback (most recent call last):\n  File "/srv/shop/app.py", line 42, in handler\n    parse(${q})\nValueError: bad input ${q}\nsession=${cookie}</pre>` +
            `<script>window.__pwned = 1; alert('xss')</script><img src=x onerror="window.__pwned = 2"><svg onload="window.__pwned=3"><b>unclosed <a href="javascript:window.__pwned=4">x</body></html>`,
        );
      }
      return page(res, 200, `<html><body>item ${q.replace(/[<>&]/g, '')}</body></html>`);
    }
    page(res, 404, '<html><body>not found</body></html>');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
}

async function call(method: string, uri: string, body?: unknown, key: Key = admin): Promise<Reply> {
  const headers = signedHeaders(method, uri, key, String(clock.now()));
  if (body !== undefined) headers['content-type'] = 'application/json';
  return send(srv.url, method, uri, headers, body === undefined ? undefined : JSON.stringify(body));
}

async function createAndFinish(body: Record<string, unknown>): Promise<number> {
  const r = await call('PUT', '/api/v1/job', body);
  assert.equal(r.status, 200, r.text);
  const id = Number(r.headers['x-wsc-instance-no']);
  const job = await waitFor(async () => {
    const j = await srv.store.getJob(id);
    return j && [STATUS.DIAG_DONE, STATUS.DIAG_FAILED, STATUS.CRAWL_FAILED].includes(j.status as 4) ? j : null;
  }, 25_000);
  assert.equal(job.status, STATUS.DIAG_DONE, job.resultDesc ?? '');
  return id;
}

before(async () => {
  await startTarget();
  dataDir = mkdtempSync(join(tmpdir(), 'wsc-report-'));
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  srv = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    env: {},
    config: { rateLimitPerKey: 0, timeZone: 'Asia/Seoul' },
    banner: false,
    clock,
    logger: createLogger('debug', sink),
  });
  admin = { accessKey: srv.adminCredentials!.accessKey, secretKey: srv.adminCredentials!.secretKey };
});

after(async () => {
  await srv.close();
  await new Promise<void>((r) => target.close(() => r()));
  rmSync(dataDir, { recursive: true, force: true });
});

const JOB = () => ({
  StartUrl: targetUrl,
  ExcludeUrl: [],
  Headers: { Cookie: `sid=${SECRET}`, Authorization: `Bearer ${TOKEN}` },
  VulnItems: ['ALL'],
  UserAgent: 'PC Chrome',
  Speed: '3',
  Memo: 'report test',
});

let masterId = 0;

test('getReport: NCP fields in the envelope, redacted, every finding in Details', async () => {
  mode = 'before';
  masterId = await createAndFinish(JOB());
  // The engine redacts before storing; the reports redact again. A finding stored with the values in
  // clear (as an older engine or a careless check could) proves the second line of defence.
  const engineStored = await srv.store.listFindings(masterId);
  assert.ok(engineStored.length > 0);
  assert.ok(engineStored.every((f) => !JSON.stringify(f).includes(SECRET)), 'the engine stored a secret');
  await srv.store.addFinding(masterId, {
    ...engineStored[0]!,
    url: `${targetUrl}debug?token=${TOKEN}`,
    parameter: 'token',
    payload: TOKEN,
    evidence: { request: `GET /debug?token=${TOKEN} HTTP/1.1\r\nCookie: sid=${SECRET}\r\n\r\n`, response: `HTTP/1.1 500\r\n\r\nsession=sid=${SECRET}`, proof: SECRET },
    curl: `curl -H 'Cookie: sid=${SECRET}' '${targetUrl}debug?token=${TOKEN}'`,
  });
  const r = await call('GET', `/api/v1/jobs/${masterId}/report`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.returnCode, '0');
  const rep = r.json.resources;
  for (const k of ['report_date', 'Target_Info', 'Crawl_Time', 'Scan_Time', 'Excluded_Url', 'Login_Info', 'Vulnerability_Category', 'User_Agent', 'Memo', 'Scanned_Domain_List', 'Not_Scanned_Domain_List', 'Classify_byRisk_Level', 'Classify_byRisk_Domain', 'Classify_byRisk_Vulnerability', 'Details', 'Recommendation']) {
    assert.ok(k in rep, `missing ${k}`);
  }
  assert.equal(rep.Target_Info, targetUrl);
  assert.match(rep.Crawl_Time, /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}~\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.match(rep.Scan_Time, /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}~\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.deepEqual(rep.Login_Info.Header_Names, ['Cookie', 'Authorization']);
  assert.equal(rep.Memo, 'report test');
  assert.deepEqual(rep.Scanned_Domain_List, [new URL(targetUrl).host]);
  const items = rep.Details.map((d: { Vulnerability: string }) => d.Vulnerability);
  assert.ok(items.includes('Directory Listing'), JSON.stringify(items));
  assert.ok(items.includes('Information Disclosure'), JSON.stringify(items));
  const stored = await srv.store.listFindings(masterId);
  assert.equal(rep.Details.length, stored.length);
  const L = rep.Classify_byRisk_Level;
  assert.equal(L.Total, rep.Details.length);
  assert.equal(L.Total, L.High + L.Medium + L.Low);
  for (const d of rep.Details) assert.match(d.Cwe, /^CWE-\d+$/);
  assert.ok(rep.Recommendation.some((x: { Vulnerability: string }) => x.Vulnerability === 'Directory Listing'));
  assert.ok(stored.some((f) => JSON.stringify(f).includes(SECRET)));
  assert.doesNotMatch(r.text, new RegExp(`${SECRET}|${TOKEN}`));
});

test('formats: JSON, SARIF (schema-valid), HTML and PDF carry no secret', async () => {
  const json = await call('GET', `/api/v1/jobs/${masterId}/report?format=json`);
  assert.equal(json.status, 200);
  assert.match(String(json.headers['content-type']), /^application\/json/);
  assert.equal(json.json.version, 1);
  assert.ok(json.json.findings.length > 0);

  const sarif = await call('GET', `/api/v1/jobs/${masterId}/report?format=sarif`);
  assert.equal(sarif.status, 200);
  assert.match(String(sarif.headers['content-type']), /^application\/sarif\+json/);
  const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-2.1.0.json', import.meta.url), 'utf8')) as object;
  // Formats (uri, date-time) are not checked by Ajv without ajv-formats; URIs are checked below.
  // The schema's "language" pattern is not valid under the u flag; it is meant as a plain RegExp.
  const ajv = new Ajv.default({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  assert.ok(validate(JSON.parse(sarif.text)), JSON.stringify(validate.errors?.slice(0, 5)));
  for (const res of sarif.json.runs[0].results) new URL(res.locations[0].physicalLocation.artifactLocation.uri);

  for (const [fmt, type] of [['html', /^text\/html/], ['pdf', /^application\/pdf/]] as const) {
    const r = await call('GET', `/api/v1/jobs/${masterId}/report?format=${fmt}`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), type);
    assert.match(String(r.headers['content-disposition']), new RegExp(`wsc-report-${masterId}\\.${fmt}`));
  }
  for (const r of [json, sarif]) assert.doesNotMatch(r.text, new RegExp(`${SECRET}|${TOKEN}`));

  const bad = await call('GET', `/api/v1/jobs/${masterId}/report?format=docx`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.errorCode, 160433);
});

test('PDF: the same content, found by extracting its text', async () => {
  const res = await fetchBinary(`/api/v1/jobs/${masterId}/report?format=pdf`);
  assert.equal(res.subarray(0, 5).toString('latin1'), '%PDF-');
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await getDocument({ data: new Uint8Array(res), disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
  let text = '';
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    text += content.items.map((it) => ('str' in it ? it.str : '')).join(' ') + '\n';
  }
  await doc.destroy();
  for (const s of ['Web security scan report', 'Summary', 'Directory Listing', 'Information Disclosure', 'How to fix', 'CWE-548', 'OWASP', 'Traceback', 'curl']) {
    assert.ok(text.includes(s), `PDF text lacks "${s}"`);
  }
  assert.ok(!text.includes(SECRET) && !text.includes(TOKEN));
});

async function fetchBinary(uri: string): Promise<Buffer> {
  const res = await fetch(srv.url + uri, { headers: signedHeaders('GET', uri, admin, String(clock.now())) });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}

test('HTML in headless Chromium: no script runs, the layout holds', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)` }, async () => {
  const html = (await fetchBinary(`/api/v1/jobs/${masterId}/report?format=html`)).toString('utf8');
  assert.ok(html.includes('&#60;script&#62;'), 'the hostile markup should be in the evidence, escaped');
  assert.ok(!html.includes(SECRET) && !html.includes(TOKEN));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const pageObj = await browser.newPage();
    let dialogs = 0;
    const requests: string[] = [];
    pageObj.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    pageObj.on('request', (r) => {
      if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
    });
    await pageObj.setContent(html, { waitUntil: 'load' });
    await pageObj.waitForTimeout(300);
    // A string, not a function: the test is compiled without the DOM library.
    const state = (await pageObj.evaluate(`({
      pwned: window.__pwned ?? null,
      scripts: document.querySelectorAll('script').length,
      imgs: document.querySelectorAll('img').length,
      findings: document.querySelectorAll('article.finding').length,
      charts: document.querySelectorAll('svg.chart').length,
      h1: document.querySelector('header h1')?.textContent ?? '',
    })`)) as { pwned: number | null; scripts: number; imgs: number; findings: number; charts: number; h1: string };
    assert.equal(dialogs, 0);
    assert.equal(state.pwned, null);
    assert.equal(state.scripts, 0);
    assert.equal(state.imgs, 0);
    assert.deepEqual(requests, []);
    assert.equal(state.h1, 'Web security scan report');
    assert.equal(state.charts, 2);
    assert.ok(state.findings >= 2);
    for (const sel of ['#summary', '#findings', '#urls', 'article.finding pre mark']) {
      assert.ok(await pageObj.locator(sel).first().isVisible(), `${sel} should be visible`);
    }
    // printed, it still lays out (PDF bytes come back)
    const printed = await pageObj.pdf({ format: 'A4' });
    assert.ok(printed.length > 1000);
  } finally {
    await browser.close();
  }
});

test('scoping and documented errors: 901 foreign/unknown, Not_Ready, Report_Expired', async () => {
  const other = await srv.store.createAccount('other');
  const key = await issueKey(srv.store, srv.sealer, other.id);
  const foreign = await call('GET', `/api/v1/jobs/${masterId}/report`, undefined, key);
  assert.equal(foreign.status, 400);
  assert.equal(foreign.json.error.errorCode, 901);
  const unknown = await call('GET', '/api/v1/jobs/999999/report');
  assert.equal(unknown.json.error.errorCode, 901);

  const canceled = await srv.store.createJob({ accountId: 1, startUrl: targetUrl, memo: null, settings: { ...jobSettings(), headers: {} }, masterId: null, status: STATUS.CANCELED, createdAt: clock.now() });
  const nr = await call('GET', `/api/v1/jobs/${canceled.id}/report`);
  assert.equal(nr.status, 400);
  assert.equal(nr.json.error.errorCode, 160452);
  assert.equal(nr.json.error.message, 'Not_Ready');
});

function jobSettings() {
  return { startUrl: targetUrl, excludeUrls: [], headers: {}, vulnItems: ['ALL'], userAgent: 'PC Chrome', speed: '3' };
}

test('re-diagnosis: fixed / still present / new, at most twice, then expiry by the clock', async () => {
  mode = 'after';
  const r = await call('PUT', '/api/v1/job', { MasterInstanceNo: String(masterId) });
  assert.equal(r.status, 200, r.text);
  const slaveId = Number(r.headers['x-wsc-instance-no']);
  await waitFor(async () => (await srv.store.getJob(slaveId))?.status === STATUS.DIAG_DONE, 25_000);

  const json = await call('GET', `/api/v1/jobs/${slaveId}/report?format=json`);
  const c = json.json.comparison;
  assert.equal(c.master_instance_no, String(masterId));
  const find = (status: string, item: string, path: string) =>
    c.entries.find((e: { status: string; item: string; url: string }) => e.status === status && e.item === item && new URL(e.url).pathname === path);
  assert.ok(find('fixed', 'Directory Listing', '/files/'), JSON.stringify(c.entries));
  assert.ok(find('new', 'Directory Listing', '/backup/'), JSON.stringify(c.entries));
  assert.ok(find('still present', 'Information Disclosure', '/app'), JSON.stringify(c.entries));
  const ncp = (await call('GET', `/api/v1/jobs/${slaveId}/report`)).json.resources;
  assert.equal(ncp.Rescan.Master_InstanceNo, String(masterId));
  assert.ok(ncp.Rescan.Fixed >= 1 && ncp.Rescan.New >= 1 && ncp.Rescan.Still_Present >= 1);
  assert.ok(ncp.Details.every((d: { Rescan_Status?: string }) => d.Rescan_Status === 'new' || d.Rescan_Status === 'still present'));
  const html = (await fetchBinary(`/api/v1/jobs/${slaveId}/report?format=html`)).toString('utf8');
  assert.match(html, /Re-diagnosis against job/);
  assert.doesNotMatch(html + JSON.stringify(ncp) + json.text, new RegExp(`${SECRET}|${TOKEN}`));

  // second re-diagnosis allowed, then rescan_button expired and a third refused
  const second = await call('PUT', '/api/v1/job', { MasterInstanceNo: String(masterId) });
  assert.equal(second.status, 200);
  const secondId = Number(second.headers['x-wsc-instance-no']);
  await waitFor(async () => (await srv.store.getJob(secondId))?.status === STATUS.DIAG_DONE, 25_000);
  const list = await call('GET', '/api/v1/jobs?limit=10&page=1');
  const rec = list.json.resources.record_data.find((x: { instanceNo: string }) => x.instanceNo === String(masterId));
  assert.equal(rec.rescan_button, 'expired');
  assert.equal(rec.slave_data.length, 2);
  const third = await call('PUT', '/api/v1/job', { MasterInstanceNo: String(masterId) });
  assert.equal(third.json.error.errorCode, 901);

  // WSC_RESCAN_DAYS (60) after its end, a master with no re-diagnosis cannot get one any more
  const fresh = await createAndFinish(JOB());
  clock.advance(61 * DAY);
  const jobs = await call('GET', '/api/v1/jobs?limit=10&page=1');
  assert.equal(jobs.json.resources.record_data.find((x: { instanceNo: string }) => x.instanceNo === String(fresh)).rescan_button, 'expired');
  assert.equal((await call('PUT', '/api/v1/job', { MasterInstanceNo: String(fresh) })).json.error.errorCode, 901);
  assert.equal((await call('GET', `/api/v1/jobs/${fresh}/report`)).status, 200);

  // WSC_REPORT_DAYS (90) after the end, the report is refused and result_button turns expired
  clock.advance(30 * DAY);
  const expired = await call('GET', `/api/v1/jobs/${masterId}/report`);
  assert.equal(expired.status, 400);
  assert.equal(expired.json.error.errorCode, 160453);
  assert.equal(expired.json.error.message, 'Report_Expired');
  const later = await call('GET', '/api/v1/jobs?limit=10&page=1');
  const rec2 = later.json.resources.record_data.find((x: { instanceNo: string }) => x.instanceNo === String(masterId));
  assert.equal(rec2.result_button, 'expired');
});

test('logs never carry the job header values', () => {
  const all = logs.join('');
  assert.ok(all.length > 0, 'expected debug logs');
  assert.ok(all.includes('report served'));
  assert.ok(!all.includes(SECRET) && !all.includes(TOKEN), 'a secret reached the log');
});
