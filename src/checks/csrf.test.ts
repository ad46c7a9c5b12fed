import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { csrf, meta, stateChanging } from './csrf.js';

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  vuln = await runCheckOn(csrf, `${tb.url}/csrf/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(csrf, meta, { id: 'csrf', item: 'CSRF', cwe: 352 }));

test('finds forgeable requests: no token, a token checked only when sent, JSON taken as text/plain', () => {
  const got = new Map(vuln.findings.map((f) => [new URL(f.url).pathname, f]));
  assert.deepEqual([...got.keys()].sort(), ['/csrf/api/settings', '/csrf/email', '/csrf/transfer']);
  assert.deepEqual(got.get('/csrf/transfer')!.extra?.tokens, ['csrf_token']);
  assert.doesNotMatch(got.get('/csrf/transfer')!.evidence.request, /csrf_token/);
  assert.match(got.get('/csrf/api/settings')!.evidence.request, /content-type: text\/plain/i);
  for (const f of got.values()) assert.match(f.evidence.request, /^Origin: https:\/\/wsc-[0-9a-f]{8}\.example$/m);
});

test('a search, a preview and a login are not state-changing', () => {
  const base = { source: 'form', depth: 1, bodyKind: 'urlencoded' as const };
  assert.equal(stateChanging({ ...base, method: 'POST', url: 'http://x/account/search', fields: [{ name: 'q', value: 'a' }] }), false);
  assert.equal(stateChanging({ ...base, method: 'POST', url: 'http://x/login', fields: [{ name: 'password', value: 'a' }] }), false);
  assert.equal(stateChanging({ ...base, method: 'GET', url: 'http://x/profile/update' }), false);
  assert.equal(stateChanging({ ...base, method: 'POST', url: 'http://x/profile/update', fields: [{ name: 'name', value: 'a' }] }), true);
});

test('safe twin: a token always checked, an Origin check, JSON only as application/json, a search yield nothing', async () => {
  const run = await runCheckOn(csrf, `${tb.url}/csrf-safe/`);
  assert.ok(run.sent.some((s) => s.url.endsWith('/csrf-safe/api/settings')), 'the twins were replayed');
  assert.deepEqual(run.findings.map((f) => `${f.url} ${f.evidence.proof}`), []);
});

test('stays within its request budget', () => {
  const targets = Math.max(1, vuln.requests.length, vuln.pages.length);
  assert.ok(vuln.sent.length <= meta.requestBudget * targets, `${vuln.sent.length} requests for ${targets} targets`);
});
