import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { pgAvailable } from '../../test/testbed/routes/sqli.js';
import { meta, sqlInjection } from './sql-injection.js';

let tb: Testbed;
let hasPg = false;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  hasPg = await pgAvailable();
  vuln = await runCheckOn(sqlInjection, `${tb.url}/sqli/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(sqlInjection, meta, { id: 'sql-injection', item: 'SQL Injection', cwe: 89 }));

test('finds every vulnerable page with error, boolean and time proofs in each location', () => {
  const byPath = new Map(vuln.findings.map((f) => [new URL(f.url).pathname, f]));
  const expected: [string, string, string, string][] = [
    ['/sqli/item', 'id', 'query', 'error'],
    ['/sqli/search', 'name', 'query', 'boolean'],
    ['/sqli/find', 'q', 'body', 'boolean'],
    ['/sqli/api/product', 'id', 'json', 'boolean'],
    ['/sqli/prefs', 'category', 'cookie', 'error'],
    ['/sqli/track', 'X-Forwarded-For', 'header', 'error'],
  ];
  if (hasPg) expected.push(['/sqli/pg/item', 'id', 'query', 'error'], ['/sqli/pg/news', 'ref', 'query', 'time']);
  for (const [path, parameter, location, technique] of expected) {
    const f = byPath.get(path);
    assert.ok(f, `${path} found (got ${[...byPath.keys()].join(', ')})`);
    assert.equal(f.parameter, parameter, path);
    assert.equal(f.location, location, path);
    assert.equal(f.extra?.technique, technique, path);
    assert.ok(f.evidence.proof.length > 20 && f.evidence.request.length > 0 && f.evidence.response.startsWith('HTTP/1.1'), path);
  }
  assert.match(byPath.get('/sqli/item')!.evidence.proof, /SQLite/);
  assert.match(byPath.get('/sqli/search')!.evidence.proof, /true conditions .* return the original page/);
  if (hasPg) {
    assert.match(byPath.get('/sqli/pg/item')!.evidence.proof, /PostgreSQL/);
    assert.match(byPath.get('/sqli/pg/news')!.evidence.proof, /PostgreSQL sleep in string context \(concatenated subquery\): 2 s took \d+ ms, 0 s took \d+ ms, 4 s took \d+ ms/);
  }
  assert.equal(vuln.findings.length, expected.length, vuln.findings.map((f) => `${f.url} ${f.parameter}`).join('\n'));
});

test('safe twins: parameterized queries, validated ids and a page that always shows an SQL error yield nothing', async () => {
  const run = await runCheckOn(sqlInjection, `${tb.url}/sqli-safe/`);
  assert.ok(run.sent.length > 50, 'the twins were attacked');
  assert.deepEqual(
    run.findings.map((f) => `${f.url} ${f.parameter} ${f.evidence.proof}`),
    [],
  );
});

test('stays within its request budget', () => {
  const targets = Math.max(1, vuln.requests.length, vuln.pages.length);
  assert.ok(vuln.sent.length <= meta.requestBudget * targets, `${vuln.sent.length} requests for ${targets} targets`);
});

test('adaptive payloads: keyword, whitespace and pairing filters are learnt and passed, the filter named in the proof', async () => {
  const run = await runCheckOn(sqlInjection, `${tb.url}/sqlif/`);
  const mine = run.findings.filter((f) => new URL(f.url).pathname.startsWith('/sqlif/'));
  const byPath = new Map(mine.map((f) => [new URL(f.url).pathname, f]));
  const expected: [string, RegExp][] = [
    ['/sqlif/item', /refuses .*AND.*keyword-free \|\| concatenation/s],
    ['/sqlif/byid', /refuses .*spaces.*comment for spaces/s],
    ['/sqlif/category', /accepts '' \(\) only in pairs.*closing parenthesis/s],
  ];
  if (hasPg) expected.push(['/sqlif/pg/letter', /PostgreSQL sleep in string context \(keyword-free concatenation\).*refuses .*SELECT/s]);
  for (const [path, proof] of expected) {
    const f = byPath.get(path);
    assert.ok(f, `${path} found (got ${[...byPath.keys()].join(', ')})`);
    assert.match(f.evidence.proof, proof, `${path}: ${f.evidence.proof}`);
    assert.ok(typeof f.extra?.filter === 'string', path);
  }
  assert.equal(mine.length, expected.length, mine.map((f) => `${f.url} ${f.parameter}`).join('\n'));
  const safe = await runCheckOn(sqlInjection, `${tb.url}/sqlif-safe/`);
  assert.ok(safe.sent.length > 40, 'the twins were attacked');
  assert.deepEqual(safe.findings.filter((f) => new URL(f.url).pathname.startsWith('/sqlif-safe/')).map((f) => `${f.url} ${f.evidence.proof}`), []);
});
