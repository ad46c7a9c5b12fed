import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestbed } from '../../test/testbed/server.js';
import { runScan } from '../cli/commands/scan.js';
import type { CliIo } from '../cli/context.js';
import type { JsonReport } from '../report/json.js';
import { activeTemplates, configureTemplates, TemplateError } from './loader.js';

const dirs: string[] = [];
after(() => {
  configureTemplates({ userDir: null });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'wsc-tpl-'));
  dirs.push(d);
  return d;
}

function io(): CliIo & { err(): string; out(): string } {
  let out = '';
  let err = '';
  return { stdout: { write: (c: string | Uint8Array) => (out += String(c)) }, stderr: { write: (c: string | Uint8Array) => (err += String(c)) }, env: {}, signal: new AbortController().signal, out: () => out, err: () => err };
}

const userTemplate = {
  id: 'acme-status-leak',
  name: 'ACME status page leaks its build',
  severity: 'low',
  description: 'The ACME appliance status page names its build.',
  cwe: 200,
  references: ['https://example.com/acme'],
  requests: [{ paths: ['{{base}}/about'], matchers: [{ type: 'status', status: [200] }, { type: 'word', words: ['Our team'] }], extractors: [{ type: 'regex', regex: 'href="(team)"', group: 1, name: 'link' }] }],
};

test('WSC_TEMPLATES_DIR adds user templates; a broken one stops the scan with its file and field named', () => {
  const good = tmp();
  writeFileSync(join(good, 'acme.json'), JSON.stringify(userTemplate));
  const before = process.env.WSC_TEMPLATES_DIR;
  process.env.WSC_TEMPLATES_DIR = good;
  try {
    configureTemplates({ userDir: null });
    assert.ok(activeTemplates().some((t) => t.id === 'acme-status-leak'));
    const bad = tmp();
    writeFileSync(join(bad, 'acme.json'), JSON.stringify({ ...userTemplate, cwe: 'two hundred' }));
    process.env.WSC_TEMPLATES_DIR = bad;
    assert.throws(() => activeTemplates(), (e: unknown) => e instanceof TemplateError && /acme\.json: cwe: /.test(e.message));
  } finally {
    if (before === undefined) delete process.env.WSC_TEMPLATES_DIR;
    else process.env.WSC_TEMPLATES_DIR = before;
    configureTemplates({ userDir: null });
  }
});

test('wsc scan --templates DIR: bad templates are an error (exit 3, an error as in ZAP); good ones find what they match', async () => {
  const bad = tmp();
  writeFileSync(join(bad, 'x.json'), JSON.stringify({ ...userTemplate, requests: [{ paths: ['/about'], matchers: [] }] }));
  const o = io();
  const failed = await runScan({ url: 'http://127.0.0.1:9/', items: 'Specific Vulnerability', templates: bad, tty: false }, o);
  assert.equal(failed.exitCode, 3);
  assert.match(o.err(), /error: template .*x\.json: requests\[0\]\.paths\[0\]: must start with \{\{root\}\}.*requests\[0\]\.matchers: /);

  const good = tmp();
  writeFileSync(join(good, 'acme.json'), JSON.stringify(userTemplate));
  const tb = await startTestbed();
  try {
    const o2 = io();
    // --fail-on none: the testbed's own high findings are not the point here
    const run = await runScan({ url: `${tb.url}/about`, items: 'Specific Vulnerability', templates: good, speed: '3', maxDuration: 20, timeout: 3, failOn: 'none', tty: false }, o2);
    // 2 (a warning) only when this machine was too slow to finish within maxDuration
    assert.equal(run.exitCode, run.result?.limitReached === 'maxDurationMs' ? 2 : 0, o2.err());
    const report = run.report as JsonReport;
    const f = report.findings.find((x) => x.title === 'ACME status page leaks its build');
    assert.ok(f, JSON.stringify(report.findings.map((x) => x.title)));
    assert.equal(f.severity, 'low');
    assert.match(f.evidence.proof, /^Our team\ntemplate acme-status-leak/);
    assert.match(f.evidence.proof, /link: team/);
  } finally {
    await tb.close();
  }
});
