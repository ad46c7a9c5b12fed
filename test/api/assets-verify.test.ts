// An account proves it owns a site by placing a token at /.well-known/wsc-verification.txt; the
// server fetches it (under the engine's egress rules) and adds the origin as an asset (the whole
// host only for https on the default port or a DNS record: see test/api/security.test.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSite, type Site } from '../helpers/site.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let site: Site;
let placed = '';
before(async () => {
  site = await startSite({
    '/': '<p>home</p>',
    '/.well-known/wsc-verification.txt': (_req, res) => {
      res.writeHead(placed ? 200 : 404, { 'content-type': 'text/plain' }).end(placed);
    },
  });
  t = await startTestServer();
});
after(async () => {
  await t.close();
  await site.close();
});

test('verify issues a token, check fetches it and adds the origin; then the account may scan it', async () => {
  // The admin granted dave the site's address; he proves the name "localhost" on that port himself.
  // (A loopback port an account does not own is never fetched: see security.test.ts.)
  const dave = await t.account('dave', [site.url]);
  const url = site.url.replace('127.0.0.1', 'localhost');
  const job = { StartUrl: `${url}/`, VulnItems: ['Directory Listing'], UserAgent: 'PC Chrome', Speed: '3' };
  assert.equal((await t.call('PUT', '/api/v1/job', job, dave)).text, '{"error":{"errorCode":160451,"message":"Assets_Check_Fail"}}');

  const checkFirst = await t.call('POST', '/api/v1/assets/verify/check', { url }, dave);
  assert.equal(checkFirst.status, 400);
  assert.equal(checkFirst.json.error.errorCode, 160451);
  assert.match(checkFirst.json.error.details, /verify first/);

  const issued = await t.call('POST', '/api/v1/assets/verify', { url }, dave);
  assert.equal(issued.status, 200);
  const { token, url_to_place } = issued.json.resources;
  assert.match(token, /^wsc-verify-[\w-]{32}$/);
  assert.equal(url_to_place, `${url}/.well-known/wsc-verification.txt`);
  // The token is the same for the same account and origin, and differs between accounts.
  assert.equal((await t.call('POST', '/api/v1/assets/verify', { url: `${url}/other/page` }, dave)).json.resources.token, token);
  const erin = await t.account('erin');
  assert.notEqual((await t.call('POST', '/api/v1/assets/verify', { url }, erin)).json.resources.token, token);

  const missing = await t.call('POST', '/api/v1/assets/verify/check', { url }, dave);
  assert.equal(missing.json.error.errorCode, 160451);
  assert.equal(missing.json.error.details, `token not found at ${url}/.well-known/wsc-verification.txt`);

  placed = `some text\n${token}\n`;
  const ok = await t.call('POST', '/api/v1/assets/verify/check', { url }, dave);
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.json.resources, { host: 'localhost', verified: true, kind: 'origin', value: url, covers: `${url} only` });
  const assets = await t.call('GET', '/api/v1/assets', undefined, dave);
  assert.deepEqual(assets.json.resources.assets, [
    { kind: 'origin', value: site.url, source: 'admin', covers: `${site.url} only` },
    { kind: 'origin', value: url, source: 'verified', covers: `${url} only` },
  ]);
  const created = await t.call('PUT', '/api/v1/job', job, dave);
  assert.equal(created.status, 200);
  await t.call('PATCH', `/api/v1/jobs/${String(created.headers['x-wsc-instance-no'])}/stop`, undefined, dave);
});

test('the server refuses to fetch a verification file from a cloud metadata address', async () => {
  const mallory = await t.account('mallory');
  const url = 'http://169.254.169.254';
  await t.call('POST', '/api/v1/assets/verify', { url }, mallory);
  const r = await t.call('POST', '/api/v1/assets/verify/check', { url }, mallory);
  assert.equal(r.status, 400);
  assert.equal(r.json.error.errorCode, 160451);
  assert.equal(r.json.error.details, 'token not found at http://169.254.169.254/.well-known/wsc-verification.txt');
});
