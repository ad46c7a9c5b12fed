import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn } from '../../test/testbed/check-harness.js';
import { fileDownload, meta } from './file-download.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(fileDownload, meta, { id: 'file-download', item: 'File Download', cwe: 22 }));

test('finds the path-join download and the one-pass "../" filter, proven by /etc/passwd content', async () => {
  const run = await runCheckOn(fileDownload, `${tb.url}/download/`);
  const found = new Map(run.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...found.keys()].sort(), ['/download/get file', '/download/legacy filename']);
  const get = found.get('/download/get file')!;
  assert.equal(get.payload, '../../../../../../../../etc/passwd');
  assert.match(get.evidence.proof, /^root:[^:\n]*:0:0:/);
  assert.match(get.evidence.proof, /content of \/etc\/passwd .*does not contain; served as attachment/);
  assert.match(get.evidence.request, /^GET \/download\/get\?file=\.\.%2F\.\.%2F/);
  assert.match(get.evidence.response, /^HTTP\/1\.1 200/);
  assert.match(get.evidence.response, /root:[^:\n]*:0:0:/);
  assert.equal(found.get('/download/legacy filename')!.payload, `${'....//'.repeat(8)}etc/passwd`);
});

test('safe twins (basename allowlist, resolved-path containment) yield nothing', async () => {
  const run = await runCheckOn(fileDownload, `${tb.url}/download/`);
  const probed = new Set(run.sent.map((s) => new URL(s.url).pathname));
  assert.ok(probed.has('/download/safe') && probed.has('/download/contained'), 'the safe twins were probed');
  assert.deepEqual(run.findings.filter((f) => !/\/download\/(get|legacy)$/.test(new URL(f.url).pathname)), []);
});

test('pages that are not downloads are left alone, and the budget holds', async () => {
  const run = await runCheckOn(fileDownload, `${tb.url}/download/`);
  const targets = Math.max(1, run.requests.length, run.pages.length);
  assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  // the crawl already fetched each download: no baseline request was repeated
  assert.ok(!run.sent.some((s) => /[?&](file|filename|doc)=(report\.pdf|manual\.txt)$/.test(s.url)));
  const site = await runCheckOn(fileDownload, `${tb.url}/redirect/`);
  assert.deepEqual(site.findings, []);
});
