// Hostile clients: a seeded fuzzer sends thousands of random and mutated requests (bodies, headers,
// paths, methods; signed and unsigned) to every endpoint of the real server. Every answer must be
// a well-formed envelope (JSON with returnCode, or error.errorCode and error.message), never a 5xx,
// and the server must stay up. The seed is printed so that a failure can be replayed:
// WSC_FUZZ_SEED=1234 node scripts/run-tests.mjs test/api/fuzz
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { signatureV2 } from '../../src/core/signature.js';
import { record } from '../hostile/harness.js';
import { startTestServer, type Key, type TestServer } from '../helpers/server.js';

const SEED = Number(process.env.WSC_FUZZ_SEED ?? Date.now() % 1_000_000);
const CASES = Number(process.env.WSC_FUZZ_CASES ?? 5000);

/** mulberry32: small, fast, good enough to drive a fuzzer reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let t: TestServer;
let user: Key & { accountId: number };
before(async () => {
  // One worker, so that the accepted jobs (StartUrl on a closed loopback port) fail fast and quietly.
  t = await startTestServer({ config: { maxConcurrentJobs: 1 } });
  // Only host assets: ownership checks of fuzzed StartUrls never need a DNS lookup.
  user = await t.account('fuzz', ['127.0.0.1', 'localhost']);
});
after(() => t.close());

const ENDPOINTS: [string, string][] = [
  ['PUT', '/api/v1/job'],
  ['GET', '/api/v1/jobs?limit=10&page=1'],
  ['POST', '/api/v1/jobs/search'],
  ['PATCH', '/api/v1/jobs/1000000001/stop'],
  ['PATCH', '/api/v1/jobs/1000000001/cancel'],
  ['GET', '/api/v1/assets'],
  ['POST', '/api/v1/assets/verify'],
  ['POST', '/api/v1/assets/verify/check'],
];
const METHODS = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
const VALID_JOB = { StartUrl: 'http://127.0.0.1:9/', ExcludeUrl: ['/logout'], Headers: { Cookie: 'a=b' }, VulnItems: ['XSS', 'SQL Injection'], UserAgent: 'PC Chrome', Speed: '1', Memo: 'm' };
const VALID_SEARCH = { searchType: 'memo', searchKeyword: 'x', statusCode: null, limit: 10, page: 1 };
const WEIRD_STRINGS = ['', ' ', '\u0000', '\uFFFF', '\uD800', '😀'.repeat(50), 'a'.repeat(70_000), '%00', '../../etc/passwd', '<script>', "' OR 1=1 --", '__proto__', 'constructor', '-1', '1e309', 'NaN', 'null', 'true', '{}', '[]', 'http://', 'javascript:alert(1)', 'http://169.254.169.254/', 'http://[::1]:9/', 'http://127.0.0.1:9/' + 'x'.repeat(5000)];

function gen(rnd: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const int = (n: number) => Math.floor(rnd() * n);
  const value = (depth: number): unknown => {
    switch (int(depth > 3 ? 6 : 9)) {
      case 0: return pick(WEIRD_STRINGS);
      case 1: return int(10) === 0 ? Number.MAX_SAFE_INTEGER * 2 : int(3) === 0 ? -int(1e6) : int(1e10);
      case 2: return rnd() < 0.5;
      case 3: return null;
      case 4: return rnd() * 1e6;
      case 5: return String.fromCharCode(...Array.from({ length: int(40) }, () => int(0xffff)));
      case 6: return Array.from({ length: int(5) }, () => value(depth + 1));
      case 7: return Object.fromEntries(Array.from({ length: int(5) }, () => [pick([...WEIRD_STRINGS.slice(0, 8), 'StartUrl', 'limit', 'page', 'VulnItems', 'url']), value(depth + 1)]));
      default: return pick(Object.keys(VALID_JOB));
    }
  };
  const mutate = (base: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...base };
    const keys = Object.keys(out);
    for (let i = 0, n = 1 + int(3); i < n; i++) {
      const k = pick(keys);
      const r = int(4);
      if (r === 0) delete out[k];
      else if (r === 1) out[k] = value(0);
      else if (r === 2) out[pick(WEIRD_STRINGS).slice(0, 50) || 'x'] = value(1);
      else out[k.toLowerCase()] = out[k];
    }
    return out;
  };
  const body = (): string | undefined => {
    switch (int(9)) {
      case 0: return undefined;
      case 1: return '';
      case 2: return JSON.stringify(mutate(VALID_JOB));
      case 3: return JSON.stringify(mutate(VALID_SEARCH));
      case 4: return JSON.stringify(value(0));
      case 5: return JSON.stringify(mutate({ url: 'http://127.0.0.1:9/' }));
      case 6: { // truncated or corrupted JSON
        const s = JSON.stringify(mutate(VALID_JOB));
        return s.slice(0, int(s.length));
      }
      case 7: return Buffer.from(Array.from({ length: int(300) }, () => int(256))).toString('latin1');
      default: return '{"a":'.repeat(int(2000) + 1);
    }
  };
  const path = (): string => {
    const [, base] = pick(ENDPOINTS);
    switch (int(8)) {
      case 0: return base.replace(/\d{10}/, pick(['0', '-1', '99999999999999999999', 'abc', '%2e%2e', '1000000001%00', "1'", ''.padEnd(300, '9')]));
      case 1: return base + pick(['/', '//', '/..', '?', '#x', '%', '%zz', '?limit=-1&page=0', '?limit=1e9&page=NaN', '?page=1&page=2', '?' + 'a=b&'.repeat(500)]);
      case 2: return base.replace('/api/v1', pick(['/API/V1', '/api/v2', '/api//v1', '/api/v1/.', '']));
      case 3: return '/' + Array.from({ length: int(6) }, () => pick(['api', 'v1', 'jobs', 'job', '..', '.', '%2F', 'ａ', 'x'.repeat(int(300))])).join('/');
      default: return base;
    }
  };
  const headers = (method: string, uri: string, key: Key): Record<string, string> => {
    const h: Record<string, string> = {};
    const ts = String(Date.now());
    const mode = int(10);
    if (mode <= 5) {
      h['x-ncp-apigw-timestamp'] = ts;
      h['x-ncp-iam-access-key'] = key.accessKey;
      h['x-ncp-apigw-signature-v2'] = signatureV2(method, uri, ts, key.accessKey, key.secretKey);
    } else if (mode === 6) {
      h['x-ncp-apigw-timestamp'] = pick([ts, '0', '-1', 'abc', '9'.repeat(30), '']);
      h['x-ncp-iam-access-key'] = pick([key.accessKey, '', 'x'.repeat(500), '\u00ff']);
      h['x-ncp-apigw-signature-v2'] = pick(['', '=', 'a'.repeat(1000), signatureV2(method, uri, ts, key.accessKey, 'wrong')]);
    }
    if (int(3) === 0) h['content-type'] = pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', '*/*', 'ä']);
    if (int(10) === 0) h['accept-encoding'] = 'gzip, br';
    if (int(15) === 0) h['x-forwarded-for'] = '169.254.169.254';
    return h;
  };
  return { pick, int, body, path, headers };
}

