import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { ldapInjection, meta } from './ldap-injection.js';

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  vuln = await runCheckOn(ldapInjection, `${tb.url}/ldap/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(ldapInjection, meta, { id: 'ldap-injection', item: 'LDAP Injection', cwe: 90 }));

test('finds LDAP injection by the filter error of a search and by true/false clauses of a login that hides errors', () => {
  const got = new Map(vuln.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...got.keys()].sort(), ['/ldap/forms/login pass', '/ldap/people name']);
  assert.equal(got.get('/ldap/people name')!.extra?.technique, 'error');
  assert.match(got.get('/ldap/people name')!.evidence.proof, /ldap_search\(\): Search: Bad search filter.*\n/);
  assert.equal(got.get('/ldap/forms/login pass')!.extra?.technique, 'boolean');
  assert.equal(got.get('/ldap/forms/login pass')!.payload, '*)(objectClass=*');
});

test('safe twin: RFC 4515 escaping in the search and the login yields nothing', async () => {
  const run = await runCheckOn(ldapInjection, `${tb.url}/ldap-safe/`);
  assert.ok(run.sent.some((s) => s.url.includes('/ldap-safe/people?name=') && run.sent.some((x) => x.method === 'POST')), 'the twins were probed');
  assert.deepEqual(run.findings.map((f) => `${f.url} ${f.parameter}`), []);
});

test('stays within its request budget', () => {
  const targets = Math.max(1, vuln.requests.length, vuln.pages.length);
  assert.ok(vuln.sent.length <= meta.requestBudget * targets, `${vuln.sent.length} requests for ${targets} targets`);
});
