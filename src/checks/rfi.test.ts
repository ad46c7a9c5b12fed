import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn } from '../../test/testbed/check-harness.js';
import { rfi, meta } from './rfi.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(rfi, meta, { id: 'rfi', item: 'RFI', cwe: 98 }));

test('the OAST marker included in the page proves RFI, also where the page appends an extension', async () => {
  const run = await runCheckOn(rfi, `${tb.url}/rfi/`);
  const found = new Map(run.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...found.keys()].sort(), ['/rfi/page page', '/rfi/template tpl']);
  for (const f of run.findings) {
    assert.match(f.evidence.proof, /^wsc-oast-[0-9a-f]{24}\n/);
    assert.ok(f.evidence.response.includes(f.evidence.proof.split('\n')[0]!), 'the marker is in the response');
    assert.match(f.evidence.proof, /asked for \/o\/[0-9a-f]{24}/);
  }
  // the listener serves the marker under any suffix, so the appended ".html" shows in the hit
  assert.match(found.get('/rfi/template tpl')!.evidence.proof, /asked for \/o\/[0-9a-f]{24}\.html/);
});

test('safe twin: allowlisted includes yield nothing; fetch-only SSRF pages are not RFI', async () => {
  const safe = await runCheckOn(rfi, `${tb.url}/rfi-safe/`);
  assert.ok(safe.sent.some((s) => s.url.includes('/rfi-safe/remote?src=')), 'the twin was probed');
  assert.deepEqual(safe.findings, []);
  const ssrfPages = await runCheckOn(rfi, `${tb.url}/ssrf/`);
  assert.ok(ssrfPages.sent.some((s) => s.url.includes('/ssrf/preview?url=')));
  assert.deepEqual(ssrfPages.findings, []);
});

test('stays within its request budget', async () => {
  for (const path of ['/rfi/', '/rfi-safe/']) {
    const run = await runCheckOn(rfi, `${tb.url}${path}`);
    const targets = Math.max(1, run.requests.length, run.pages.length);
    assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  }
});
