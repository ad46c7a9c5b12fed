// Walks through the request and response examples of the seeds (../shared/seeds) against the real
// server: same paths, same signature, same envelope, same error bodies.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { STATUS } from '../../src/core/status.js';
import { hang, startSite, type Site } from '../helpers/site.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';

let t: TestServer;
let site: Site;
let hanging: Site;

const SUCCESS_NULL = '{"returnCode":"0","returnDesc":"Request Success","returnMessage":"Success","resources":null}';

function seedBody(startUrl: string) {
  // The createJob seed's request body, with the StartUrl moved to a target this account owns.
  return {
    StartUrl: startUrl,
    ExcludeUrl: [`${startUrl}/event`, `${startUrl}/robot.txt`],
    Headers: {
      'Upgrade-Insecure-Requests': '1',
      Accept: 'text/html.....',
      'Accept-Encoding': 'gzip, deflate',
      'Accept-Language': 'ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7',
      Cookie: 'XSRF-TOKEN=eyJ.....; PHPSESSIONID=e.....',
      'X-Custom-Header': 'Bar',
    },
    VulnItems: ['ALL'],
    UserAgent: 'Android',
    Speed: '1',
    Memo: 'OPEN API TEST',
  };
}

before(async () => {
  site = await startSite({ '/': '<html><body><a href="/a">a</a></body></html>', '/a': '<p>a</p>' });
  hanging = await startSite({ '/': hang });
  t = await startTestServer({ config: { maxConcurrentJobs: 1, timeZone: 'Asia/Seoul' } });
});
after(async () => {
  await t.close();
  await site.close();
  await hanging.close();
});

async function lastJobId(): Promise<string> {
  const r = await t.call('GET', '/api/v1/jobs?limit=1&page=1');
  return r.json.resources.record_data[0].instanceNo;
}

test('getJobs on an empty account answers example 2 byte for byte', async () => {
  const r = await t.call('GET', '/api/v1/jobs?limit=10&page=1');
  assert.equal(r.status, 200);
  assert.equal(
    r.text,
    '{"returnCode":"0","returnDesc":"Request Success","returnMessage":"Success","resources":{"total_cnt":0,"total_page_cnt":"1","current_start_page":"1","current_end_page":"1","record_data":null}}',
  );
});

test('searchJobs with no match answers its empty example byte for byte', async () => {
  const r = await t.call('POST', '/api/v1/jobs/search', { searchType: 'url', searchKeyword: 'http://your-domain', statusCode: null, limit: 10, page: 1 });
  assert.equal(r.status, 200);
  assert.equal(
    r.text,
    '{"returnCode":"0","returnDesc":"Request Success","returnMessage":"Success","resources":{"total_cnt":0,"total_page_cnt":0,"current_start_page":0,"current_end_page":0,"record_data":null}}',
  );
});

