import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WscApiError, WscClient, WscConnectionError, signRequest, toJobRecord } from '../../src/sdk/index.js';
import { FAKE_STATUS_TEXT, startFakeApi } from './fake-api.js';

async function withApi(fn: (api: Awaited<ReturnType<typeof startFakeApi>>, client: WscClient) => Promise<void>): Promise<void> {
  const api = await startFakeApi();
  const client = new WscClient({ endpoint: api.url, accessKey: api.accessKey, secretKey: api.secretKey, timeoutMs: 5000 });
  try {
    await fn(api, client);
  } finally {
    await client.close();
    await api.close();
  }
}

test('createJob signs the request, sends the NCP body and returns the id from x-wsc-instance-no', () =>
  withApi(async (api, client) => {
    const res = await client.createJob({
      StartUrl: 'http://127.0.0.1:9/app',
      ExcludeUrl: ['http://127.0.0.1:9/app/logout'],
      Headers: { Cookie: 'a=b' },
      VulnItems: ['ALL'],
      UserAgent: 'PC Chrome',
      Speed: '2',
      Memo: 'first',
    });
    assert.equal(res.instanceNo, '1000');
    assert.deepEqual(res.envelope, { returnCode: '0', returnDesc: 'Request Success', returnMessage: 'Success', resources: null });
    const seen = api.seen[0]!;
    assert.equal(seen.method, 'PUT');
    assert.equal(seen.uri, '/api/v1/job');
    assert.equal(seen.headers['content-type'], 'application/json');
    const ts = String(seen.headers['x-ncp-apigw-timestamp']);
    assert.match(ts, /^\d{13}$/);
    assert.ok(Math.abs(Number(ts) - Date.now()) < 60_000);
    assert.equal(seen.headers['x-ncp-apigw-signature-v2'], signRequest('PUT', '/api/v1/job', ts, api.accessKey, api.secretKey));
    assert.deepEqual(seen.body, {
      StartUrl: 'http://127.0.0.1:9/app',
      ExcludeUrl: ['http://127.0.0.1:9/app/logout'],
      Headers: { Cookie: 'a=b' },
      VulnItems: ['ALL'],
      UserAgent: 'PC Chrome',
      Speed: '2',
      Memo: 'first',
    });
  }));

test('getJobs coerces numeric strings, keeps the raw envelope untouched, signs the query string', () =>
  withApi(async (api, client) => {
    for (let i = 0; i < 3; i++) {
      await client.createJob({ StartUrl: `http://127.0.0.1/${i}`, VulnItems: ['XSS'], UserAgent: 'iPhone', Speed: '1', Memo: `m${i}` });
    }
    api.jobs[2]!.status = 4;
    api.jobs[2]!.statusText = FAKE_STATUS_TEXT[4]!;
    const list = await client.getJobs({ limit: 2, page: 2 });
    assert.equal(api.seen.at(-1)!.uri, '/api/v1/jobs?limit=2&page=2');
    assert.equal(list.total, 3);
    assert.equal(list.totalPages, 2);
    assert.equal(list.envelope.resources.total_page_cnt, '2');
    assert.equal(list.records.length, 1);
    const r = list.records[0]!;
    assert.equal(r.instanceNo, '1000');
    assert.equal(r.statusCode, 4);
    assert.equal(r.crawlCount, 12);
    assert.equal(r.scanCount, 3);
    assert.equal(r.raw.crawl_cnt, '12');
    const first = await client.getJobs({ limit: 2, page: 1 });
    assert.equal(first.records[0]!.statusCode, 12);
    assert.equal(first.records[0]!.crawlCount, null);
    assert.equal(first.records[0]!.endDate, null);
  }));

test('iterateJobs walks every page', () =>
  withApi(async (_api, client) => {
    for (let i = 0; i < 5; i++) {
      await client.createJob({ StartUrl: `http://127.0.0.1/${i}`, VulnItems: ['ALL'], UserAgent: 'Android', Speed: '3' });
    }
    const ids: string[] = [];
    for await (const r of client.iterateJobs({ limit: 2 })) ids.push(r.instanceNo);
    assert.deepEqual(ids, ['1004', '1003', '1002', '1001', '1000']);
  }));

