// A target that echoes the job's Cookie and Authorization back in every form a secret can take
// (raw, URL-, base64-, base64url-, hex in both cases, HTML-escaped, and inside a longer base64
// text): no form may reach a stored finding, a report of any format, the NCP report or a log line.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Writable } from 'node:stream';
import { STATUS } from '../../src/core/status.js';
import { createLogger } from '../../src/core/log.js';
import { buildContent } from '../../src/report/content.js';
import { secretForms } from '../../src/report/json.js';
import { startSite, type Site } from '../helpers/site.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';

// Characters every encoding treats differently: + / = & < > " ' and a space.
const COOKIE_VALUE = `s3cr3t+/=&<v>"a'l ue9`;
const TOKEN = 'tok_Zq8+/x=Y&<b>"\'7';
const HEADERS = { Cookie: `sid=${COOKIE_VALUE}`, Authorization: `Bearer ${TOKEN}` };

function forms(secret: string): Record<string, string> {
  const b = Buffer.from(secret, 'utf8');
  const html = secret.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  return {
    raw: secret,
    url: encodeURIComponent(secret),
    urlLower: encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    form: encodeURIComponent(secret).replace(/%20/g, '+'),
    base64: b.toString('base64'),
    base64url: b.toString('base64url'),
    hex: b.toString('hex'),
    HEX: b.toString('hex').toUpperCase(),
    html,
    // the secret inside a longer text, base64-encoded at each of the three alignments
    embedded1: Buffer.from(`x${secret}y`).toString('base64'),
    embedded2: Buffer.from(`xy${secret}z`).toString('base64'),
    embedded3: Buffer.from(`user:${secret}`).toString('base64url'),
  };
}

/** What must never appear: the secret's own characters in each form (a long enough core of it). */
function leaks(text: string): string[] {
  const out: string[] = [];
  for (const secret of [COOKIE_VALUE, TOKEN]) {
    const f = secretForms(secret);
    for (const form of f.literal) if (form.length >= 8 && text.includes(form)) out.push(form);
    for (const re of f.caseless) if (new RegExp(re.source, 'i').test(text)) out.push(re.source);
  }
  return out;
}

let t: TestServer;
let site: Site;
const logs: string[] = [];

before(async () => {
  site = await startSite({
    '/': '<a href="/files/">files</a>',
    '/files/': (req, res) => {
      const echoed: string[] = [];
      const cookie = String(req.headers.cookie ?? '').replace(/^sid=/, '');
      const auth = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      for (const [name, v] of Object.entries(forms(cookie))) echoed.push(`cookie-${name}: ${v}`);
      for (const [name, v] of Object.entries(forms(auth))) echoed.push(`auth-${name}: ${v}`);
      // Apache's directory index, so the Directory Listing check reports the page with its body
      res
        .writeHead(200, { 'content-type': 'text/html', 'x-echo': Buffer.from(cookie).toString('base64') })
        .end(`<html><head><title>Index of /files</title></head><body><h1>Index of /files</h1><pre>${echoed.join('\n')}</pre><a href="/">Parent Directory</a><address>Apache/2.4.58 Server</address></body></html>`);
    },
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  t = await startTestServer({ logger: createLogger('debug', sink) });
});
after(async () => {
  await t.close();
  await site.close();
});

test('secretForms lists each encoding, and a secret echoed in any of them is redacted', () => {
  for (const secret of [COOKIE_VALUE, TOKEN]) {
    for (const [name, form] of Object.entries(forms(secret))) {
      assert.deepEqual(leaks(`before ${form} after`).length > 0, true, `${name} is recognised as a leak`);
    }
  }
});

test('a job whose target echoes its secrets in every form leaks none of them into findings, reports or logs', async () => {
  const r = await t.call('PUT', '/api/v1/job', {
    StartUrl: `${site.url}/`,
    VulnItems: ['Directory Listing'],
    UserAgent: 'PC Chrome',
    Speed: '3',
    Headers: HEADERS,
  });
  assert.equal(r.status, 200, r.text);
  const id = Number(r.headers['x-wsc-instance-no']);
  const job = await waitFor(async () => {
    const j = await t.server.store.getJob(id);
    return j && [STATUS.DIAG_DONE, STATUS.DIAG_FAILED, STATUS.CRAWL_FAILED].includes(j.status as 4) ? j : null;
  }, 25_000);
  assert.equal(job.status, STATUS.DIAG_DONE, job.resultDesc ?? '');
  assert.ok(site.hits.includes('GET /files/'));

  const stored = await t.server.store.listFindings(id);
  const dl = stored.find((f) => f.item === 'Directory Listing');
  assert.ok(dl, 'the echoing page is reported');
  // the target did send every form: the evidence shows where each one was, redacted
  assert.match(dl.evidence.response, /cookie-base64: <redacted>/);
  assert.match(dl.evidence.response, /auth-HEX: <redacted>/);
  assert.match(dl.curl, /-H 'Cookie: <redacted>'/);
  assert.deepEqual(leaks(JSON.stringify(stored)), [], 'stored findings');

  const ncp = await t.call('GET', `/api/v1/jobs/${id}/report`);
  assert.equal(ncp.status, 200, ncp.text);
  assert.deepEqual(leaks(ncp.text), [], 'NCP report');
  for (const format of ['json', 'sarif', 'html']) {
    const rep = await t.call('GET', `/api/v1/jobs/${id}/report?format=${format}`);
    assert.equal(rep.status, 200, `${format}: ${rep.text.slice(0, 200)}`);
    assert.deepEqual(leaks(rep.text), [], `${format} report`);
  }
  const pdf = await t.call('GET', `/api/v1/jobs/${id}/report?format=pdf`);
  assert.equal(pdf.status, 200);
  // The PDF's text is compressed; it is laid out from the same content the HTML report uses.
  const content = buildContent({
    target: job.startUrl,
    options: { items: job.settings.vulnItems, userAgent: job.settings.userAgent, speed: job.settings.speed, excludeUrls: [], headers: job.settings.headers },
    stats: { requests: 0, durationMs: 0, urls: 0 },
    urls: await t.server.store.listUrls(id),
    findings: stored,
  });
  assert.deepEqual(leaks(JSON.stringify(content)), [], 'PDF content');
  assert.deepEqual(leaks(logs.join('')), [], 'log lines');
});
