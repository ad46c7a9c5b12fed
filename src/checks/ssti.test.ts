import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { ssti, meta } from './ssti.js';

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  vuln = await runCheckOn(ssti, `${tb.url}/ssti/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(ssti, meta, { id: 'ssti', item: 'SSTI', cwe: 1336 }));

test('finds template evaluation in Jinja2, Freemarker (grouped thousands), ERB and Handlebars styles, proven by unique products', () => {
  const got = new Map(vuln.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...got.keys()].sort(), ['/ssti/banner greeting', '/ssti/forms/list title', '/ssti/hello name', '/ssti/search q']);
  assert.match(got.get('/ssti/hello name')!.payload ?? '', /^\{\{\d+\*\d+\}\}$/);
  assert.match(got.get('/ssti/forms/list title')!.payload ?? '', /^\$\{\d+\*\d+\}$/);
  assert.match(String(got.get('/ssti/forms/list title')!.extra?.output), /^\d{1,3}(,\d{3})+$/);
  assert.match(got.get('/ssti/search q')!.payload ?? '', /^<%= /);
  assert.match(got.get('/ssti/banner greeting')!.extra?.engines as string, /Handlebars/);
  for (const f of got.values()) assert.doesNotMatch(f.evidence.proof, /\b49\b/);
});

test('safe twin: input rendered as data (braces shown), and a calculator of bare digits, yield nothing', async () => {
  const run = await runCheckOn(ssti, `${tb.url}/ssti-safe/`);
  assert.ok(run.sent.some((s) => s.url.includes('/ssti-safe/calc?expr=')), 'the twins were probed');
  assert.deepEqual(run.findings.map((f) => `${f.url} ${f.parameter}`), []);
});

test('stays within its request budget', () => {
  const targets = Math.max(1, vuln.requests.length, vuln.pages.length);
  assert.ok(vuln.sent.length <= meta.requestBudget * targets, `${vuln.sent.length} requests for ${targets} targets`);
});