function isEnvelope(json: unknown): boolean {
  if (json === null || typeof json !== 'object') return false;
  const j = json as Record<string, unknown>;
  if ('returnCode' in j) return true;
  const e = j.error as Record<string, unknown> | undefined;
  return e !== undefined && e !== null && (typeof e.errorCode === 'string' || typeof e.errorCode === 'number') && typeof e.message === 'string';
}

test(`fuzz: ${CASES} random and mutated requests, seed ${SEED}`, { timeout: 120_000 }, async () => {
  const rnd = prng(SEED);
  const g = gen(rnd);
  const counts = { sent: 0, clientRefused: 0, byStatus: {} as Record<number, number> };
  const fivexx: string[] = [];
  const broken: string[] = [];
  const one = async (i: number): Promise<void> => {
    const method = g.int(4) === 0 ? g.pick(METHODS) : (g.pick(ENDPOINTS)[0] as string);
    const uri = g.path();
    const key = g.int(2) === 0 ? user : t.admin;
    const headers = g.headers(method, uri, key);
    const body = method === 'GET' || method === 'HEAD' ? undefined : g.body();
    let res;
    try {
      res = await request(t.url + uri, { method: method as 'GET', headers, body, headersTimeout: 10_000, bodyTimeout: 10_000 });
    } catch (err) {
      // undici itself refuses some fuzzed paths and header values before sending: not the server's doing
      if (err instanceof Error && /invalid|Invalid/.test(err.message)) {
        counts.clientRefused++;
        return;
      }
      throw new Error(`case ${i} (${method} ${uri.slice(0, 120)}): ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.body.text();
    counts.sent++;
    counts.byStatus[res.statusCode] = (counts.byStatus[res.statusCode] ?? 0) + 1;
    if (res.statusCode >= 500) fivexx.push(`case ${i}: ${method} ${uri.slice(0, 120)} -> ${res.statusCode} ${text.slice(0, 200)}`);
    // HEAD has no body; the console (HTML) and the OpenAPI document are not API calls
    if (method === 'HEAD' || (res.statusCode === 200 && (String(res.headers['content-type']).startsWith('text/html') || uri.includes('openapi.json')))) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!isEnvelope(json)) broken.push(`case ${i}: ${method} ${uri.slice(0, 120)} -> ${res.statusCode} ${text.slice(0, 200)}`);
  };
  // a few at a time, like a busy client; each batch must complete before the next
  for (let i = 0; i < CASES; i += 8) await Promise.all(Array.from({ length: Math.min(8, CASES - i) }, (_, k) => one(i + k)));
  record('fuzz', { cases: CASES, seed: SEED, sent: counts.sent, clientRefused: counts.clientRefused, fivexx: fivexx.length, broken: broken.length, byStatus: counts.byStatus });
  assert.deepEqual(fivexx, [], `5xx answers (seed ${SEED})`);
  assert.deepEqual(broken, [], `answers that are not envelopes (seed ${SEED})`);
  assert.ok(counts.sent > CASES * 0.8, `${counts.sent} of ${CASES} reached the server`);
  // still up, and still correct
  const r = await t.call('GET', '/api/v1/jobs?limit=1&page=1');
  assert.equal(r.status, 200);
  assert.equal(String(r.json.returnCode), '0');
});

test('foreign, stale and revoked credentials are refused on every endpoint; no other account data leaks', { timeout: 30_000 }, async () => {
  const alice = await t.account('alice-x', ['127.0.0.1']);
  const bob = await t.account('bob-x', ['127.0.0.1']);
  const MEMO = 'alice-private-memo-7f3a';
  const created = await t.call('PUT', '/api/v1/job', { StartUrl: 'http://127.0.0.1:9/', VulnItems: ['XSS'], UserAgent: 'PC Chrome', Speed: '1', Memo: MEMO }, alice);
  assert.equal(created.status, 200, created.text);
  const aliceJob = String(created.headers['x-wsc-instance-no']);
  const calls: [string, string, unknown][] = [
    ['GET', '/api/v1/jobs?limit=100&page=1', undefined],
    ['POST', '/api/v1/jobs/search', { searchType: 'memo', searchKeyword: '', statusCode: null, limit: 100, page: 1 }],
    ['PATCH', `/api/v1/jobs/${aliceJob}/stop`, undefined],
    ['PATCH', `/api/v1/jobs/${aliceJob}/cancel`, undefined],
    ['PUT', '/api/v1/job', { StartUrl: 'http://127.0.0.1:9/', VulnItems: ['XSS'], UserAgent: 'PC Chrome', Speed: '1', MasterInstanceNo: aliceJob }],
    ['GET', '/api/v1/assets', undefined],
  ];
  const go = (method: string, uri: string, body: unknown, headers: Record<string, string>) =>
    request(t.url + uri, { method: method as 'GET', headers: { ...headers, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then(async (r) => ({ status: r.statusCode, text: await r.body.text() }));
  const sign = (method: string, uri: string, accessKey: string, secret: string, ts = String(Date.now())) => ({
    'x-ncp-apigw-timestamp': ts,
    'x-ncp-iam-access-key': accessKey,
    'x-ncp-apigw-signature-v2': signatureV2(method, uri, ts, accessKey, secret),
  });
  for (const [method, uri, body] of calls) {
    const refused = [
      sign(method, uri, bob.accessKey, alice.secretKey), // bob's key, alice's secret
      sign(method, uri, alice.accessKey, bob.secretKey), // alice's key, bob's secret
      sign(method === 'GET' ? 'POST' : 'GET', uri, bob.accessKey, bob.secretKey), // another method
      sign(method, uri + (uri.includes('?') ? '&x=1' : '?x=1'), bob.accessKey, bob.secretKey), // another path
      sign(method, uri, bob.accessKey, bob.secretKey, String(Date.now() - 10 * 60 * 1000)), // replayed, outside the window
      sign(method, uri, bob.accessKey, bob.secretKey, String(Date.now() + 10 * 60 * 1000)),
    ];
    for (const h of refused) {
      const r = await go(method, uri, body, h);
      assert.equal(r.status, 401, `${method} ${uri}: ${r.text}`);
      assert.ok(!r.text.includes(MEMO) && !r.text.includes(aliceJob), 'nothing of alice in a refusal');
    }
    // bob, properly signed: sees nothing of alice's and cannot touch her job
    const own = await go(method, uri, body, sign(method, uri, bob.accessKey, bob.secretKey));
    assert.ok(own.status < 500, own.text);
    assert.ok(!own.text.includes(MEMO) && !own.text.includes(`"${aliceJob}"`), `${method} ${uri} leaked: ${own.text.slice(0, 300)}`);
  }
  const j = await t.server.store.getJob(Number(aliceJob));
  assert.ok(j && j.status !== 91 && j.status !== 92, 'bob could not stop or cancel it');
  // revoked: refused everywhere, even with a fresh and correct signature
  await t.server.store.setKeyStatus(alice.accessKey, 'revoked');
  await new Promise((r) => setTimeout(r, 1100));
  for (const [method, uri, body] of calls) {
    const r = await go(method, uri, body, sign(method, uri, alice.accessKey, alice.secretKey));
    assert.equal(r.status, 401, `${method} ${uri}: ${r.text}`);
    assert.ok(!r.text.includes(MEMO));
  }
});

test('URLs the router refuses (bad percent-encoding, an over-long id) still answer in the envelope', async () => {
  for (const uri of ['/api/v1/jobs/search%zz', '/api/v1/job%', `/api/v1/jobs/${'9'.repeat(300)}/stop`]) {
    const method = uri.endsWith('stop') ? 'PATCH' : 'POST';
    const r = await t.call(method, uri, undefined, user);
    assert.equal(r.status, 400, `${uri}: ${r.text}`);
    assert.equal(r.json.error.errorCode, '100');
    assert.equal(r.json.error.message, 'Bad Request Exception');
  }
});
