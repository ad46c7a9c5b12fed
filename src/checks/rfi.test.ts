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

test('our code run (the product in the page) or our markup rendered proves RFI, also where the page appends an extension', async () => {
  const run = await runCheckOn(rfi, `${tb.url}/rfi/`);
  const found = new Map(run.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...found.keys()].sort(), ['/rfi/module module', '/rfi/page page', '/rfi/template tpl']);
  for (const f of run.findings) {
    assert.ok(f.evidence.response.includes(f.evidence.proof.split('\n')[0]!), 'the proof is in the response');
    assert.match(f.evidence.proof, /asked for \/o\/[0-9a-f]{24}\/inc/);
  }
  const ran = found.get('/rfi/module module')!;
  assert.match(ran.evidence.proof, /^wsc-x-\d+\n.*executed the remote file/);
  assert.equal(ran.confidence, undefined, 'executed code is certain (the check default)');
  assert.match(found.get('/rfi/page page')!.evidence.proof, /^<wsc-i-[0-9a-f]{12}>\n.*as markup/);
  assert.equal(found.get('/rfi/page page')!.confidence, 'firm');
  // the listener serves the probe under any suffix, so the appended ".html" shows in the hit
  assert.match(found.get('/rfi/template tpl')!.evidence.proof, /asked for \/o\/[0-9a-f]{24}\/inc\.html/);
});

test('safe twin: allowlisted includes yield nothing; fetch-only SSRF pages are not RFI', async () => {
  const safe = await runCheckOn(rfi, `${tb.url}/rfi-safe/`);
  assert.ok(safe.sent.some((s) => s.url.includes('/rfi-safe/remote?src=')), 'the twin was probed');
  assert.ok(safe.sent.some((s) => s.url.includes('/rfi-safe/preview?src=')), 'the preview twin (fetches, shows escaped) was probed');
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
