import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { cookieSecurity, cookieWeaknesses, meta, parseSetCookie } from './cookie-security.js';

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  vuln = await runCheckOn(cookieSecurity, `${tb.url}/cookies/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(cookieSecurity, meta, { id: 'cookie-security', item: 'Cookie Security', cwe: 1004 }));

test('finds session cookies without HttpOnly or SameSite, named or random-valued, once per cookie', () => {
  const got = new Map(vuln.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...got.keys()].sort(), ['/cookies/remember keep', '/cookies/session SESSIONID']);
  assert.deepEqual(got.get('/cookies/session SESSIONID')!.extra?.missing, ['HttpOnly', 'SameSite']);
  assert.deepEqual(got.get('/cookies/remember keep')!.extra?.missing, ['SameSite']);
  assert.match(got.get('/cookies/remember keep')!.evidence.proof, /SameSite=None without Secure/);
});

test('Secure is required of a cookie set over HTTPS only', () => {
  const c = parseSetCookie('sid=abc; HttpOnly; SameSite=Lax')!;
  assert.deepEqual(cookieWeaknesses(c, true).map((w) => w.attribute), ['Secure']);
  assert.deepEqual(cookieWeaknesses(c, false), []);
  assert.deepEqual(cookieWeaknesses(parseSetCookie('sid=abc; Secure; HttpOnly; SameSite=Strict')!, true), []);
});

test('safe twin: HttpOnly and SameSite session cookies, a script-read XSRF cookie, a theme cookie, a deletion yield nothing', async () => {
  const run = await runCheckOn(cookieSecurity, `${tb.url}/cookies-safe/`);
  assert.ok(run.pages.some((p) => p.response.rawHeaders.some(([k]) => k.toLowerCase() === 'set-cookie')), 'cookies were set');
  assert.deepEqual(run.findings.map((f) => `${f.url} ${f.parameter} ${f.evidence.proof}`), []);
});

test('stays within its request budget: passive, it sends nothing', () => {
  assert.equal(vuln.sent.length, 0);
});
