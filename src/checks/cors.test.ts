import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { cors, meta } from './cors.js';

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  vuln = await runCheckOn(cors, `${tb.url}/cors/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(cors, meta, { id: 'cors', item: 'CORS', cwe: 942 }));

test('finds a reflected foreign Origin and an allowed "null", both with credentials', () => {
  const got = new Map(vuln.findings.map((f) => [new URL(f.url).pathname, f]));
  assert.deepEqual([...got.keys()].sort(), ['/cors/api/me', '/cors/api/statement']);
  const me = got.get('/cors/api/me')!;
  assert.match(me.payload ?? "", /^https:\/\/127\.0\.0\.1\.wsc-[0-9a-f]{8}\.example$/);
  assert.equal(me.severity, 'high');
  assert.match(me.evidence.proof, /Access-Control-Allow-Credentials: true/);
  assert.equal(got.get('/cors/api/statement')!.payload, 'null');
});

test('safe twin: an exact allow-list and "*" without credentials yield nothing', async () => {
  const run = await runCheckOn(cors, `${tb.url}/cors-safe/`);
  assert.ok(run.sent.some((s) => s.url.endsWith('/cors-safe/api/prices')), 'the twins were probed');
  assert.deepEqual(run.findings.map((f) => `${f.url} ${f.payload}`), []);
});

test('stays within its request budget', () => {
  const targets = Math.max(1, vuln.requests.length, vuln.pages.length);
  assert.ok(vuln.sent.length <= meta.requestBudget * targets, `${vuln.sent.length} requests for ${targets} targets`);
});
