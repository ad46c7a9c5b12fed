import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { xpathInjection, meta } from './xpath-injection.js';

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  vuln = await runCheckOn(xpathInjection, `${tb.url}/xpath/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(xpathInjection, meta, { id: 'xpath-injection', item: 'XPath Injection', cwe: 643 }));

test('finds XPath injection by the engine error of a profile page and by true/false conditions in a double-quoted login', () => {
  const got = new Map(vuln.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...got.keys()].sort(), ['/xpath/forms/login pass', '/xpath/forms/login user', '/xpath/profile name']);
  assert.equal(got.get('/xpath/profile name')!.extra?.technique, 'error');
  assert.match(got.get('/xpath/profile name')!.evidence.proof, /SimpleXMLElement::xpath\(\): Invalid predicate/);
  assert.equal(got.get('/xpath/forms/login user')!.extra?.technique, 'boolean');
  assert.match(got.get('/xpath/forms/login user')!.payload ?? '', /^wsc\w+" or string-length\(name\(\/\*\)\)>0 or "a"="b$/);
});

test('safe twin: quotes dropped from the value in the profile and the login yield nothing', async () => {
  const run = await runCheckOn(xpathInjection, `${tb.url}/xpath-safe/`);
  assert.ok(run.sent.some((s) => s.url.includes('/xpath-safe/profile?name=') && run.sent.some((x) => x.method === 'POST')), 'the twins were probed');
  assert.deepEqual(run.findings.map((f) => `${f.url} ${f.parameter}`), []);
});

test('stays within its request budget', () => {
  const targets = Math.max(1, vuln.requests.length, vuln.pages.length);
  assert.ok(vuln.sent.length <= meta.requestBudget * targets, `${vuln.sent.length} requests for ${targets} targets`);
});