test('createJob with the seed body answers resources null and the job runs to completion', async () => {
  const r = await t.call('PUT', '/api/v1/job', seedBody(site.url));
  assert.equal(r.status, 200);
  assert.equal(r.text, SUCCESS_NULL);
  const id = r.headers['x-wsc-instance-no'];
  assert.match(String(id), /^\d{10}$/);
  const rec = await waitFor(async () => {
    const list = await t.call('GET', '/api/v1/jobs?limit=10&page=1');
    const row = list.json.resources.record_data?.find((x: { instanceNo: string }) => x.instanceNo === id);
    return row?.status === 'Diagnostics completed' ? row : null;
  }, 30_000);
  // The record fields of the seeds, in their types.
  assert.deepEqual(Object.keys(rec), [
    'instanceNo', 'start_date', 'end_date', 'status', 'progress', 'start_url', 'crawl_cnt', 'scan_cnt',
    'memo', 'result_button', 'result_desc', 'rescan_button', 'slave_data',
  ]);
  assert.equal(typeof rec.instanceNo, 'string');
  assert.match(rec.start_date, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.match(rec.end_date, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.equal(rec.start_url, site.url);
  assert.match(rec.crawl_cnt, /^\d+$/);
  assert.ok(Number(rec.crawl_cnt) >= 2, 'both pages of the site were collected');
  assert.match(rec.scan_cnt, /^\d+$/);
  assert.equal(rec.memo, 'OPEN API TEST');
  assert.equal(rec.result_button, 'report');
  assert.equal(rec.rescan_button, 'possible');
  assert.equal(rec.slave_data, null);
  assert.equal(rec.progress, 100);
  // The custom headers of the seed went to the target on every request.
  assert.ok(site.hits.length >= 2);
});

test('getJobs pages as the seed example: strings, blocks of 10 pages', async () => {
  const r = await t.call('GET', '/api/v1/jobs?limit=10&page=1');
  const res = r.json.resources;
  assert.equal(typeof res.total_cnt, 'number');
  assert.equal(res.total_page_cnt, '1');
  assert.equal(res.current_start_page, '1');
  assert.equal(res.current_end_page, '10');
  assert.ok(Array.isArray(res.record_data));
});

test('the getJobs Python sample URI (pages=1&limit=10) is signed and answered as is', async () => {
  const r = await t.call('GET', '/api/v1/jobs?pages=1&limit=10');
  assert.equal(r.status, 200);
  assert.equal(r.json.returnCode, '0');
  assert.ok(r.json.resources.total_cnt >= 1);
});

test('searchJobs finds by url and memo, case-insensitively, with numeric page fields', async () => {
  const byUrl = await t.call('POST', '/api/v1/jobs/search', { searchType: 'url', searchKeyword: '127.0.0.1', statusCode: null, limit: 1, page: 1 });
  assert.equal(byUrl.json.resources.total_page_cnt >= 1, true);
  assert.equal(typeof byUrl.json.resources.current_start_page, 'number');
  const byMemo = await t.call('POST', '/api/v1/jobs/search', { searchType: 'memo', searchKeyword: 'open api', statusCode: 4, limit: 10, page: 1 });
  assert.equal(byMemo.json.resources.total_cnt, 1);
  assert.equal(byMemo.json.resources.current_end_page, 1);
  const none = await t.call('POST', '/api/v1/jobs/search', { searchType: 'memo', searchKeyword: 'open api', statusCode: 91, limit: 10, page: 1 });
  assert.equal(none.json.resources.total_cnt, 0);
});

test('re-diagnosis with MasterInstanceNo lists the new job in the master slave_data', async () => {
  const master = await lastJobId();
  const body = { ...seedBody(site.url), MasterInstanceNo: master };
  const r = await t.call('PUT', '/api/v1/job', body);
  assert.equal(r.text, SUCCESS_NULL);
  const slaveId = String(r.headers['x-wsc-instance-no']);
  const rec = await waitFor(async () => {
    const list = await t.call('POST', '/api/v1/jobs/search', { searchType: '', searchKeyword: '', statusCode: null, limit: 10, page: 1 });
    const m = list.json.resources.record_data.find((x: { instanceNo: string }) => x.instanceNo === master);
    return m?.slave_data?.[0]?.status === 'Diagnostics completed' ? m : null;
  }, 30_000);
  assert.equal(rec.slave_data[0].instanceNo, slaveId);
  // A number instead of a string is refused, as the seeds warn.
  const bad = await t.call('PUT', '/api/v1/job', { ...seedBody(site.url), MasterInstanceNo: Number(master) });
  assert.equal(bad.text, '{"error":{"errorCode":160433,"message":"Param Value Not Define - MasterInstanceNo"}}');
  // An unknown master is an API Call Fail.
  const unknown = await t.call('PUT', '/api/v1/job', { ...seedBody(site.url), MasterInstanceNo: '12311231' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.text, '{"error":{"errorCode":901,"message":"API Call Fail"}}');
});

test('createJob error examples: VulnItems unknown word, ALL mixed, wrong type; Assets_Check_Fail', async () => {
  const expected = '{"error":{"errorCode":160433,"message":"Param Value Not Define - VulnItems"}}';
  for (const VulnItems of [['Nope'], ['ALL', 'XSS'], 'ALL', [], [1]]) {
    const r = await t.call('PUT', '/api/v1/job', { ...seedBody(site.url), VulnItems });
    assert.equal(r.status, 400, JSON.stringify(VulnItems));
    assert.equal(r.text, expected);
  }
  const foreign = await t.call('PUT', '/api/v1/job', seedBody('https://www.ncloud.com'));
  assert.equal(foreign.status, 400);
  assert.equal(foreign.text, '{"error":{"errorCode":160451,"message":"Assets_Check_Fail"}}');
});

test('stopJob and cancelJob: success envelopes, then 901 for invalid ids and disallowed transitions', async () => {
  // Occupy the single runner slot with a target that never answers, so a second job stays pending.
  const running = await t.call('PUT', '/api/v1/job', { ...seedBody(hanging.url), Memo: 'hang' });
  const runId = String(running.headers['x-wsc-instance-no']);
  await waitFor(async () => {
    const r = await t.call('POST', '/api/v1/jobs/search', { searchType: 'memo', searchKeyword: 'hang', statusCode: STATUS.CRAWL_RUNNING, limit: 1, page: 1 });
    return r.json.resources.total_cnt === 1;
  });
  const pending = await t.call('PUT', '/api/v1/job', { ...seedBody(site.url), Memo: 'pending' });
  const pendId = String(pending.headers['x-wsc-instance-no']);

  const listed = await t.call('POST', '/api/v1/jobs/search', { searchType: 'memo', searchKeyword: 'pending', statusCode: null, limit: 1, page: 1 });
  const rec = listed.json.resources.record_data[0];
  assert.equal(rec.status, 'Scheduled');
  assert.equal(rec.result_button, 'cancel');
  assert.equal(rec.progress, null);

  // Stopping a scheduled job is not a transition its state allows; cancelling it is.
  assert.equal((await t.call('PATCH', `/api/v1/jobs/${pendId}/stop`)).text, '{"error":{"errorCode":901,"message":"API Call Fail"}}');
  assert.equal((await t.call('PATCH', `/api/v1/jobs/${pendId}/cancel`)).text, SUCCESS_NULL);
  assert.equal((await t.call('PATCH', `/api/v1/jobs/${pendId}/cancel`)).text, SUCCESS_NULL, 'repeating a cancel is harmless');

  const stopAt = Date.now();
  assert.equal((await t.call('PATCH', `/api/v1/jobs/${runId}/cancel`)).status, 400, 'a running job cannot be canceled');
  assert.equal((await t.call('PATCH', `/api/v1/jobs/${runId}/stop`)).text, SUCCESS_NULL);
  await waitFor(async () => {
    const r = await t.call('POST', '/api/v1/jobs/search', { searchType: 'memo', searchKeyword: 'hang', statusCode: STATUS.STOPPED, limit: 1, page: 1 });
    return r.json.resources.total_cnt === 1;
  }, 5000, 20);
  assert.ok(Date.now() - stopAt < 2000, `stopped within 2 s (took ${Date.now() - stopAt} ms)`);
  const stopped = await t.call('POST', '/api/v1/jobs/search', { searchType: 'memo', searchKeyword: 'hang', statusCode: null, limit: 1, page: 1 });
  assert.equal(stopped.json.resources.record_data[0].status, 'Stopped');
  assert.equal(stopped.json.resources.record_data[0].result_button, 'terminate');
  assert.equal((await t.call('PATCH', `/api/v1/jobs/${runId}/stop`)).text, SUCCESS_NULL, 'repeating a stop is harmless');

  for (const bad of ['abc', '0', '99999999999', '1234567890123456789012']) {
    for (const verb of ['stop', 'cancel']) {
      const r = await t.call('PATCH', `/api/v1/jobs/${bad}/${verb}`);
      assert.equal(r.status, 400, `${verb} ${bad}`);
      assert.equal(r.text, '{"error":{"errorCode":901,"message":"API Call Fail"}}');
    }
  }
});

test('the OpenAPI document describes every operation', async () => {
  const r = await t.call('GET', '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.equal(r.json.openapi, '3.0.3');
  for (const p of ['/api/v1/job', '/api/v1/jobs', '/api/v1/jobs/search', '/api/v1/jobs/{instanceId}/stop', '/api/v1/jobs/{instanceId}/cancel']) {
    assert.ok(r.json.paths[p], p);
  }
  const body = r.json.paths['/api/v1/job'].put.requestBody.content['application/json'].schema;
  assert.deepEqual(body.required, ['StartUrl', 'VulnItems', 'UserAgent', 'Speed']);
});
