import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn } from '../../test/testbed/check-harness.js';
import { lfi, meta } from './lfi.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(lfi, meta, { id: 'lfi', item: 'LFI', cwe: 98 }));

test('reads /etc/passwd through plain, ....//, double-encoded, NUL-byte and php://filter variants', async () => {
  const run = await runCheckOn(lfi, `${tb.url}/lfi/`);
  const found = new Map(run.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...found.keys()].sort(), ['/lfi/decode file', '/lfi/legacy doc', '/lfi/php page', '/lfi/strip file', '/lfi/view file']);
  for (const f of run.findings) {
    assert.equal(f.location, 'query');
    assert.match(f.evidence.proof, /\/etc\/passwd/);
    assert.match(f.evidence.request, /^GET \/lfi\//);
  }
  assert.match(found.get('/lfi/view file')!.evidence.proof, /^root:[^:]*:0:0:/);
  assert.match(found.get('/lfi/view file')!.evidence.response, /root:[^:]*:0:0:/);
  assert.match(String(found.get('/lfi/strip file')!.extra?.technique), /\.\.\.\.\/\//);
  assert.match(String(found.get('/lfi/decode file')!.extra?.technique), /%2f|%2e/);
  assert.match(String(found.get('/lfi/legacy doc')!.extra?.technique), /NUL byte and \.txt/);
  const php = found.get('/lfi/php page')!;
  assert.equal(php.extra?.base64, true);
  assert.match(php.evidence.proof, /base64-decoding/);
});

test('safe twin: allowlist, resolve + prefix check and a page quoting passwd yield nothing', async () => {
  const run = await runCheckOn(lfi, `${tb.url}/lfi-safe/`);
  assert.ok(run.sent.some((s) => s.url.includes('/lfi-safe/resolve?file=')), 'the twins were probed');
  assert.deepEqual(run.findings, []);
});

test('stays within its request budget', async () => {
  for (const path of ['/lfi/', '/lfi-safe/']) {
    const run = await runCheckOn(lfi, `${tb.url}${path}`);
    const targets = Math.max(1, run.requests.length, run.pages.length);
    assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  }
});

test("proves a read of the application's own source where system files are blocked: php://filter, ../ back to the script, WEB-INF/web.xml", async () => {
  const run = await runCheckOn(lfi, `${tb.url}/lfisrc/`);
  const found = new Map(run.findings.filter((f) => new URL(f.url).pathname.startsWith('/lfisrc/')).map((f) => [new URL(f.url).pathname, f]));
  assert.deepEqual([...found.keys()].sort(), ['/lfisrc/app/page.jsp', '/lfisrc/index.php', '/lfisrc/show.php']);
  assert.match(found.get('/lfisrc/show.php')!.evidence.proof, /server-side PHP source.*back to the script show\.php/s);
  assert.match(found.get('/lfisrc/index.php')!.evidence.proof, /server-side PHP source.*base64-decoding.*php:\/\/filter/s);
  assert.match(found.get('/lfisrc/app/page.jsp')!.evidence.proof, /WEB-INF\/web\.xml/);
  for (const f of found.values()) assert.equal(f.extra?.ownSource, true);
  const safe = await runCheckOn(lfi, `${tb.url}/lfisrc-safe/`);
  assert.ok(safe.sent.some((s) => s.url.includes('/lfisrc-safe/show.php?file=')), 'the twins were probed');
  assert.deepEqual(safe.findings.filter((f) => new URL(f.url).pathname.startsWith('/lfisrc-safe/')).map((f) => f.evidence.proof), []);
});
