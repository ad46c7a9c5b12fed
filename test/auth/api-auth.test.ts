// createJob's `Auth` extension: validated field by field like the other extension fields, the
// login's own URLs held to the account's assets, sealed at rest with the headers (the password is
// nowhere in the database file), and a job that logs in completes with its re-logins in its stats.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { STATUS } from '../../src/core/status.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { startFormApp, type App } from '../testbed/auth-app.js';

const PASSWORD = 'correct horse 9';
let t: TestServer;
let app: App;
before(async () => {
  app = await startFormApp({ sessionRequests: 25, password: PASSWORD });
  t = await startTestServer();
});
after(async () => {
  await t.close();
  await app.close();
});

const job = (auth: unknown, url = `${app.url}/`) => ({ StartUrl: url, VulnItems: ['XSS'], UserAgent: 'PC Chrome', Speed: '3', Auth: auth });

test('bad Auth objects are refused with Param Value Not Define - Auth', async () => {
  const bad: unknown[] = [
    'form',
    { type: 'sso' },
    { type: 'form', loginUrl: 'nope', username: 'a', password: 'b' },
    { type: 'form', loginUrl: `${app.url}/login`, username: 'a' },
    { type: 'form', loginUrl: `${app.url}/login`, username: 'a', password: 'b', loggedInRegex: '(' },
    { type: 'form', loginUrl: `${app.url}/login`, username: 'a', password: 'b', surprise: 1 },
    { type: 'token', tokenUrl: `${app.url}/t`, grant: 'password', username: 'a' },
    { type: 'token', tokenUrl: `${app.url}/t`, grant: 'client_credentials', clientId: 'c', header: 'Content-Length' },
    { type: 'headers', cookies: { sid: 'a;b' } },
  ];
  for (const auth of bad) {
    const r = await t.call('PUT', '/api/v1/job', job(auth));
    assert.equal(r.status, 400, JSON.stringify(auth));
    assert.deepEqual(r.json, { error: { errorCode: 160433, message: 'Param Value Not Define - Auth' } }, JSON.stringify(auth));
  }
});

test("a login URL outside the account's assets is Assets_Check_Fail", async () => {
  const r = await t.call('PUT', '/api/v1/job', job({ type: 'form', loginUrl: 'http://login.example.com/login', username: 'a', password: 'b' }));
  assert.equal(r.status, 400);
  assert.equal(r.json.error.errorCode, 160451);
});

test('a job with a form login runs logged in, re-logs in, and its password is sealed at rest', async () => {
  const r = await t.call('PUT', '/api/v1/job', { ...job({ type: 'form', loginUrl: `${app.url}/login`, username: 'alice', password: PASSWORD }), VulnItems: ['XSS', 'SQL Injection'] });
  assert.equal(r.status, 200, r.text);
  const id = Number(r.headers['x-wsc-instance-no']);
  const done = await waitFor(async () => {
    const j = await t.server.store.getJob(id);
    return j && [STATUS.DIAG_DONE, STATUS.DIAG_FAILED, STATUS.CRAWL_FAILED].includes(j.status as 4) ? j : null;
  }, 30_000);
  assert.equal(done.status, STATUS.DIAG_DONE, done.resultDesc ?? '');
  assert.equal(done.settings.auth?.type, 'form');
  const stats = done.stats as { relogins?: number; logins?: number } | null;
  assert.ok((stats?.relogins ?? 0) >= 1, JSON.stringify(stats));
  const items = (await t.server.store.listFindings(id)).map((f) => `${f.item} ${new URL(f.url).pathname}`);
  assert.ok(items.includes('XSS /account/search') && items.includes('SQL Injection /account/item'), items.join(', '));
  for (const f of readdirSync(t.dataDir)) {
    const bytes = readFileSync(join(t.dataDir, f));
    assert.ok(!bytes.includes(Buffer.from(PASSWORD)), `${f} holds the password in clear`);
  }
  const report = await t.call('GET', `/api/v1/jobs/${id}/report?format=json`);
  assert.equal(report.status, 200);
  assert.ok(!report.text.includes(PASSWORD));
});

test('Seeds, Proxy and Tls are validated; the proxy password and client key are sealed at rest', async () => {
  const base = { StartUrl: `${app.url}/`, VulnItems: ['XSS'], UserAgent: 'PC Chrome', Speed: '3' };
  const bad: [string, Record<string, unknown>][] = [
    ['Seeds', { Seeds: { openapi: 'not a list' } }],
    ['Seeds', { Seeds: { wsdl: ['x'] } }],
    ['Proxy', { Proxy: 'socks5://127.0.0.1:1080' }],
    ['Tls', { Tls: { clientCert: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' } }],
    ['Tls', { Tls: { caCert: 'not pem' } }],
  ];
  for (const [field, extra] of bad) {
    const r = await t.call('PUT', '/api/v1/job', { ...base, ...extra });
    assert.equal(r.status, 400, JSON.stringify(extra));
    assert.deepEqual(r.json, { error: { errorCode: 160433, message: `Param Value Not Define - ${field}` } });
  }
  const key = '-----BEGIN PRIVATE KEY-----\nTWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsu\n-----END PRIVATE KEY-----\n';
  const r = await t.call('PUT', '/api/v1/job', {
    ...base,
    // a proxy nothing listens on: the job fails, its settings stay
    Proxy: 'http://scanner:pr0xy-pa55@127.0.0.1:9/',
    Tls: { clientCert: '-----BEGIN CERTIFICATE-----\nY2VydA==\n-----END CERTIFICATE-----\n', clientKey: key },
    Seeds: { urls: ['/about'] },
  });
  assert.equal(r.status, 200, r.text);
  const id = Number(r.headers['x-wsc-instance-no']);
  const job = await t.server.store.getJob(id);
  assert.equal(job?.settings.transport?.proxy, 'http://scanner:pr0xy-pa55@127.0.0.1:9/');
  assert.equal(job?.settings.transport?.clientKey, key);
  assert.deepEqual(job?.settings.seeds, { urls: ['/about'] });
  await waitFor(async () => {
    const j = await t.server.store.getJob(id);
    return j && j.status === STATUS.CRAWL_FAILED ? j : null;
  }, 20_000);
  for (const f of readdirSync(t.dataDir)) {
    const bytes = readFileSync(join(t.dataDir, f));
    assert.ok(!bytes.includes(Buffer.from('pr0xy-pa55')) && !bytes.includes(Buffer.from('TWFueSBoYW5kcyBtYWtl')), `${f} holds a secret in clear`);
  }
});
