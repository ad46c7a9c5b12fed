// A table of bad inputs: each gets the documented error in the documented envelope, never a 500.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

const good = {
  StartUrl: 'http://127.0.0.1:9/',
  VulnItems: ['XSS'],
  UserAgent: 'PC Chrome',
  Speed: '2',
};
const param = (field: string) => `{"error":{"errorCode":160433,"message":"Param Value Not Define - ${field}"}}`;

const createCases: [string, unknown, string][] = [
  ['missing StartUrl', { ...good, StartUrl: undefined }, param('StartUrl')],
  ['StartUrl not a URL', { ...good, StartUrl: 'not a url' }, param('StartUrl')],
  ['StartUrl ftp scheme', { ...good, StartUrl: 'ftp://127.0.0.1/' }, param('StartUrl')],
  ['StartUrl a number', { ...good, StartUrl: 42 }, param('StartUrl')],
  ['StartUrl of 3000 chars', { ...good, StartUrl: 'http://127.0.0.1/' + 'a'.repeat(3000) }, param('StartUrl')],
  ['ExcludeUrl a string', { ...good, ExcludeUrl: 'http://127.0.0.1/x' }, param('ExcludeUrl')],
  ['ExcludeUrl with a number', { ...good, ExcludeUrl: [1] }, param('ExcludeUrl')],
  ['Headers a list', { ...good, Headers: ['Cookie: a'] }, param('Headers')],
  ['Headers with a number value', { ...good, Headers: { 'X-A': 1 } }, param('Headers')],
  ['Headers with CRLF', { ...good, Headers: { 'X-A': 'a\r\nX-B: b' } }, param('Headers')],
  ['Headers with a bad name', { ...good, Headers: { 'X A': 'a' } }, param('Headers')],
  ['Headers setting Host', { ...good, Headers: { Host: 'evil' } }, param('Headers')],
  ['missing VulnItems', { ...good, VulnItems: undefined }, param('VulnItems')],
  ['VulnItems a string', { ...good, VulnItems: 'XSS' }, param('VulnItems')],
  ['VulnItems empty', { ...good, VulnItems: [] }, param('VulnItems')],
  ['VulnItems lower case', { ...good, VulnItems: ['xss'] }, param('VulnItems')],
  ['VulnItems ALL and XSS', { ...good, VulnItems: ['ALL', 'XSS'] }, param('VulnItems')],
  ['missing UserAgent', { ...good, UserAgent: undefined }, param('UserAgent')],
  ['UserAgent unknown', { ...good, UserAgent: 'Netscape' }, param('UserAgent')],
  ['missing Speed', { ...good, Speed: undefined }, param('Speed')],
  ['Speed a number', { ...good, Speed: 1 }, param('Speed')],
  ['Speed out of range', { ...good, Speed: '4' }, param('Speed')],
  ['Speed zero', { ...good, Speed: '0' }, param('Speed')],
  ['Memo a number', { ...good, Memo: 5 }, param('Memo')],
  ['Memo too long', { ...good, Memo: 'm'.repeat(1001) }, param('Memo')],
  ['MasterInstanceNo a number', { ...good, MasterInstanceNo: 123 }, param('MasterInstanceNo')],
  ['MasterInstanceNo not digits', { ...good, MasterInstanceNo: 'abc' }, param('MasterInstanceNo')],
  ['MasterInstanceNo unknown', { ...good, MasterInstanceNo: '1' }, '{"error":{"errorCode":901,"message":"API Call Fail"}}'],
  ['Limits with a negative', { ...good, Limits: { maxUrls: -1 } }, param('Limits')],
  ['Limits with a browser page bound of 0', { ...good, Limits: { maxBrowserPages: 0 } }, param('Limits')],
  ['Limits with a browser page timeout under 1 s', { ...good, Limits: { browserPageTimeoutMs: 10 } }, param('Limits')],
  ['Crawl unknown', { ...good, Crawl: 'spider' }, param('Crawl')],
  ['Crawl a boolean', { ...good, Crawl: true }, param('Crawl')],
  ['foreign StartUrl', { ...good, StartUrl: 'https://www.ncloud.com' }, '{"error":{"errorCode":160451,"message":"Assets_Check_Fail"}}'],
];

for (const [name, body, expected] of createCases) {
  test(`createJob: ${name}`, async () => {
    const r = await t.call('PUT', '/api/v1/job', body);
    assert.equal(r.status, 400);
    assert.equal(r.text, expected);
  });
}

test('createJob: malformed JSON names the problem', async () => {
  const r = await t.call('PUT', '/api/v1/job', '{"StartUrl": ');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.errorCode, '100');
  assert.equal(r.json.error.message, 'Bad Request Exception');
  assert.match(r.json.error.details, /Malformed JSON body/);
});

