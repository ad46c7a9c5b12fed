import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { httpMethods, meta } from './http-methods.js';

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  vuln = await runCheckOn(httpMethods, `${tb.url}/methods/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(httpMethods, meta, { id: 'http-methods', item: 'HTTP Methods', cwe: 650 }));

test('finds TRACE echoing our header, PUT proven by a GET of our marker file, and DELETE of that file only', () => {
  const got = vuln.findings.map((f) => `${f.method} ${new URL(f.url).pathname.replace(/wsc-put-[0-9a-f]{12}\.txt$/, 'wsc-put-*.txt')}`).sort();
  assert.deepEqual(got, ['DELETE /methods/dav/wsc-put-*.txt', 'PUT /methods/dav/wsc-put-*.txt', 'TRACE /methods/']);
  const put = vuln.findings.find((f) => f.method === 'PUT')!;
  assert.deepEqual(put.extra?.probeFiles, []);
  for (const s of vuln.sent.filter((x) => x.method === 'DELETE' || x.method === 'PUT')) assert.match(new URL(s.url).pathname, /\/wsc-put-[0-9a-f]{12}\.txt$/);
  const deletes = vuln.sent.filter((x) => x.method === 'DELETE');
  assert.equal(deletes.length, 1);
  assert.equal(deletes[0]!.url, put.url);
});

test('safe twin: 405 to TRACE, PUT and DELETE, and a PUT answered 200 that stores nothing, yield nothing', async () => {
  const run = await runCheckOn(httpMethods, `${tb.url}/methods-safe/`);
  assert.ok(run.sent.some((s) => s.method === 'PUT' && s.url.includes('/methods-safe/dav/')), 'the twins were probed');
  assert.deepEqual(run.findings.map((f) => `${f.url} ${f.parameter}`), []);
});

test('stays within its request budget', () => {
  const targets = Math.max(1, vuln.requests.length, vuln.pages.length);
  assert.ok(vuln.sent.length <= meta.requestBudget * targets, `${vuln.sent.length} requests for ${targets} targets`);
});
