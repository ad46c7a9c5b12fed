import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { commandInjection, meta } from './command-injection.js';

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  vuln = await runCheckOn(commandInjection, `${tb.url}/cmdi/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(commandInjection, meta, { id: 'command-injection', item: 'Command Injection', cwe: 78 }));

test('finds shell injection by computed echo output, by sleep timing and by an OAST fetch', () => {
  const byPath = new Map(vuln.findings.map((f) => [new URL(f.url).pathname, f]));
  const expected: [string, string, string, string][] = [
    ['/cmdi/lookup', 'host', 'query', 'echo'],
    ['/cmdi/count', 'name', 'body', 'echo'],
    ['/cmdi/api/greet', 'name', 'json', 'echo'],
    ['/cmdi/convert', 'file', 'query', 'time'],
    ['/cmdi/notify', 'email', 'query', 'oast'],
    ['/cmdi/soap/size', 'file', 'xml', 'echo'],
  ];
  for (const [path, parameter, location, technique] of expected) {
    const f = byPath.get(path);
    assert.ok(f, `${path} found (got ${[...byPath.keys()].join(', ')})`);
    assert.equal(f.parameter, parameter, path);
    assert.equal(f.location, location, path);
    assert.equal(f.extra?.technique, technique, path);
  }
  const echo = byPath.get('/cmdi/lookup')!;
  const value = /^(wsc\w+x\d+)\n/.exec(echo.evidence.proof)?.[1];
  assert.ok(value && echo.evidence.response.includes(value), 'the computed value is in the response');
  assert.ok(!echo.payload!.includes(value), 'and not in the payload');
  assert.equal(echo.confidence, 'certain');
  assert.match(byPath.get('/cmdi/count')!.evidence.proof, /single-quoted/);
  assert.match(byPath.get('/cmdi/convert')!.evidence.proof, /sleep 3 via the .* took \d+ ms, a 0 s sleep \d+ ms, sleep 5 \d+ ms/);
  assert.match(byPath.get('/cmdi/notify')!.evidence.proof, /^GET \/o\/[0-9a-f]{24}\/f\d+\nThe OAST listener received/);
  assert.equal(vuln.findings.length, expected.length);
});

test('safe twins: the same tools run with execFile and no shell yield nothing', async () => {
  const run = await runCheckOn(commandInjection, `${tb.url}/cmdi-safe/`);
  assert.ok(run.sent.length > 40, 'the twins were attacked');
  assert.deepEqual(run.findings.map((f) => `${f.url} ${f.parameter} ${f.evidence.proof}`), []);
});

test('stays within its request budget', () => {
  const targets = Math.max(1, vuln.requests.length, vuln.pages.length);
  assert.ok(vuln.sent.length <= meta.requestBudget * targets, `${vuln.sent.length} requests for ${targets} targets`);
});

test('adaptive payloads: a filter of spaces and separators is learnt and passed with ${IFS} and a newline', async () => {
  const run = await runCheckOn(commandInjection, `${tb.url}/cmdif/`);
  const mine = run.findings.filter((f) => new URL(f.url).pathname.startsWith('/cmdif/'));
  const byPath = new Map(mine.map((f) => [new URL(f.url).pathname, f]));
  assert.match(byPath.get('/cmdif/lookup')?.evidence.proof ?? '', /refuses spaces.*\$\{IFS\} for spaces/s);
  assert.match(byPath.get('/cmdif/resolve')?.evidence.proof ?? '', /refuses spaces ; \| &.*newline.*\$\{IFS\}/s);
  assert.equal(mine.length, 2);
  const safe = await runCheckOn(commandInjection, `${tb.url}/cmdif-safe/`);
  assert.ok(safe.sent.length > 10, 'the twins were attacked');
  assert.deepEqual(safe.findings.filter((f) => new URL(f.url).pathname.startsWith('/cmdif-safe/')).map((f) => f.evidence.proof), []);
});