test('searchJobs sends every NCP field; an empty result has null record_data', () =>
  withApi(async (api, client) => {
    await client.createJob({ StartUrl: 'http://alpha.test/', VulnItems: ['ALL'], UserAgent: 'PC IE', Speed: '1', Memo: 'audit' });
    await client.createJob({ StartUrl: 'http://beta.test/', VulnItems: ['ALL'], UserAgent: 'PC IE', Speed: '1' });
    const found = await client.searchJobs({ searchType: 'url', searchKeyword: 'alpha' });
    assert.deepEqual(api.seen.at(-1)!.body, { searchType: 'url', searchKeyword: 'alpha', statusCode: null, limit: 10, page: 1 });
    assert.deepEqual(found.records.map((r) => r.startUrl), ['http://alpha.test/']);
    const none = await client.searchJobs({ statusCode: 4 });
    assert.equal(none.total, 0);
    assert.equal(none.envelope.resources.record_data, null);
    assert.deepEqual(none.records, []);
  }));

test('stop and cancel, and error envelopes become WscApiError with errorCode', () =>
  withApi(async (api, client) => {
    const { instanceNo } = await client.createJob({ StartUrl: 'http://a.test/', VulnItems: ['ALL'], UserAgent: 'PC Chrome', Speed: '2' });
    assert.ok(instanceNo);
    const env = await client.cancelJob(instanceNo);
    assert.equal(env.returnCode, '0');
    assert.equal(api.jobs[0]!.status, 91);
    await assert.rejects(client.stopJob(instanceNo), (err: unknown) => {
      assert.ok(err instanceof WscApiError);
      assert.equal(err.httpStatus, 400);
      assert.equal(err.errorCode, 901);
      assert.equal(err.message, 'API Call Fail');
      return true;
    });
    await assert.rejects(
      client.createJob({ StartUrl: 'http://forbidden.test/', VulnItems: ['ALL'], UserAgent: 'PC Chrome', Speed: '2' }),
      (err: unknown) => err instanceof WscApiError && err.errorCode === 160451 && err.message === 'Assets_Check_Fail',
    );
    assert.throws(() => client.stopJob('1; DROP'), RangeError);
  }));

test('wrong secret gives a 401 with the gateway string errorCode', async () => {
  const api = await startFakeApi();
  const client = new WscClient({ endpoint: api.url, accessKey: api.accessKey, secretKey: 'wrong' });
  try {
    await assert.rejects(client.getJobs(), (err: unknown) => {
      assert.ok(err instanceof WscApiError);
      assert.equal(err.httpStatus, 401);
      assert.equal(err.errorCode, '200');
      assert.equal(err.details, 'signature mismatch');
      return true;
    });
  } finally {
    await client.close();
    await api.close();
  }
});

test('429 is retried after Retry-After, with a fresh signature', () =>
  withApi(async (api, client) => {
    api.queued.push({ status: 429, headers: { 'retry-after': '0' }, body: JSON.stringify({ error: { errorCode: 429, message: 'Too Many Requests' } }) });
    const list = await client.getJobs();
    assert.equal(list.total, 0);
    assert.equal(api.seen.length, 2);
  }));

test('429 beyond the retry budget surfaces as WscApiError', async () => {
  const api = await startFakeApi();
  const client = new WscClient({ endpoint: api.url, accessKey: api.accessKey, secretKey: api.secretKey, maxRetries: 0 });
  try {
    api.queued.push({ status: 429, body: JSON.stringify({ error: { errorCode: 429, message: 'Too Many Requests' } }) });
    await assert.rejects(client.getJobs(), (err: unknown) => err instanceof WscApiError && err.httpStatus === 429 && err.errorCode === 429);
  } finally {
    await client.close();
    await api.close();
  }
});

test('non-JSON error pages keep the status and a snippet', () =>
  withApi(async (api, client) => {
    api.queued.push({ status: 502, body: '<html>Bad Gateway</html>' });
    await assert.rejects(client.getJobs(), (err: unknown) => {
      assert.ok(err instanceof WscApiError);
      assert.equal(err.httpStatus, 502);
      assert.equal(err.errorCode, null);
      assert.match(err.message, /HTTP 502: <html>Bad Gateway/);
      return true;
    });
  }));

