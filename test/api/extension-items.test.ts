// Extension items on the API: NCP's words keep NCP's meaning (ALL is the 21, ALL with an NCP word
// is refused), EXTENDED and the extension items' own words join any list, and the report of an
// ALL job names exactly NCP's 21 items.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SCAN_ITEMS, VULN_ITEMS } from '../../src/core/items.js';
import { startSite, type Site } from '../helpers/site.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';

let t: TestServer;
let site: Site;

const SUCCESS_NULL = '{"returnCode":"0","returnDesc":"Request Success","returnMessage":"Success","resources":null}';
const REFUSED = '{"error":{"errorCode":160433,"message":"Param Value Not Define - VulnItems"}}';

const body = (url: string, VulnItems: unknown) => ({ StartUrl: url, VulnItems, UserAgent: 'PC Chrome', Speed: '3', Memo: JSON.stringify(VulnItems) });

before(async () => {
  site = await startSite({ '/': '<html><body><a href="/a">a</a></body></html>', '/a': '<p>a</p>' });
  t = await startTestServer({ config: { maxConcurrentJobs: 2 } });
});
after(async () => {
  await t.close();
  await site.close();
});

async function reportOf(memo: string): Promise<Record<string, unknown>> {
  const row = await waitFor(async () => {
    const r = await t.call('POST', '/api/v1/jobs/search', { searchType: 'memo', searchKeyword: memo, statusCode: null, limit: 1, page: 1 });
    const rec = r.json.resources.record_data?.[0];
    return rec?.status === 'Diagnostics completed' ? rec : null;
  }, 60_000);
  const r = await t.call('GET', `/api/v1/jobs/${row.instanceNo}/report`);
  assert.equal(r.status, 200);
  return r.json.resources;
}

test('createJob accepts EXTENDED and extension words beside any list; NCP lists are judged as NCP judges them', async () => {
  for (const words of [['ALL', 'EXTENDED'], ['EXTENDED'], ['ALL', 'CSRF', 'SSTI'], ['XSS', 'Security Headers'], ['ALL']]) {
    const r = await t.call('PUT', '/api/v1/job', body(`${site.url}/`, words));
    assert.equal(r.status, 200, JSON.stringify(words));
    assert.equal(r.text, SUCCESS_NULL);
  }
  for (const words of [['ALL', 'XSS'], ['ALL', 'ALL'], ['EXTENDED', 'Nope'], ['extended'], ['ALL', 'EXTENDED', 'LFI']]) {
    const r = await t.call('PUT', '/api/v1/job', body(`${site.url}/`, words));
    assert.equal(r.status, 400, JSON.stringify(words));
    assert.equal(r.text, REFUSED);
  }
});

test("an ALL job's report names NCP's 21 items only; ALL,EXTENDED names every item", async () => {
  const ncp = await reportOf('["ALL"]');
  assert.deepEqual(ncp.Vulnerability_Category, ['ALL']);
  assert.deepEqual((ncp.Classify_byRisk_Vulnerability as { Vulnerability: string }[]).map((v) => v.Vulnerability), [...VULN_ITEMS]);
  const all = await reportOf('["ALL","EXTENDED"]');
  assert.deepEqual(all.Vulnerability_Category, ['ALL', 'EXTENDED']);
  assert.deepEqual((all.Classify_byRisk_Vulnerability as { Vulnerability: string }[]).map((v) => v.Vulnerability), [...SCAN_ITEMS]);
});
