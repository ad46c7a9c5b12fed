// `wsc jobs ...` in-process against a real HTTP server that verifies signatures (test/sdk/fake-api.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeApi, FAKE_STATUS_TEXT, type FakeApi } from '../sdk/fake-api.js';
import { runWsc, tempDir } from './helpers.js';

let api: FakeApi;
let env: NodeJS.ProcessEnv;
const tmp = tempDir();

before(async () => {
  api = await startFakeApi();
  env = { WSC_DATA_DIR: tmp.dir, WSC_ENDPOINT: api.url, WSC_ACCESS_KEY: api.accessKey, WSC_SECRET_KEY: api.secretKey };
});

after(async () => {
  await api.close();
  tmp.cleanup();
});

function setStatus(id: string, status: number): void {
  const job = api.jobs.find((j) => String(j.id) === id);
  assert.ok(job, `job ${id}`);
  job.status = status;
  job.statusText = FAKE_STATUS_TEXT[status]!;
}

test('jobs create maps every flag onto the createJob body and prints the id', async () => {
  const r = await runWsc(
    [
      'jobs', 'create',
      '--url', 'http://127.0.0.1:9/shop',
      '--exclude', 'http://127.0.0.1:9/shop/logout',
      '--exclude', 'http://127.0.0.1:9/shop/admin',
      '--header', 'Cookie: session=abc; theme=dark',
      '--header', 'Authorization: Bearer x:y',
      '--items', 'SQL Injection, XSS',
      '--ua', 'iPhone',
      '--speed', '3',
      '--memo', '감사 H1',
      '--crawl', 'browser',
      '--master', '77',
    ],
    env,
  );
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^job \d+ created\n$/);
  assert.deepEqual(api.seen.at(-1)!.body, {
    StartUrl: 'http://127.0.0.1:9/shop',
    ExcludeUrl: ['http://127.0.0.1:9/shop/logout', 'http://127.0.0.1:9/shop/admin'],
    Headers: { Cookie: 'session=abc; theme=dark', Authorization: 'Bearer x:y' },
    VulnItems: ['SQL Injection', 'XSS'],
    UserAgent: 'iPhone',
    Speed: '3',
    Memo: '감사 H1',
    Crawl: 'browser',
    MasterInstanceNo: '77',
  });
});

test('jobs create defaults, --quiet and --json', async () => {
  const q = await runWsc(['jobs', 'create', '--url', 'http://127.0.0.1:9/a', '-q'], env);
  assert.equal(q.code, 0);
  assert.match(q.stdout, /^\d+\n$/);
  assert.deepEqual(api.seen.at(-1)!.body, {
    StartUrl: 'http://127.0.0.1:9/a',
    ExcludeUrl: [],
    Headers: {},
    VulnItems: ['ALL'],
    UserAgent: 'PC Chrome',
    Speed: '2',
  });
  const j = await runWsc(['jobs', 'create', '--url', 'http://127.0.0.1:9/b', '--json'], env);
  assert.equal(j.code, 0);
  assert.deepEqual(JSON.parse(j.stdout), { returnCode: '0', returnDesc: 'Request Success', returnMessage: 'Success', resources: null });
});

test('usage errors exit 2 without calling the API', async () => {
  const before = api.seen.length;
  for (const args of [
    ['jobs', 'create', '--url', 'http://x/', '--items', 'ALL,XSS'],
    ['jobs', 'create', '--url', 'http://x/', '--items', 'Nope'],
    ['jobs', 'create', '--url', 'http://x/', '--ua', 'Netscape'],
    ['jobs', 'create', '--url', 'http://x/', '--speed', '4'],
    ['jobs', 'create', '--url', 'http://x/', '--header', 'no colon here'],
    ['jobs', 'create'],
    ['jobs', 'list', '--limit', '0'],
    ['jobs', 'stop', 'abc'],
    ['jobs', 'search', '--status', '7'],
    ['jobs', 'bogus'],
  ]) {
    const r = await runWsc(args, env);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /error/i, args.join(' '));
  }
  assert.equal(api.seen.length, before);
});

