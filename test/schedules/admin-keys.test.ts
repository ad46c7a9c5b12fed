// whoami, admin accounts and the admin keys routes, over HTTP against the real server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t.close();
});

test('whoami names the account and whether it is admin', async () => {
  const me = await t.call('GET', '/api/v1/whoami');
  assert.equal(me.status, 200);
  assert.deepEqual(me.json.resources, { account: 'admin', admin: true });
  const user = await t.account('alice', ['localhost']);
  const them = await t.call('GET', '/api/v1/whoami', undefined, user);
  assert.deepEqual(them.json.resources, { account: 'alice', admin: false });
});

test('non-admin accounts get 403 on every keys and settings route', async () => {
  const user = await t.account('bob');
  for (const [method, uri, body] of [
    ['GET', '/api/v1/keys'],
    ['PUT', '/api/v1/keys', { Account: 'x' }],
    ['DELETE', '/api/v1/keys/ABCDEFGHIJ'],
    ['GET', '/api/v1/settings/smtp'],
    ['PUT', '/api/v1/settings/smtp', { Url: 'smtp://127.0.0.1:25', From: 'a@b.c' }],
  ] as const) {
    const r = await t.call(method, uri, body, user);
    assert.equal(r.status, 403, `${method} ${uri}`);
    assert.equal(r.json.error.errorCode, '210');
    assert.equal(r.json.error.message, 'Permission Denied');
  }
});

test('admin creates a key (secret once), lists keys without secrets, revokes', async () => {
  const created = await t.call('PUT', '/api/v1/keys', { Account: 'carol' });
  assert.equal(created.status, 200);
  const { access_key, secret_key, account } = created.json.resources;
  assert.equal(account, 'carol');
  assert.match(secret_key, /^[A-Za-z0-9]{40}$/);
  const key = { accessKey: access_key, secretKey: secret_key };
  assert.equal((await t.call('GET', '/api/v1/whoami', undefined, key)).json.resources.account, 'carol');

  const list = await t.call('GET', '/api/v1/keys');
  assert.ok(!list.text.includes(secret_key), 'no secret in the list');
  const row = list.json.resources.keys.find((k: { access_key: string }) => k.access_key === access_key);
  assert.deepEqual(Object.keys(row).sort(), ['access_key', 'account', 'created_at', 'revoked']);
  assert.equal(row.revoked, false);

  assert.equal((await t.call('DELETE', `/api/v1/keys/${access_key}`)).status, 200);
  const after = await t.call('GET', '/api/v1/keys');
  assert.equal(after.json.resources.keys.find((k: { access_key: string }) => k.access_key === access_key).revoked, true);
  await new Promise((r) => setTimeout(r, 1100)); // the key cache trusts a looked-up key for 1 s
  const refused = await t.call('GET', '/api/v1/whoami', undefined, key);
  assert.equal(refused.status, 401);

  const bad = await t.call('PUT', '/api/v1/keys', { Account: 'no spaces' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.message, 'Param Value Not Define - Account');
});

test('SMTP settings: stored by an admin, the password never returned', async () => {
  const put = await t.call('PUT', '/api/v1/settings/smtp', { Url: 'smtp://mailer:hunter2secret@127.0.0.1:2525', From: 'wsc@example.test' });
  assert.equal(put.status, 200);
  assert.ok(!put.text.includes('hunter2secret'));
  const got = await t.call('GET', '/api/v1/settings/smtp');
  assert.equal(got.json.resources.url, 'smtp://mailer:****@127.0.0.1:2525');
  assert.equal(got.json.resources.from, 'wsc@example.test');
});
