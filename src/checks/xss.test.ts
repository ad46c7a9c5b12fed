import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { meta, xss } from './xss.js';

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  vuln = await runCheckOn(xss, `${tb.url}/xss/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(xss, meta, { id: 'xss', item: 'XSS', cwe: 79 }));

test('finds reflected XSS in every context and stored XSS in the guestbook, each proven by a parse', () => {
  const byPath = new Map(vuln.findings.map((f) => [new URL(f.url).pathname.replace(/(\.php)\/.*$/, '$1'), f]));
  const expected: [string, string, RegExp][] = [
    ['/xss/search', 'q', /<wsc\w+ onmouseover=wsc\w+\(1\)> element formed/],
    ['/xss/profile', 'name', /onmouseover="wsc\w+\(1\)"> event handler formed/],
    ['/xss/theme', 'lang', /event handler formed.*unquoted/s],
    ['/xss/greet', 'msg', /runs as code in a <script> block/],
    ['/xss/link', 'url', /javascript: URL formed/],
    ['/xss/edit', 'text', /element formed.*<textarea> text/s],
    ['/xss/archive', 'q', /Content-Security-Policy is set/],
    ['/xss/feedback/send', 'name', /element formed/],
    ['/xss/guestbook/sign', 'message', /stored XSS/],
    ['/xss/signup/create', 'username', /comes back only when the same form is submitted a second time/],
    ['/xss/join/create', 'username', /comes back only when the same form is submitted a second time/],
    ['/xss/footer', 'User-Agent', /element formed/],
    ['/xss/back', 'Referer', /runs as code in a <script> block/],
    ['/xss/self.php', 'PATH_INFO', /formed/],
  ];
  for (const [path, parameter, proof] of expected) {
    const f = byPath.get(path);
    assert.ok(f, `${path} found (got ${[...byPath.keys()].join(', ')})`);
    assert.equal(f.parameter, parameter, path);
    assert.match(f.evidence.proof, proof, path);
    assert.ok(f.evidence.response.startsWith('HTTP/1.1'), path);
  }
  assert.equal(byPath.get('/xss/guestbook/sign')!.extra?.kind, 'stored');
  assert.equal(vuln.findings.length, expected.length, vuln.findings.map((f) => `${f.url} ${f.parameter}`).join('\n'));
});

test('safe twins: context-encoded output, JSON in script, URL allowlist, JSON and text responses yield nothing', async () => {
  const run = await runCheckOn(xss, `${tb.url}/xss-safe/`);
  assert.ok(run.sent.length > 15, 'the twins were attacked');
  assert.deepEqual(run.findings.map((f) => `${f.url} ${f.parameter} ${f.evidence.proof}`), []);
});

test('stays within its request budget', () => {
  const targets = Math.max(1, vuln.requests.length, vuln.pages.length);
  assert.ok(vuln.sent.length <= meta.requestBudget * targets, `${vuln.sent.length} requests for ${targets} targets`);
});

test('adaptive payloads: each input filter is learnt and passed by a payload of its family, named in the proof', async () => {
  const run = await runCheckOn(xss, `${tb.url}/xssf/`);
  const mine = run.findings.filter((f) => new URL(f.url).pathname.startsWith('/xssf/'));
  const byPath = new Map(mine.map((f) => [new URL(f.url).pathname, f]));
  const expected: [string, RegExp][] = [
    ['/xssf/preview', /accepts only values holding markup/],
    ['/xssf/homepage', /plain value was refused; the payload follows the original value/],
    ['/xssf/notes', /refuses \( \).*no-parentheses/s],
    ['/xssf/counter', /no-letters \(JSFuck-style\)/],
    ['/xssf/blocklist', /case variant/],
    ['/xssf/go', /entity-encoded javascript:/],
  ];
  for (const [path, proof] of expected) {
    const f = byPath.get(path);
    assert.ok(f, `${path} found (got ${[...byPath.keys()].join(', ')})`);
    assert.match(f.evidence.proof, proof, `${path}: ${f.evidence.proof}`);
  }
  assert.equal(mine.length, expected.length, mine.map((f) => `${f.url} ${f.parameter}`).join("\n"));
  const safe = await runCheckOn(xss, `${tb.url}/xssf-safe/`);
  assert.ok(safe.sent.length > 12, 'the twins were attacked');
  assert.deepEqual(safe.findings.filter((f) => new URL(f.url).pathname.startsWith('/xssf-safe/')).map((f) => `${f.url} ${f.evidence.proof}`), []);
});
