import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { runScan } from './commands/scan.js';
import type { CliIo } from './context.js';
import { createScanStream, type StreamStats } from './scan-stream.js';
import { configureTemplates } from '../templates/loader.js';
import type { JsonReport } from '../report/json.js';
import type { SarifLog } from '../report/sarif.js';

let tb: Testbed;
let dir: string;
before(async () => {
  tb = await startTestbed();
  dir = mkdtempSync(join(tmpdir(), 'wsc-jsonl-'));
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

test('wsc scan --jsonl --silent --stats: findings as found, one stats line last, jq -c reads every line', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'scan', `${tb.url}/dirlist/`, '--items', 'Directory Listing', '--jsonl', '--silent', '--stats', '0.3', '--speed', '1'],
    { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const chunks: { at: number; text: string }[] = [];
  let err = '';
  child.stdout.on('data', (c: Buffer) => chunks.push({ at: Date.now(), text: c.toString() }));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const ended = Date.now();
  assert.equal(code, 0, err);
  const out = chunks.map((c) => c.text).join('');
  const jq = spawnSync('jq', ['-c', '.'], { input: out, encoding: 'utf8' });
  assert.equal(jq.status, 0, jq.stderr);
  const lines = jq.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  assert.equal(lines.length, out.trim().split('\n').length);
  const findings = lines.filter((l) => l.type === 'finding') as unknown as JsonReport['findings'];
  assert.equal(findings.length, 7);
  assert.ok(findings.every((f) => f.item === 'Directory Listing' && f.evidence.proof.length > 0 && f.curl.startsWith('curl ')));
  const last = lines.at(-1) as StreamStats;
  assert.equal(last.type, 'stats');
  assert.equal(last.final, true);
  assert.equal(last.findings, 7);
  assert.equal(last.severity.medium, 7);
  assert.ok(last.engine !== undefined && last.engine.requests > 0);
  assert.equal(lines.filter((l) => l.type === 'stats').length, 1);
  // as found: the first finding reached the pipe before the scan was over
  assert.ok(chunks[0]!.at < ended - 100, `first finding ${ended - chunks[0]!.at} ms before the end`);
  // --silent: no progress or summary; --stats: only JSON stats lines on stderr
  const errLines = err.trim().split('\n').filter((l) => l !== '');
  assert.ok(errLines.length >= 1, 'at least one periodic stats line');
  for (const l of errLines) {
    const s = JSON.parse(l) as StreamStats;
    assert.equal(s.type, 'stats');
    assert.equal(s.final, false);
  }
});

test('--jsonl with several outputs: stdout is JSON Lines only, each report goes to its file', async () => {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (c) => (out += String(c)) }, stderr: { write: (c) => (err += String(c)) }, env: {}, signal: new AbortController().signal };
  const json = join(dir, 'r.json');
  const sarif = join(dir, 'r.sarif');
  const run = await runScan({ url: `${tb.url}/dirlist/`, items: 'Directory Listing', speed: '3', tty: false, jsonl: true, outputs: [{ format: 'json', file: json }, { format: 'sarif', file: sarif }] }, io);
  assert.equal(run.exitCode, 0, err);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
  assert.deepEqual(lines.map((l) => l.type), [...Array(7).fill('finding'), 'stats']);
  assert.equal((JSON.parse(readFileSync(json, 'utf8')) as JsonReport).findings.length, 7);
  assert.equal((JSON.parse(readFileSync(sarif, 'utf8')) as SarifLog).runs[0]!.results.length, 7);
  assert.match(err, /reports written to .*r\.json, .*r\.sarif/);
});

test('stats lines: periodic ones on stderr carry the live figures, extra fields merge in', async () => {
  let clock = 1000;
  let err = '';
  let out = '';
  const s = createScanStream({ target: 'http://127.0.0.1/', jsonl: true, stdout: { write: (c) => (out += String(c)) }, stderr: { write: (c) => (err += String(c)) }, now: () => clock, extraStats: () => ({ health: { retries: 2 } }) });
  s.phase('crawl');
  s.crawl(5);
  clock += 250;
  const last = s.end({ stats: { requests: 9, durationMs: 250, crawlMs: 200, scanMs: 50, urls: 6 } });
  assert.equal(err, '');
  assert.deepEqual(JSON.parse(out), { ...last });
  assert.equal(last.elapsedMs, 250);
  assert.equal(last.urls, 6);
  assert.deepEqual(last.health, { retries: 2 });
  assert.equal(last.engine?.requests, 9);
});

test('wsc scan --templates DIR runs Nuclei templates as Specific Vulnerability findings, streamed as JSON Lines', async () => {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (c) => (out += String(c)) }, stderr: { write: (c) => (err += String(c)) }, env: {}, signal: new AbortController().signal };
  try {
    const run = await runScan({ url: `${tb.url}/nuclei/`, items: 'Specific Vulnerability', speed: '3', tty: false, jsonl: true, silent: true, failOn: 'none', templates: join(import.meta.dirname, '../../test/fixtures/nuclei') }, io);
    assert.equal(run.exitCode, 0, err);
  } finally {
    configureTemplates({ userDir: null });
  }
  const findings = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; check?: string; extra?: { template?: string } }).filter((l) => l.type === 'finding');
  const ids = new Set(findings.filter((f) => f.check === 'nuclei-templates').map((f) => f.extra?.template));
  assert.ok(ids.has('acme-status-exposed') && ids.has('acmecms-old-version') && ids.has('acme-admin-token'), [...ids].join(', '));
});
