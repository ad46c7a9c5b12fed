import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn } from '../../test/testbed/check-harness.js';
import { ssiInjection, meta } from './ssi-injection.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(ssiInjection, meta, { id: 'ssi-injection', item: 'SSI Injection', cwe: 97 }));

test('finds SSI evaluation in a query parameter and a posted comment, proven by evaluated output', async () => {
  const run = await runCheckOn(ssiInjection, `${tb.url}/ssi/`);
  const found = new Map(run.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...found.keys()].sort(), ['/ssi/greet.shtml name', '/ssi/preview.shtml comment']);
  const greet = found.get('/ssi/greet.shtml name')!;
  assert.equal(greet.location, 'query');
  assert.match(greet.evidence.proof, /^wsc\w+a[^<]*\d\d:\d\d:\d\d[^<]*wsc\w+z\n/);
  assert.match(greet.evidence.proof, /DATE_LOCAL/);
  assert.equal(found.get('/ssi/preview.shtml comment')!.location, 'body');
  for (const f of run.findings) assert.doesNotMatch(f.evidence.proof.split('\n')[0]!, /<!--#/);
});

test('safe twin: HTML-encoded input (the directive shown as text) yields nothing', async () => {
  const run = await runCheckOn(ssiInjection, `${tb.url}/ssi-safe/`);
  assert.ok(run.sent.some((s) => s.url.includes('/ssi-safe/greet.shtml?name=')), 'the twin was probed');
  assert.ok(run.sent.some((s) => s.method === 'POST'), 'the form was probed');
  assert.deepEqual(run.findings, []);
});

test('stays within its request budget', async () => {
  for (const path of ['/ssi/', '/ssi-safe/']) {
    const run = await runCheckOn(ssiInjection, `${tb.url}${path}`);
    const targets = Math.max(1, run.requests.length, run.pages.length);
    assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  }
});