test('API errors print "error: <message> (errorCode N)" and exit 1', async () => {
  const r = await runWsc(['jobs', 'create', '--url', 'http://forbidden.test/'], env);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'error: Assets_Check_Fail (errorCode 160451)\n');
  const s = await runWsc(['jobs', 'stop', '999999'], env);
  assert.equal(s.code, 1);
  assert.equal(s.stderr, 'error: API Call Fail (errorCode 901)\n');
  const bad = await runWsc(['jobs', 'list', '--secret-key', 'wrong', '--access-key', api.accessKey], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: Authentication Failed \(errorCode 200\)\n  details: signature mismatch\n$/);
});

test('jobs list prints a table and --json the raw envelope; --all walks pages', async () => {
  const t = await runWsc(['jobs', 'list', '--limit', '2'], env);
  assert.equal(t.code, 0);
  const lines = t.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ID\s+STATUS\s+PROGRESS\s+START URL\s+URLS\s+FOUND\s+STARTED\s+ENDED\s+MEMO$/);
  assert.equal(lines.length, 4);
  assert.match(lines[3]!, new RegExp(`^page 1 of \\d+, ${api.jobs.length} job\\(s\\)$`));
  const j = await runWsc(['jobs', 'list', '--limit', '2', '--page', '2', '--json'], env);
  const env1 = JSON.parse(j.stdout) as { resources: { total_page_cnt: string; record_data: unknown[] } };
  assert.equal(typeof env1.resources.total_page_cnt, 'string', 'raw envelope keeps the string');
  assert.equal(env1.resources.record_data.length, Math.min(2, api.jobs.length - 2));
  const all = await runWsc(['jobs', 'list', '--all', '--limit', '2', '--json'], env);
  const pages = all.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { resources: { record_data: unknown[] } });
  assert.equal(pages.reduce((n, p) => n + p.resources.record_data.length, 0), api.jobs.length);
  const allTable = await runWsc(['jobs', 'list', '--all', '--limit', '2'], env);
  assert.match(allTable.stdout, new RegExp(`\\n${api.jobs.length} job\\(s\\)\\n$`));
  assert.match(allTable.stdout, /감사 H1/);
});

test('jobs search filters by url, memo and status', async () => {
  const r = await runWsc(['jobs', 'search', '--type', 'url', '--keyword', 'shop', '--json'], env);
  assert.equal(r.code, 0);
  assert.deepEqual(api.seen.at(-1)!.body, { searchType: 'url', searchKeyword: 'shop', statusCode: null, limit: 10, page: 1 });
  const found = JSON.parse(r.stdout) as { resources: { record_data: { start_url: string }[] } };
  assert.deepEqual(found.resources.record_data.map((x) => x.start_url), ['http://127.0.0.1:9/shop']);
  const none = await runWsc(['jobs', 'search', '--status', '4'], env);
  assert.equal(none.code, 0);
  assert.equal(none.stdout, 'no jobs\n');
  assert.equal((api.seen.at(-1)!.body as { statusCode: number }).statusCode, 4);
  const memo = await runWsc(['jobs', 'search', '--type', 'memo', '--keyword', '감사'], env);
  assert.match(memo.stdout, /감사 H1/);
});

