// Signature v2 as NCP's API Gateway checks it: missing, wrong, replayed, foreign and revoked
// credentials, and the per-key rate limit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signatureV2 } from '../../src/core/signature.js';
import { send, signedHeaders, startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
before(async () => {
  t = await startTestServer({ config: { rateLimitPerKey: 5, rateLimitBurst: 5 } });
});
after(() => t.close());

const MISSING = {
  error: { errorCode: '200', message: 'Authentication Failed', details: 'Authentication information are missing.' },
};
const INVALID = {
  error: { errorCode: '200', message: 'Authentication Failed', details: 'Invalid authentication information.' },
};

test('no headers: 401 Authentication information are missing', async () => {
  const r = await send(t.url, 'GET', '/api/v1/jobs?limit=10&page=1', {});
  assert.equal(r.status, 401);
  assert.deepEqual(r.json, MISSING);
});

test('one header missing: 401 missing', async () => {
  const h = signedHeaders('GET', '/api/v1/jobs?limit=10&page=1', t.admin);
  delete h['x-ncp-apigw-signature-v2'];
  const r = await send(t.url, 'GET', '/api/v1/jobs?limit=10&page=1', h);
  assert.equal(r.status, 401);
  assert.deepEqual(r.json, MISSING);
});

test('wrong secret, unknown key, other method, other path, other query: 401 invalid', async () => {
  const uri = '/api/v1/jobs?limit=10&page=1';
  const cases: Record<string, string>[] = [
    signedHeaders('GET', uri, { accessKey: t.admin.accessKey, secretKey: 'wrong' }),
    signedHeaders('GET', uri, { accessKey: 'NOSUCHKEY', secretKey: t.admin.secretKey }),
    signedHeaders('POST', uri, t.admin),
    signedHeaders('GET', '/api/v1/jobs/search', t.admin),
    signedHeaders('GET', '/api/v1/jobs?limit=10&page=2', t.admin),
  ];
  for (const h of cases) {
    const r = await send(t.url, 'GET', uri, h);
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, INVALID);
  }
});

test('a timestamp outside ±5 minutes is refused even with a valid signature (replay)', async () => {
  const uri = '/api/v1/jobs?limit=10&page=1';
  for (const offset of [-5 * 60 * 1000 - 5000, 5 * 60 * 1000 + 5000]) {
    const ts = String(Date.now() + offset);
    const r = await send(t.url, 'GET', uri, signedHeaders('GET', uri, t.admin, ts));
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, INVALID);
  }
  const garbage = { ...signedHeaders('GET', uri, t.admin), 'x-ncp-apigw-timestamp': 'yesterday' };
  assert.equal((await send(t.url, 'GET', uri, garbage)).status, 401);
});

test('the signature is byte-exact: the seed algorithm on a fixed vector', () => {
  // python3: base64.b64encode(hmac.new(b"secret", b"GET /api/v1/jobs?limit=10&page=1\n1700000000000\nAK", hashlib.sha256).digest())
  assert.equal(
    signatureV2('GET', '/api/v1/jobs?limit=10&page=1', '1700000000000', 'AK', 'secret'),
    '0H7e9Jq80Xg+qFvS2iC/5y+VVUQ6YinjfEWdzObo6oc=',
  );
});

test('a revoked key gets 210 Permission Denied; a disabled one too', async () => {
  const k = await t.account('revokee', []);
  const uri = '/api/v1/jobs?limit=1&page=1';
  assert.equal((await t.call('GET', uri, undefined, k)).status, 200);
  await t.server.store.setKeyStatus(k.accessKey, 'revoked');
  await new Promise((r) => setTimeout(r, 1100));
  const r = await t.call('GET', uri, undefined, k);
  assert.equal(r.status, 401);
  assert.equal(r.json.error.errorCode, '210');
  assert.equal(r.json.error.message, 'Permission Denied');
});

test('a key over its request rate gets 429 Rate Limited', async () => {
  const k = await t.account('chatty', []);
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await t.call('GET', '/api/v1/jobs?limit=1&page=1', undefined, k)).status);
  assert.ok(statuses.slice(0, 5).every((s) => s === 200), statuses.join(','));
  const limited = await t.call('GET', '/api/v1/jobs?limit=1&page=1', undefined, k);
  assert.equal(limited.status, 429);
  assert.deepEqual(limited.json.error.errorCode, '420');
  assert.equal(limited.json.error.message, 'Rate Limited');
});
