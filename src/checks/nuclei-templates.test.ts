import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { runCheckOn } from '../../test/testbed/check-harness.js';
import { isVulnItem } from '../core/items.js';
import { configureTemplates, loadTemplates, MAX_TEMPLATE_BYTES } from '../templates/loader.js';
import { evalDsl, parseDsl } from '../templates/nuclei/dsl.js';
import { parseNucleiTemplate, Unsupported } from '../templates/nuclei/format.js';
import { parseJsonPath, queryJson } from '../templates/nuclei/json-path.js';
import { compareVersions } from '../templates/nuclei/versions.js';
import { meta, nucleiTemplates } from './nuclei-templates.js';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/nuclei');
const SUPPORTED = ['acme-oob-fetch', 'acme-status-exposed', 'acme-debug-header', 'acmecms-old-version', 'acme-echo-reflection', 'acme-backup-zip', 'acme-admin-token', 'acme-favicon'];

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
  const loaded = configureTemplates({ userDir: FIXTURES });
  assert.deepEqual(loaded.errors.map((e) => e.message), []);
});
after(async () => {
  configureTemplates({ userDir: null });
  await tb.close();
});

test('metadata', () => {
  assert.equal(meta.id, 'nuclei-templates');
  assert.ok(isVulnItem(meta.item));
  assert.equal(meta.item, 'Specific Vulnerability');
  assert.ok(meta.requestBudget >= 1 && meta.remediation.length > 20 && meta.references.length > 0);
  assert.equal(nucleiTemplates.meta, meta);
});

test('loading: supported templates run, the others are listed as skipped with their reason', () => {
  const r = loadTemplates({ userDir: FIXTURES, shippedDir: null });
  assert.deepEqual(r.nuclei.map((t) => t.template.id).sort(), [...SUPPORTED].sort());
  const skipped = new Map(r.skipped.map((s) => [s.id, s.reason]));
  assert.match(skipped.get('acme-dns-record') ?? '', /needs the dns protocol/);
  assert.match(skipped.get('acme-login-bruteforce') ?? '', /http\[0\] uses (payloads|attack)/);
  assert.match(skipped.get('acme-two-step-compare') ?? '', /req-condition/);
  assert.match(skipped.get('acme-oob-callback') ?? '', /waits for a dns interaction/);
  const t = r.nuclei.find((x) => x.template.id === 'acmecms-old-version')!.template;
  assert.equal(t.severity, 'high');
  assert.deepEqual(t.cve, ['CVE-2099-0001']);
  assert.equal(t.cwe, 1104);
  assert.equal(r.nuclei.find((x) => x.template.id === 'acme-admin-token')!.template.nucleiSeverity, 'critical');
  for (const [text, why] of [
    ['id: a\ninfo: {name: x, severity: low}\nhttp:\n  - path: ["{{BaseURL}}/"]\n    matchers: [{type: xpath, xpath: ["/a"]}]\n', /xpath matcher/],
    ['id: a\ninfo: {name: x, severity: low}\nhttp:\n  - path: ["{{BaseURL}}/"]\n    matchers: [{type: dsl, dsl: ["gzip_decode(body) == \'x\'"]}]\n', /helper function gzip_decode/],
    ['id: a\ninfo: {name: x, severity: low}\nhttp:\n  - path: ["{{BaseURL}}/{{nothing}}"]\n    matchers: [{type: status, status: [200]}]\n', /\{\{nothing\}\}, which nothing defines/],
    ['id: a\ninfo: {name: x, severity: low}\nflow: http(1)\nhttp:\n  - path: ["{{BaseURL}}/"]\n    matchers: [{type: status, status: [200]}]\n', /flow/],
    ['id: a\ninfo: {name: x, severity: low}\nhttp:\n  - path: ["{{BaseURL}}/"]\n    headers: {Host: other.example}\n    matchers: [{type: status, status: [200]}]\n', /Host header/],
  ] as const) {
    assert.throws(() => parseNucleiTemplate(text), (e: unknown) => e instanceof Unsupported && why.test(e.message), String(why));
  }
});