test('jobs cancel, stop, wait and report', async () => {
  const a = (await runWsc(['jobs', 'create', '--url', 'http://127.0.0.1:9/c', '-q'], env)).stdout.trim();
  const c = await runWsc(['jobs', 'cancel', a], env);
  assert.equal(c.code, 0);
  assert.equal(c.stdout, `job ${a}: canceled\n`);
  // 91 is final but not a success
  const w1 = await runWsc(['jobs', 'wait', a, '--interval', '0.05'], env);
  assert.equal(w1.code, 1);
  assert.equal(w1.stdout, `job ${a}: Canceled\n`);

  const b = (await runWsc(['jobs', 'create', '--url', 'http://127.0.0.1:9/d', '-q'], env)).stdout.trim();
  setStatus(b, 13);
  const s = await runWsc(['jobs', 'stop', b, '--json'], env);
  assert.equal(s.code, 0);
  assert.equal(JSON.parse(s.stdout).returnCode, '0');

  const d = (await runWsc(['jobs', 'create', '--url', 'http://127.0.0.1:9/e', '-q'], env)).stdout.trim();
  setStatus(d, 3);
  setTimeout(() => setStatus(d, 4), 150);
  const w2 = await runWsc(['jobs', 'wait', d, '--interval', '0.05', '--timeout', '10'], env);
  assert.equal(w2.code, 0, w2.stderr);
  assert.equal(w2.stdout, `job ${d}: Diagnosing\njob ${d}: Diagnostics completed\n`);
  const w3 = await runWsc(['jobs', 'wait', d, '--json'], env);
  assert.equal(JSON.parse(w3.stdout).instanceNo, d);

  const missing = await runWsc(['jobs', 'wait', '424242'], env);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'error: job 424242 not found\n');

  const e = (await runWsc(['jobs', 'create', '--url', 'http://127.0.0.1:9/f', '-q'], env)).stdout.trim();
  const timeout = await runWsc(['jobs', 'wait', e, '--interval', '0.05', '--timeout', '0.2'], env);
  assert.equal(timeout.code, 1);
  assert.match(timeout.stderr, /still "Scheduled"/);

  const rep = await runWsc(['jobs', 'report', d], env);
  assert.equal(rep.code, 0);
  assert.deepEqual(JSON.parse(rep.stdout), { version: 1, instanceNo: d, findings: [] });
  const out = join(tmp.dir, 'r.html');
  const html = await runWsc(['jobs', 'report', d, '--format', 'html', '--out', out], env);
  assert.equal(html.code, 0);
  assert.equal(readFileSync(out, 'utf8'), `<html><body>report ${d}</body></html>`);
  assert.match(html.stderr, /^wrote \d+ bytes \(text\/html/);
});

test('assets verify issues a token, then --check records the host', async () => {
  const v = await runWsc(['assets', 'verify', 'http://127.0.0.1:9'], env);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /http:\/\/127\.0\.0\.1:9\/\.well-known\/wsc-verify-abc123\.txt/);
  assert.match(v.stdout, /wsc-verify-abc123/);
  const ok = await runWsc(['assets', 'verify', 'http://127.0.0.1:9', '--check'], env);
  assert.equal(ok.stdout, 'verified: your account may now scan 127.0.0.1\n');
  const no = await runWsc(['assets', 'verify', 'http://unverified.test', '--check'], env);
  assert.equal(no.code, 1);
  assert.equal(no.stderr, 'error: Verification token not found (errorCode 160452)\n');
  const bad = await runWsc(['assets', 'verify', 'not a url'], env);
  assert.equal(bad.code, 2);
  const list = await runWsc(['assets', 'list', '--json'], env);
  assert.deepEqual(JSON.parse(list.stdout).resources.assets, [{ kind: 'host', value: 'localhost', source: 'admin' }]);
});

test('an unreachable endpoint is a plain error, exit 1', async () => {
  const r = await runWsc(['jobs', 'list', '--endpoint', 'http://127.0.0.1:1'], env);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: cannot reach http:\/\/127\.0\.0\.1:1/);
});

test('an interrupted wait exits 130', async () => {
  const id = (await runWsc(['jobs', 'create', '--url', 'http://127.0.0.1:9/g', '-q'], env)).stdout.trim();
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 150);
  const started = Date.now();
  const r = await runWsc(['jobs', 'wait', id, '--interval', '30'], env, stop.signal);
  assert.equal(r.code, 130);
  assert.ok(Date.now() - started < 5000, 'the sleep between polls is cut short');
});
