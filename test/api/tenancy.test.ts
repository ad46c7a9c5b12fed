// Tenant isolation: every query is scoped to the key's account; another account's jobs are
// invisible and untouchable, and assets belong to one account.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hang, startSite, type Site } from '../helpers/site.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let site: Site;
before(async () => {
  site = await startSite({ '/': hang });
  t = await startTestServer({ config: { maxConcurrentJobs: 1 } });
});
after(async () => {
  await t.close();
  await site.close();
});

test('accounts see only their own jobs and cannot stop or cancel others', async () => {
  const alice = await t.account('alice', ['127.0.0.1']);
  const bob = await t.account('bob', ['localhost']);
  const body = { StartUrl: `${site.url}/`, VulnItems: ['ALL'], UserAgent: 'PC Chrome', Speed: '1', Memo: 'alice secret memo' };
  const created = await t.call('PUT', '/api/v1/job', body, alice);
  assert.equal(created.status, 200);
  const id = String(created.headers['x-wsc-instance-no']);
  await t.call('PUT', '/api/v1/job', { ...body, Memo: 'alice second' }, alice);

  const aliceList = await t.call('GET', '/api/v1/jobs?limit=10&page=1', undefined, alice);
  assert.equal(aliceList.json.resources.total_cnt, 2);
  const bobList = await t.call('GET', '/api/v1/jobs?limit=10&page=1', undefined, bob);
  assert.equal(bobList.json.resources.total_cnt, 0);
  assert.equal(bobList.json.resources.record_data, null);
  const bobSearch = await t.call('POST', '/api/v1/jobs/search', { searchType: 'memo', searchKeyword: 'alice', statusCode: null, limit: 10, page: 1 }, bob);
  assert.equal(bobSearch.json.resources.total_cnt, 0);
  assert.ok(!bobSearch.text.includes('alice'));

  for (const verb of ['stop', 'cancel']) {
    const r = await t.call('PATCH', `/api/v1/jobs/${id}/${verb}`, undefined, bob);
    assert.equal(r.text, '{"error":{"errorCode":901,"message":"API Call Fail"}}');
  }
  // Bob cannot re-diagnose Alice's job either.
  const rescan = await t.call('PUT', '/api/v1/job', { ...body, StartUrl: 'http://localhost:9/', MasterInstanceNo: id }, bob);
  assert.equal(rescan.text, '{"error":{"errorCode":901,"message":"API Call Fail"}}');
  // Still Alice's job, untouched by Bob.
  const after = await t.call('POST', '/api/v1/jobs/search', { searchType: 'memo', searchKeyword: 'secret', statusCode: null, limit: 10, page: 1 }, alice);
  assert.notEqual(after.json.resources.record_data[0].status, 'Canceled');
  for (const j of (await t.call('GET', '/api/v1/jobs?limit=10&page=1', undefined, alice)).json.resources.record_data) {
    await t.call('PATCH', `/api/v1/jobs/${j.instanceNo}/stop`, undefined, alice);
    await t.call('PATCH', `/api/v1/jobs/${j.instanceNo}/cancel`, undefined, alice);
  }
});

test('assets are per account: host names and CIDRs', async () => {
  // Only loopback targets here: a job that is accepted may run.
  const carol = await t.account('carol', ['127.0.0.2/32', '*.example.test']);
  const job = (StartUrl: string) => ({ StartUrl, VulnItems: ['XSS'], UserAgent: 'PC Chrome', Speed: '1' });
  const fail = '{"error":{"errorCode":160451,"message":"Assets_Check_Fail"}}';
  // 127.0.0.1 belongs to the admin account, not to carol.
  assert.equal((await t.call('PUT', '/api/v1/job', job('http://127.0.0.1:9/'), carol)).text, fail);
  assert.equal((await t.call('PUT', '/api/v1/job', job('http://example.test/'), carol)).text, fail, 'the wildcard covers subdomains only');
  assert.equal((await t.call('PUT', '/api/v1/job', job('http://127.0.0.3:9/'), carol)).text, fail);
  assert.equal((await t.call('PUT', '/api/v1/job', job('http://127.0.0.2:9/'), carol)).status, 200);
  const list = await t.call('GET', '/api/v1/assets', undefined, carol);
  assert.deepEqual(
    list.json.resources.assets.map((a: { value: string }) => a.value).sort(),
    ['*.example.test', '127.0.0.2/32'],
  );
  for (const j of (await t.call('GET', '/api/v1/jobs?limit=10&page=1', undefined, carol)).json.resources.record_data) {
    await t.call('PATCH', `/api/v1/jobs/${j.instanceNo}/cancel`, undefined, carol);
    await t.call('PATCH', `/api/v1/jobs/${j.instanceNo}/stop`, undefined, carol);
  }
});