test('a template file over MAX_TEMPLATE_BYTES is an error naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsc-nuclei-'));
  try {
    writeFileSync(join(dir, 'huge.yaml'), 'id: huge\n#' + 'x'.repeat(MAX_TEMPLATE_BYTES));
    const r = loadTemplates({ userDir: dir, shippedDir: null });
    assert.match(r.errors[0]!.message, /huge\.yaml: over \d+ bytes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('each supported template matches its page on the vulnerable product', async () => {
  const run = await runCheckOn(nucleiTemplates, `${tb.url}/nuclei/`);
  const by = new Map<string, typeof run.findings>();
  for (const f of run.findings) by.set(String(f.extra?.['template']), [...(by.get(String(f.extra?.['template'])) ?? []), f]);
  assert.deepEqual([...by.keys()].sort(), [...SUPPORTED].sort());
  const status = by.get('acme-status-exposed')!;
  assert.equal(status.length, 1, 'only /acme/status has the words; /acme/health does not');
  assert.match(status[0]!.url, /\/nuclei\/acme\/status$/);
  assert.deepEqual(status[0]!.extra?.['extracted'], { version: ['3.1.4'] });
  assert.equal(status[0]!.severity, 'medium');
  assert.equal(status[0]!.cwe, 200);
  assert.deepEqual(by.get('acme-debug-header')![0]!.extra?.['extracted'], { extract1: ['on'] });
  const cms = by.get('acmecms-old-version')![0]!;
  assert.equal(cms.title, 'AcmeCMS before 2.4.0 (CVE-2099-0001)');
  assert.equal(cms.extra?.['extracted'], undefined, 'internal extractors are not reported');
  const echo = by.get('acme-echo-reflection')![0]!;
  assert.equal(echo.method, 'POST');
  assert.match(echo.evidence.request, /^POST \/nuclei\/acme\/echo HTTP\/1\.1/);
  assert.match(echo.evidence.request, /\{"name":"wsc[a-z]{10}"\}/);
  assert.deepEqual(echo.extra?.['extracted'], { build: ['3.1.4', 'stable'] });
  const admin = by.get('acme-admin-token')!;
  assert.deepEqual(admin.map((f) => new URL(f.url).pathname + new URL(f.url).search).sort(), ['/nuclei/acme/admin2', '/nuclei/acme/admin?token=tok-4242']);
  assert.equal(admin[0]!.severity, 'high');
  assert.ok(!run.sent.some((s) => s.url.endsWith('/nuclei/acme/admin3')), 'stop-at-first-match: admin3 is not asked for');
  const oob = by.get('acme-oob-fetch')![0]!;
  assert.match(oob.url, /\/nuclei\/acme\/fetch\?url=http:\/\/127\.0\.0\.1:\d+\/o\/[0-9a-f]+$/);
  assert.match(oob.evidence.proof, /out-of-band GET \/o\/[0-9a-f]+ from /);
  assert.equal(oob.cwe, 918);
  for (const never of ['/acme/payload-login', '/acme/req-condition-1', '/acme/req-condition-2']) {
    assert.ok(!run.sent.some((s) => s.url.includes(never)), `${never} belongs to a skipped template`);
  }
});

test('safe twin: the fixed product yields nothing', async () => {
  const run = await runCheckOn(nucleiTemplates, `${tb.url}/nuclei-safe/`);
  assert.ok(run.sent.some((s) => s.url.endsWith('/nuclei-safe/acme/status')), 'the probes were sent');
  assert.ok(run.sent.some((s) => s.method === 'POST' && s.url.endsWith('/nuclei-safe/acme/echo')), 'the raw request was sent');
  assert.deepEqual(run.findings.map((f) => `${String(f.extra?.['template'])} ${f.url}`), []);
});

test('stays within its request budget', async () => {
  const run = await runCheckOn(nucleiTemplates, `${tb.url}/nuclei/`);
  const targets = Math.max(1, run.requests.length, run.pages.length);
  assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  const urls = run.sent.map((s) => `${s.method} ${s.url}`);
  assert.equal(new Set(urls).size, urls.length, 'no request is sent twice');
});

test('dsl: operators, helpers, versions, json paths', () => {
  const v = { body: 'Hello World', status_code: 200, server: 'nginx/1.2', n: '7' };
  const e = (s: string) => evalDsl(parseDsl(s), v);
  assert.equal(e('status_code == 200 && contains(body, "World")'), true);
  assert.equal(e("!contains(tolower(body), 'x') || false"), true);
  assert.equal(e('len(body) + 1'), 12);
  assert.equal(e('n == 7'), true);
  assert.equal(e('body =~ "^Hel+o"'), true);
  assert.equal(e('contains_all(body, "Hello", "World") && contains_any(body, "x", "World")'), true);
  assert.equal(e('regex("(?i)hello", body)'), true);
  assert.equal(e('md5("abc")'), '900150983cd24fb0d6963f7d28e17f72');
  assert.equal(e('base64("hi") + hex_encode("A")'), 'aGk=41');
  assert.equal(e('concat(to_upper("a"), trim_prefix("www.x", "www."))'), 'Ax');
  assert.equal(e('mmh3("hello")'), '613153351');
  assert.throws(() => e('missing_header == "x"'));
  assert.ok(compareVersions('2.3.1', ['< 2.4.0', '>= 2.0']));
  assert.ok(!compareVersions('2.4.0', ['< 2.4.0']));
  assert.ok(compareVersions('v1.10.0', ['> 1.9']));
  assert.ok(compareVersions('1.0.0-rc1', ['< 1.0.0']));
  assert.ok(compareVersions('4.1.7', ['~> 4.1']) && !compareVersions('5.0', ['~> 4.1']));
  assert.ok(!compareVersions('not a version', ['> 1']));
  assert.deepEqual(queryJson({ a: { b: [1, { c: 'x' }] } }, parseJsonPath('.a.b[1].c')!), ['x']);
  assert.deepEqual(queryJson({ a: [{ n: 1 }, { n: 2 }] }, parseJsonPath('.a[].n')!), ['1', '2']);
  assert.equal(parseJsonPath('.a | select(.b)'), null);
});
