import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allChecks } from '../../checks/registry.js';
import { SHIPPED_TEMPLATES_DIR } from '../../templates/loader.js';
import type { CliIo } from '../context.js';
import { runWith } from '../program.js';
import { registerChecksCommand } from './checks.js';
import { registerTemplatesCommand } from './templates.js';

async function wsc(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (c) => (out += String(c)) }, stderr: { write: (c) => (err += String(c)) }, env: {}, signal: new AbortController().signal };
  const code = await runWith([registerChecksCommand, registerTemplatesCommand], args, io);
  return { code, out, err };
}

test('wsc checks lists every registered check with item, id, severity, CWE and budget', async () => {
  const r = await wsc(['checks']);
  assert.equal(r.code, 0);
  const lines = r.out.trim().split('\n');
  assert.match(lines[0]!, /^ITEM\s+ID\s+SEVERITY\s+CWE\s+BUDGET$/);
  for (const c of allChecks) assert.ok(lines.some((l) => l.includes(c.meta.id) && l.includes(`CWE-${c.meta.cwe}`) && l.includes(c.meta.item)), c.meta.id);
  const json = JSON.parse((await wsc(['checks', '--json'])).out) as { id: string; requestBudget: number }[];
  assert.equal(json.length, allChecks.length);
  assert.equal(json.find((c) => c.id === 'sql-injection')?.requestBudget, allChecks.find((c) => c.meta.id === 'sql-injection')?.meta.requestBudget);
  const one = JSON.parse((await wsc(['checks', '--item', 'xss', '--json'])).out) as { item: string }[];
  assert.deepEqual([...new Set(one.map((c) => c.item))], ['XSS']);
});

test('wsc templates validate: valid files pass, a broken one names its file and field and exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsc-tpl-'));
  try {
    copyFileSync(join(SHIPPED_TEMPLATES_DIR, 'CVE-2021-41773.json'), join(dir, 'good.json'));
    const ok = await wsc(['templates', 'validate', dir]);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /1 wsc template and 0 Nuclei templates valid/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ id: 'bad-one', name: 'Bad', severity: 'urgent' }));
    const bad = await wsc(['templates', 'validate', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /error .*bad\.json: severity: /);
    const json = JSON.parse((await wsc(['templates', 'validate', dir, '--json'])).out) as { errors: { file: string }[] };
    assert.ok(json.errors[0]!.file.endsWith('bad.json'));
    const missing = await wsc(['templates', 'validate', join(dir, 'nope')]);
    assert.equal(missing.code, 1);
    assert.match(missing.out, /cannot read the templates directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wsc templates validate on Nuclei templates: valid ones counted, unsupported ones listed with the reason, exit 0', async () => {
  const fixtures = join(import.meta.dirname, '../../../test/fixtures/nuclei');
  const r = await wsc(['templates', 'validate', fixtures]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^0 wsc templates and 8 Nuclei templates valid$/m);
  assert.match(r.out, /^skipped .*unsupported-dns\.yaml \(acme-dns-record\): needs the dns protocol$/m);
  assert.equal(r.out.split('\n').filter((l) => l.startsWith('skipped ')).length, 4);
  const json = JSON.parse((await wsc(['templates', 'validate', fixtures, '--json'])).out) as { valid: unknown[]; skipped: { reason: string }[] };
  assert.equal(json.valid.length, 8);
  assert.equal(json.skipped.length, 4);
});
