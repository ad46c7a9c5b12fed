import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestbed, type Testbed } from '../../../test/testbed/server.js';
import type { CliIo } from '../context.js';
import { runWith } from '../program.js';
import type { JsonReport } from '../../report/json.js';
import type { SarifLog } from '../../report/sarif.js';
import { isLoopbackHost, registerScanCommand, runScan } from './scan.js';

let tb: Testbed;
let dir: string;
before(async () => {
  tb = await startTestbed();
  dir = mkdtempSync(join(tmpdir(), 'wsc-scan-'));
});
after(async () => {
  await tb.close();
  rmSync(dir, { recursive: true, force: true });
});

function io(signal = new AbortController().signal): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (c: string | Uint8Array) => (out += String(c)) },
    stderr: { write: (c: string | Uint8Array) => (err += String(c)) },
    env: {},
    signal,
    out: () => out,
    err: () => err,
  };
}

test('json report to stdout; --fail-on medium exits 1; header values never appear', async () => {
  const o = io();
  const run = await runScan(
    { url: `${tb.url}/dirlist/`, items: 'Directory Listing', header: ['Cookie: sid=verysecret123'], speed: '3', failOn: 'medium', maxDuration: 20, timeout: 3, tty: false },
    o,
  );
  assert.equal(run.exitCode, 1);
  const report = JSON.parse(o.out()) as JsonReport;
  assert.equal(report.version, 1);
  assert.equal(report.target, `${tb.url}/dirlist/`);
  assert.equal(report.findings.length, 7);
  assert.ok(report.findings.every((f) => f.item === 'Directory Listing'));
  assert.ok(report.stats.requests > 0 && report.urls.length > 0);
  assert.deepEqual(report.options.header_names, ['Cookie']);
  assert.doesNotMatch(o.out() + o.err(), /verysecret123/);
  assert.match(o.err(), /crawl: started/);
  assert.match(o.err(), /scan: 100%/);
  assert.match(o.err(), /7 findings/);
});

test('--fail-on high with only medium findings exits 0; sarif and html go to --output', async () => {
  const sarifFile = join(dir, 'r.sarif');
  const o = io();
  const run = await runScan({ url: `${tb.url}/dirlist/`, items: 'Directory Listing', format: 'sarif', output: sarifFile, failOn: 'high', speed: '3', tty: false }, o);
  assert.equal(run.exitCode, 0);
  assert.equal(o.out(), '');
  const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as SarifLog;
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs[0]!.results.length, 7);
  const htmlFile = join(dir, 'r.html');
  const h = await runScan({ url: `${tb.url}/dirlist-safe/`, items: 'ALL', format: 'html', output: htmlFile, speed: '3', tty: false }, io());
  assert.equal(h.exitCode, 0);
  assert.match(readFileSync(htmlFile, 'utf8'), /^<!DOCTYPE html>/);
  const pdfFile = join(dir, 'r.pdf');
  const p = await runScan({ url: `${tb.url}/dirlist/`, items: 'Directory Listing', format: 'pdf', output: pdfFile, speed: '3', tty: false }, io());
  assert.equal(p.exitCode, 0);
  assert.equal(readFileSync(pdfFile).subarray(0, 5).toString('latin1'), '%PDF-');
});

test('a non-loopback target needs --i-own-this-target; bad flags exit 3 (error; 2 is a warning)', async () => {
  assert.ok(isLoopbackHost('localhost') && isLoopbackHost('127.8.9.10') && isLoopbackHost('[::1]'));
  assert.ok(!isLoopbackHost('example.com') && !isLoopbackHost('10.0.0.1') && !isLoopbackHost('128.0.0.1'));
  const o = io();
  const run = await runScan({ url: 'http://scanme.invalid/', tty: false }, o);
  assert.equal(run.exitCode, 3);
  assert.match(o.err(), /not a loopback address.*--i-own-this-target/);
  for (const bad of [{ items: 'XSS,ALL' }, { items: 'Nope' }, { speed: '4' }, { ua: 'Firefox' }, { format: 'docx' }, { failOn: 'info' }, { header: ['NoColon'] }]) {
    const e = io();
    const r = await runScan({ url: `${tb.url}/`, tty: false, ...bad }, e);
    assert.equal(r.exitCode, 3, JSON.stringify(bad));
    assert.match(e.err(), /^error: /);
  }
});

test('through commander: flags parse and exit codes carry', async () => {
  const o = io();
  const code = await runWith([registerScanCommand], ['scan', `${tb.url}/infodisc/`, '--items', 'Information Disclosure', '--speed', '3', '--fail-on', 'low', '--max-depth', '1', '--timeout', '3'], o);
  assert.equal(code, 1);
  const report = JSON.parse(o.out()) as JsonReport;
  assert.ok(report.findings.some((f) => f.parameter === 'Server'));
  assert.equal(report.options.limits.maxDepth, 1);
  // commander's own errors (an unknown flag) are errors of wsc scan too
  assert.equal(await runWith([registerScanCommand], ['scan', `${tb.url}/`, '--no-such-flag'], io()), 3);
});

test('the real CLI: wsc scan spawned as a process', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'scan', `${tb.url}/dirlist/`, '--items', 'Directory Listing', '--format', 'sarif', '--speed', '3'], {
    cwd: join(import.meta.dirname, '../../..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err);
  const sarif = JSON.parse(out) as SarifLog;
  assert.equal(sarif.runs[0]!.results.length, 7);
});

test('with no --items, wsc scan runs every check: NCP\'s 21 items and the extension items', async () => {
  const file = join(dir, 'all.json');
  const run = await runScan({ url: `${tb.url}/cookies/`, format: 'json', output: file, speed: '3', maxDepth: 1, timeout: 3, tty: false }, io());
  assert.equal(run.exitCode, 0);
  const report = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
  assert.deepEqual(report.options.items, ['ALL', 'EXTENDED']);
  const items = new Set(report.findings.map((f) => f.item));
  assert.ok(items.has('Cookie Security') && items.has('Security Headers'), [...items].join(', '));
});
