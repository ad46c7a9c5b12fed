// Scan health against targets that stop doing their job mid-scan: one that dies after N requests
// (its port then refuses connections), one that flaps (resets its connections for a while, then
// comes back), one that answers 503 to everything after a while, and one that resets every other
// connection. Each ends with the right verdict and keeps what it found: through the engine, through
// `wsc scan` (exit code 2, the health section in every report format) and through the server
// (status 15/5 or 4, the cause in result_desc, getJobs ?health=1).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Ajv from 'ajv-draft-04';
import { runScan } from '../../src/cli/commands/scan.js';
import type { CliIo } from '../../src/cli/context.js';
import type { JsonReport } from '../../src/report/json.js';
import type { SarifLog } from '../../src/report/sarif.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { job, record, runHostile } from './harness.js';
import { flakySite, type FlakyMode, type FlakyOptions } from './servers.js';

// Fast verdicts for tests: 10 failures in a row pause the job, 2 s of probing end it.
const HEALTH = { maxConsecutiveFailures: 10, targetDownAfterMs: 2000, maxDurationMs: 60_000 };
const SITE: FlakyOptions = { after: 60, dirs: 20, upMs: 1000, downMs: 600 };

interface Case {
  mode: FlakyMode;
  verdict: 'healthy' | 'degraded' | 'down';
  /** What the cause names. */
  seen: RegExp;
}

const CASES: Case[] = [
  { mode: 'dies', verdict: 'down', seen: /refused/ },
  { mode: '503', verdict: 'down', seen: /503/ },
  { mode: 'flaps', verdict: 'degraded', seen: /paused .* and resumed/ },
  { mode: 'reset-alt', verdict: 'degraded', seen: /reset/ },
];

for (const c of CASES) {
  test(`engine, target that ${c.mode}: verdict ${c.verdict}, findings so far kept`, { timeout: 60_000 }, async () => {
    const site = await flakySite(c.mode, SITE);
    try {
      const o = await runHostile(`health:${c.mode}`, job(`${site.url}/`, HEALTH));
      assert.equal(o.error, undefined, o.error?.message);
      const r = o.result!;
      const h = r.stats.health!;
      assert.equal(h.verdict, c.verdict, JSON.stringify(h));
      assert.match(h.reasons.join(' '), c.seen);
      assert.ok(r.findings.length > 0, 'the findings found before are kept');
      assert.equal(r.limitReached === 'targetDown', c.verdict === 'down');
      assert.ok(h.sent >= h.answered && h.sent > 0);
      assert.ok(h.pauses >= 1 && h.probes >= 1, 'the job paused and probed');
      if (c.verdict === 'down') assert.ok(o.ms < 20_000, `the verdict took ${Math.round(o.ms)} ms`);
      // the time from the target's first failure to the job's end with its verdict
      const since = site.failingSince();
      const verdictMs = since === null ? null : Math.round(performance.now() - since);
      record(`verdict:${c.mode}`, { verdict: h.verdict, verdictMs, jobMs: Math.round(o.ms), findings: r.findings.length, sent: h.sent, pauses: h.pauses, probes: h.probes });
    } finally {
      await site.close();
    }
  });
}

test('engine, healthy target: healthy verdict, no pause', async () => {
  const site = await flakySite('healthy', SITE);
  try {
    const o = await runHostile('health:healthy', job(`${site.url}/`, HEALTH));
    const h = o.result!.stats.health!;
    assert.equal(h.verdict, 'healthy', JSON.stringify(h));
    assert.deepEqual(h.reasons, []);
    assert.equal(h.pauses, 0);
    assert.equal(h.sent, site.requests());
    assert.equal(h.answered, h.sent);
    assert.equal(h.status['2xx'] + h.status['4xx'], h.sent);
  } finally {
    await site.close();
  }
});

function io(signal = new AbortController().signal): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string | Uint8Array) => (out += String(s)) },
    stderr: { write: (s: string | Uint8Array) => (err += String(s)) },
    env: {},
    signal,
    out: () => out,
    err: () => err,
  };
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wsc-health-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function pdfText(file: string): Promise<string> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await getDocument({ data: new Uint8Array(readFileSync(file)), disableFontFace: true, useSystemFonts: false, verbosity: 0 }).promise;
  let text = '';
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    text += content.items.map((it) => ('str' in it ? it.str : '')).join(' ') + '\n';
  }
  await doc.destroy();
  return text;
}

