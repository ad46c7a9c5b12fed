import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn } from '../../test/testbed/check-harness.js';
import { AUTHZ_COOKIE } from '../../test/testbed/routes/authz.js';
import { insufficientAuthorization, meta } from './insufficient-authorization.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(insufficientAuthorization, meta, { id: 'insufficient-authorization', item: 'Insufficient Authorization', cwe: 862 }));

test('with credentials: the page that forgot its check, the IDOR and the open admin page', async () => {
  const run = await runCheckOn(insufficientAuthorization, `${tb.url}/authz/`, { headers: { Cookie: AUTHZ_COOKIE } });
  const found = new Map(run.findings.map((f) => [new URL(f.url).pathname, f]));
  assert.deepEqual([...found.keys()].sort(), ['/authz/account/invoices', '/authz/admin/', '/authz/keys', '/authz/orders/1002', '/authz/portal.php', '/authz/vault/']);
  const vault = found.get('/authz/vault/')!;
  assert.equal(vault.method, 'POST');
  assert.match(vault.evidence.proof, /Verb tampering: GET .* was refused with 403, but POST answered 200/);
  const keys = found.get('/authz/keys')!;
  assert.match(keys.evidence.proof, /X-HTTP-Method-Override: GET answered 200/);
  assert.match(keys.evidence.request, /X-HTTP-Method-Override: GET/);
  const portal = found.get('/authz/portal.php')!;
  assert.equal(portal.parameter, 'page');
  assert.equal(portal.payload, './reports.php');
  assert.match(portal.evidence.proof, /sent us to the login page/);
  const invoices = found.get('/authz/account/invoices')!;
  assert.equal(invoices.confidence, 'firm');
  assert.match(invoices.evidence.proof, /^<title>Invoices<\/title>\nReachable without credentials/);
  assert.doesNotMatch(invoices.evidence.request, /authz_session/, 'the replay carried no cookie');
  const idor = found.get('/authz/orders/1002')!;
  assert.equal(idor.parameter, 'path[2]', 'named as insertion points name path segments');
  assert.equal(idor.confidence, 'firm');
  assert.match(idor.evidence.proof, /never linked this object/);
  assert.match(found.get('/authz/admin/')!.evidence.proof, /^<title>Admin dashboard<\/title>/);
  // the anonymous requests really went without the session cookie
  const anon = tb.log.filter((l) => l.url === '/authz/account/invoices' && !(l.headers.cookie ?? '').includes('authz_session'));
  assert.ok(anon.length >= 1);
});

test('safe twin: login redirects, 401s, owner checks and a closed admin page yield nothing', async () => {
  const run = await runCheckOn(insufficientAuthorization, `${tb.url}/authz-safe/`, { headers: { Cookie: AUTHZ_COOKIE } });
  assert.ok(run.sent.some((s) => s.url.endsWith('/authz-safe/orders/1002')), 'the neighbour ids were tried');
  assert.ok(run.sent.some((s) => s.url.endsWith('/authz-safe/account/invoices')), 'the pages were replayed');
  assert.ok(run.sent.some((s) => s.url.includes('/authz-safe/portal.php?page=.%2Freports.php')), 'the other spelling was tried');
  for (const m of ['POST', 'WSCX', 'HEAD']) assert.ok(run.sent.some((s) => s.method === m && s.url.endsWith('/authz-safe/vault/')), `${m} was tried on the refused vault`);
  assert.deepEqual(run.findings.map((f) => f.url), []);
});

test('without credentials only forced browsing and the login-wall spellings run, within the request budget', async () => {
  const run = await runCheckOn(insufficientAuthorization, `${tb.url}/authz/`);
  assert.deepEqual(run.findings.map((f) => new URL(f.url).pathname).sort(), ['/authz/admin/', '/authz/keys', '/authz/portal.php', '/authz/vault/']);
  assert.ok(run.sent.every((s) => !/invoices|orders/.test(s.url)), 'no replay, no id walking');
  const authed = await runCheckOn(insufficientAuthorization, `${tb.url}/authz/`, { headers: { Cookie: AUTHZ_COOKIE } });
  for (const r of [run, authed]) {
    const targets = Math.max(1, r.requests.length, r.pages.length);
    assert.ok(r.sent.length <= meta.requestBudget * targets, `${r.sent.length} requests for ${targets} targets`);
  }
});