test('getReport returns bytes and parsed JSON; raw returns the envelope', () =>
  withApi(async (api, client) => {
    const { instanceNo } = await client.createJob({ StartUrl: 'http://a.test/', VulnItems: ['ALL'], UserAgent: 'PC Chrome', Speed: '2' });
    await assert.rejects(client.getReport(instanceNo!), (err: unknown) => err instanceof WscApiError && err.errorCode === 901);
    api.jobs[0]!.status = 4;
    const json = await client.getReport(instanceNo!);
    assert.deepEqual(json.json, { version: 1, instanceNo: instanceNo, findings: [] });
    const html = await client.getReport(instanceNo!, 'html');
    assert.equal(api.seen.at(-1)!.uri, `/api/v1/jobs/${instanceNo}/report?format=html`);
    assert.match(html.contentType, /text\/html/);
    assert.equal(html.body.toString(), `<html><body>report ${instanceNo}</body></html>`);
    const raw = await client.raw<{ assets: unknown[] }>('GET', '/api/v1/assets');
    assert.deepEqual(raw.resources.assets, [{ kind: 'host', value: 'localhost', source: 'admin' }]);
  }));

test('an endpoint with a base path signs the full path as sent', async () => {
  let seenUri = '';
  let ok = false;
  const server = createServer((req, res) => {
    seenUri = req.url ?? '';
    const ts = String(req.headers['x-ncp-apigw-timestamp']);
    ok = req.headers['x-ncp-apigw-signature-v2'] === signRequest('PATCH', seenUri, ts, 'AK', 'SK');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ returnCode: '0', returnDesc: 'Request Success', returnMessage: 'Success', resources: null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const client = new WscClient({ endpoint: `http://127.0.0.1:${port}/wsc/`, accessKey: 'AK', secretKey: 'SK' });
  try {
    await client.stopJob(42);
    assert.equal(seenUri, '/wsc/api/v1/jobs/42/stop');
    assert.ok(ok);
  } finally {
    await client.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('an unreachable endpoint and a slow one give WscConnectionError', async () => {
  const server = createServer(() => {
    // never answers: the client's timeout must fire
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const slow = new WscClient({ endpoint: `http://127.0.0.1:${port}`, accessKey: 'AK', secretKey: 'SK', timeoutMs: 200 });
  try {
    await assert.rejects(slow.getJobs(), (err: unknown) => err instanceof WscConnectionError && /within 200 ms/.test(err.message));
  } finally {
    await slow.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  // the port is closed now, so the connection is refused
  const gone = new WscClient({ endpoint: `http://127.0.0.1:${port}`, accessKey: 'AK', secretKey: 'SK' });
  try {
    await assert.rejects(gone.getJobs(), (err: unknown) => err instanceof WscConnectionError && /cannot reach/.test(err.message));
  } finally {
    await gone.close();
  }
});

test('toJobRecord accepts numeric instanceNo and nested slave_data', () => {
  const r = toJobRecord({
    instanceNo: 12311231,
    start_date: '2020-12-02 23:34:54',
    end_date: '2020-12-02 23:36:43',
    status: 'Complete',
    start_url: 'http://ncloud.com',
    crawl_cnt: '10',
    scan_cnt: '1',
    memo: 'OPEN API test (#1)',
    result_button: 'report',
    result_desc: null,
    rescan_button: 'possible',
    slave_data: [
      {
        instanceNo: '5',
        start_date: null,
        end_date: null,
        status: '예약',
        start_url: '',
        crawl_cnt: null,
        scan_cnt: null,
        memo: null,
        result_button: 'cancel',
        result_desc: null,
        rescan_button: null,
        slave_data: null,
      },
    ],
  });
  assert.equal(r.instanceNo, '12311231');
  assert.equal(r.statusCode, 4);
  assert.equal(r.crawlCount, 10);
  assert.equal(r.slaves[0]!.statusCode, 12);
});

test('the caller signal aborts a request in flight', async () => {
  const server = createServer(() => {
    // never answers: only the caller's abort ends the request
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const stop = new AbortController();
  const client = new WscClient({ endpoint: `http://127.0.0.1:${port}`, accessKey: 'AK', secretKey: 'SK', signal: stop.signal });
  try {
    setTimeout(() => stop.abort(), 50);
    await assert.rejects(client.getJobs(), (err: unknown) => err instanceof WscConnectionError && /aborted/.test(err.message));
  } finally {
    await client.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