function sarifValidator(): (data: unknown) => boolean {
  const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-2.1.0.json', import.meta.url), 'utf8')) as object;
  const ajv = new Ajv.default({ strict: false, allErrors: true, validateFormats: false, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  return (data) => {
    const ok = validate(data);
    if (!ok) assert.fail(JSON.stringify(validate.errors?.slice(0, 5)));
    return ok;
  };
}

for (const c of CASES) {
  test(`wsc scan, target that ${c.mode}: exit 2, says why, health in JSON, SARIF, HTML and PDF`, { timeout: 120_000 }, async () => {
    const validate = sarifValidator();
    for (const format of ['json', 'sarif', 'html', 'pdf'] as const) {
      const site = await flakySite(c.mode, SITE);
      try {
        const file = join(dir, `${c.mode}.${format}`);
        const o = io();
        // --fail-on none: the exit code speaks of the scan's health alone
        const run = await runScan({ url: `${site.url}/`, items: 'Directory Listing,Information Disclosure', speed: '3', format, output: file, failOn: 'none', targetDownAfter: 2, tty: false }, o);
        assert.equal(run.exitCode, 2, o.err());
        assert.match(o.err(), c.verdict === 'down' ? /warning: scan health: target down: / : /warning: scan health: degraded coverage: /);
        assert.match(o.err(), c.seen);
        if (format === 'json') {
          const report = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
          const h = report.stats.health as { verdict: string; sent: number; reasons: string[] };
          assert.equal(h.verdict, c.verdict);
          assert.ok(report.findings.length > 0, 'partial findings are in the report');
          assert.equal(h.sent, report.stats.requests);
          if (c.verdict === 'down') assert.equal(report.limit_reached, 'targetDown');
        } else if (format === 'sarif') {
          const sarif = JSON.parse(readFileSync(file, 'utf8')) as SarifLog;
          validate(sarif);
          const inv = sarif.runs[0]!.invocations![0]!;
          assert.equal(inv.executionSuccessful, c.verdict !== 'down');
          assert.ok(inv.toolExecutionNotifications.some((n) => n.level === (c.verdict === 'down' ? 'error' : 'warning') && c.seen.test(n.message.text)));
        } else if (format === 'html') {
          const html = readFileSync(file, 'utf8');
          assert.match(html, /<h2>Scan health<\/h2>/);
          assert.match(html, c.verdict === 'down' ? /The target stopped answering/ : /Coverage was degraded/);
        } else {
          const text = await pdfText(file);
          assert.ok(text.includes('Scan health'), 'PDF has the health section');
          assert.ok(text.includes(c.verdict === 'down' ? 'target down' : 'degraded'));
        }
      } finally {
        await site.close();
      }
    }
  });
}

test('wsc scan of a healthy target exits 0 and its reports say healthy', async () => {
  const site = await flakySite('healthy', SITE);
  try {
    const file = join(dir, 'healthy.json');
    const o = io();
    const run = await runScan({ url: `${site.url}/`, items: 'Directory Listing', speed: '3', output: file, tty: false }, o);
    assert.equal(run.exitCode, 0, o.err());
    assert.doesNotMatch(o.err(), /warning/);
    const report = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
    assert.equal((report.stats.health as { verdict: string }).verdict, 'healthy');
  } finally {
    await site.close();
  }
});

// ---------------------------------------------------------------------------------------------
// The server: status and cause, live health in getJobs, reports of a degraded completed job

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

async function runJob(mode: FlakyMode): Promise<{ rec: Record<string, unknown> & { health: Record<string, unknown> | null }; id: string; close(): Promise<void> }> {
  const site = await flakySite(mode, SITE);
  const r = await srv.call('PUT', '/api/v1/job', {
    StartUrl: `${site.url}/`,
    VulnItems: ['Directory Listing', 'Information Disclosure'],
    UserAgent: 'PC Chrome',
    Speed: '3',
    Memo: `health ${mode}`,
    Limits: { maxConsecutiveFailures: 10, targetDownAfterMs: 2000 },
  });
  assert.equal(r.status, 200, r.text);
  const id = String(r.headers['x-wsc-instance-no']);
  const rec = await waitFor(async () => {
    const list = await srv.call('GET', '/api/v1/jobs?limit=50&page=1&health=1');
    const row = list.json.resources.record_data?.find((x: { instanceNo: string }) => x.instanceNo === id);
    return row && ['Diagnostics completed', 'Diagnostics failed', 'URL collection failed'].includes(row.status) ? row : null;
  }, 60_000);
  return { rec, id, close: () => site.close() };
}

test('server, target dies mid-scan: Diagnostics failed, the cause names it, scan_cnt is the store, health in getJobs', { timeout: 90_000 }, async () => {
  const { rec, id, close } = await runJob('dies');
  try {
    assert.equal(rec.status, 'Diagnostics failed');
    assert.equal(rec.result_button, 'cause');
    assert.match(String(rec.result_desc), /^Diagnosis failed: the target stopped answering: .*refused.*finding\(s\) found before are kept\.$/);
    const stored = await srv.server.store.countFindings(Number(id));
    assert.ok(stored > 0);
    assert.equal(rec.scan_cnt, String(stored));
    assert.equal(rec.health?.verdict, 'down');
    assert.ok(Number(rec.health?.sent) > 0);
    // NCP's record is unchanged without the extension flag
    const plain = await srv.call('GET', '/api/v1/jobs?limit=50&page=1');
    const row = plain.json.resources.record_data.find((x: { instanceNo: string }) => x.instanceNo === id);
    assert.equal('health' in row, false);
    // `wsc jobs wait` says why the job failed
    const { runWith } = await import('../../src/cli/program.js');
    const { registerJobsCommand } = await import('../../src/cli/commands/jobs.js');
    const o = io();
    const code = await runWith([registerJobsCommand], ['jobs', 'wait', id, '--interval', '0.1', '--endpoint', srv.url, '--access-key', srv.admin.accessKey, '--secret-key', srv.admin.secretKey], o);
    assert.equal(code, 1);
    assert.match(o.out(), /Diagnostics failed/);
    assert.match(o.err(), new RegExp(`job ${id}: cause: Diagnosis failed: the target stopped answering`));
  } finally {
    await close();
  }
});

test('server, target that flaps: Diagnostics completed with a warning in result_desc, health in every report format', { timeout: 90_000 }, async () => {
  const { rec, id, close } = await runJob('flaps');
  try {
    assert.equal(rec.status, 'Diagnostics completed');
    assert.match(String(rec.result_desc), /^Completed with a warning: the target stopped answering \d+ time\(s\); the scan paused [\d.]+ s and resumed/);
    assert.equal(rec.health?.verdict, 'degraded');
    const json = await srv.call('GET', `/api/v1/jobs/${id}/report?format=json`);
    assert.equal(json.json.stats.health.verdict, 'degraded');
    const sarif = await srv.call('GET', `/api/v1/jobs/${id}/report?format=sarif`);
    sarifValidator()(sarif.json);
    assert.equal(sarif.json.runs[0].invocations[0].toolExecutionNotifications[0].level, 'warning');
    const html = await srv.call('GET', `/api/v1/jobs/${id}/report?format=html`);
    assert.match(html.text, /<h2>Scan health<\/h2>/);
  } finally {
    await close();
  }
});

test('wsc scan stopped mid-scan (Ctrl-C): exit 2 and a partial report with its true counts', { timeout: 60_000 }, async () => {
  // slow answers keep the scan going long enough to be interrupted in the middle of it
  const { startSite } = await import('../helpers/site.js');
  const slow = await startSite({
    '/': `<html><body>${Array.from({ length: 15 }, (_, i) => `<a href="/p${i}?q=1">p${i}</a>`).join(' ')}</body></html>`,
    ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`/p${i}`, (_req: unknown, res: import('node:http').ServerResponse) => setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>page ${i}</body></html>`), 150)])),
  });
  try {
    const ac = new AbortController();
    const file = join(dir, 'stopped.json');
    const o = io(ac.signal);
    const running = runScan({ url: `${slow.url}/`, items: 'ALL', speed: '1', output: file, tty: false }, o);
    const timer = setTimeout(() => ac.abort(), 3000);
    const run = await running;
    clearTimeout(timer);
    assert.equal(run.exitCode, 2, o.err());
    assert.match(o.err(), /warning: the scan was stopped before it ended/);
    const report = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
    assert.ok(report.stats.requests > 0, 'the partial report counts the requests sent');
    assert.ok(report.stats.urls > 0 && report.urls.length > 0, 'and the URLs collected');
    assert.equal(report.limit_reached, 'stopped');
    assert.equal((report.stats.health as { sent: number }).sent, report.stats.requests);
  } finally {
    await slow.close();
  }
});