test('createJob: a body that is not an object, an empty body', async () => {
  for (const body of ['[]', '"x"', '42', 'null']) {
    const r = await t.call('PUT', '/api/v1/job', body);
    assert.equal(r.status, 400, body);
    assert.equal(r.json.error.errorCode, '100');
    assert.match(r.json.error.details, /JSON object/);
  }
  const empty = await t.call('PUT', '/api/v1/job', '');
  assert.equal(empty.status, 400);
  assert.equal(empty.json.error.errorCode, '100');
});

test('createJob: prototype poisoning is refused', async () => {
  const r = await t.call('PUT', '/api/v1/job', '{"__proto__": {"x": 1}, "StartUrl": "http://127.0.0.1/"}');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.errorCode, '100');
});

test('createJob: a body over 1 MiB is Request Entity Too Large', async () => {
  const r = await t.call('PUT', '/api/v1/job', { ...good, Memo: 'x'.repeat(1024 * 1024 + 10) });
  assert.equal(r.status, 413);
  assert.deepEqual(r.json, {
    error: { errorCode: '430', message: 'Request Entity Too Large', details: 'The request body is over the limit of 1048576 bytes.' },
  });
});

test('createJob: curl -d without a JSON content type still parses', async () => {
  const r = await t.call('PUT', '/api/v1/job', JSON.stringify({ ...good, Speed: '9' }), undefined, {
    'content-type': 'application/x-www-form-urlencoded',
  });
  assert.equal(r.text, param('Speed'));
});

const searchGood = { searchType: 'url', searchKeyword: '', statusCode: null, limit: 10, page: 1 };
const searchCases: [string, unknown, string][] = [
  ['searchType unknown', { ...searchGood, searchType: 'host' }, 'searchType'],
  ['searchType missing', { ...searchGood, searchType: undefined }, 'searchType'],
  ['searchKeyword a number', { ...searchGood, searchKeyword: 1 }, 'searchKeyword'],
  ['searchKeyword missing', { ...searchGood, searchKeyword: undefined }, 'searchKeyword'],
  ['statusCode unknown', { ...searchGood, statusCode: 7 }, 'statusCode'],
  ['statusCode a string', { ...searchGood, statusCode: '4' }, 'statusCode'],
  ['limit zero', { ...searchGood, limit: 0 }, 'limit'],
  ['limit over 1000', { ...searchGood, limit: 1001 }, 'limit'],
  ['limit a fraction', { ...searchGood, limit: 1.5 }, 'limit'],
  ['limit a word', { ...searchGood, limit: 'ten' }, 'limit'],
  ['page negative', { ...searchGood, page: -1 }, 'page'],
  ['page missing', { ...searchGood, page: undefined }, 'page'],
];
for (const [name, body, field] of searchCases) {
  test(`searchJobs: ${name}`, async () => {
    const r = await t.call('POST', '/api/v1/jobs/search', body);
    assert.equal(r.status, 400);
    assert.equal(r.text, param(field));
  });
}

test('searchJobs: numeric strings are accepted for limit and page', async () => {
  const r = await t.call('POST', '/api/v1/jobs/search', { ...searchGood, limit: '5', page: '1' });
  assert.equal(r.status, 200);
});

test('searchJobs: LIKE wildcards in the keyword match literally', async () => {
  const r = await t.call('POST', '/api/v1/jobs/search', { ...searchGood, searchType: '', searchKeyword: '%' });
  assert.equal(r.json.resources.total_cnt, 0);
});

for (const [query, field] of [
  ['limit=0&page=1', 'limit'],
  ['limit=abc&page=1', 'limit'],
  ['limit=10&page=0', 'page'],
  ['limit=10&page=1.5', 'page'],
  ['limit=5000&page=1', 'limit'],
] as const) {
  test(`getJobs: ${query}`, async () => {
    const r = await t.call('GET', `/api/v1/jobs?${query}`);
    assert.equal(r.status, 400);
    assert.equal(r.text, param(field));
  });
}

test('unknown paths and methods are Not Found Exception', async () => {
  for (const [m, p] of [
    ['GET', '/api/v1/nope'],
    ['DELETE', '/api/v1/job'],
    ['GET', '/api/v1/jobs/1/stop'],
    ['PATCH', '/api/v1/jobs/1/pause'],
  ] as const) {
    const r = await t.call(m, p);
    assert.equal(r.status, 404, `${m} ${p}`);
    assert.equal(r.json.error.errorCode, '300');
    assert.equal(r.json.error.message, 'Not Found Exception');
  }
});
