import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { crlfInjection, meta } from './crlf-injection.js';

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  vuln = await runCheckOn(crlfInjection, `${tb.url}/crlf/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(crlfInjection, meta, { id: 'crlf-injection', item: 'CRLF Injection', cwe: 113 }));

test('finds header injection through CR LF in a Location and %0d%0a decoded again in a Set-Cookie, proven by our own header', () => {
  const got = new Map(vuln.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...got.keys()].sort(), ['/crlf/lang lang', '/crlf/track campaign']);
  assert.equal(got.get('/crlf/lang lang')!.extra?.variant, 'CR LF');
  assert.equal(got.get('/crlf/track campaign')!.extra?.variant, '%0d%0a decoded by the application');
  for (const f of got.values()) assert.match(f.evidence.proof, /^X-Wsc-\w{8}: crlf\b/i);
});

test('safe twin: an encoded Location and a cookie with CR and LF dropped yield nothing', async () => {
  const run = await runCheckOn(crlfInjection, `${tb.url}/crlf-safe/`);
  assert.ok(run.sent.some((s) => s.url.includes('/crlf-safe/track?campaign=')), 'the twins were probed');
  assert.deepEqual(run.findings.map((f) => `${f.url} ${f.parameter}`), []);
});

test('stays within its request budget', () => {
  const targets = Math.max(1, vuln.requests.length, vuln.pages.length);
  assert.ok(vuln.sent.length <= meta.requestBudget * targets, `${vuln.sent.length} requests for ${targets} targets`);
});
