import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VULN_ITEMS } from '../core/items.js';
import type { Finding } from '../core/model.js';
import { allChecks } from '../checks/registry.js';
import { buildJsonReport, redactSecrets, type ReportInput } from './json.js';
import { buildSarifReport } from './sarif.js';
import { buildHtmlReport } from './html.js';

const SECRET_COOKIE = 'sid=s3cr3t-session-value-42';
const SECRET_TOKEN = 'Bearer tok_ABCDEF123456';

function finding(over: Partial<Finding>): Finding {
  return {
    item: 'Information Disclosure',
    check: 'information-disclosure',
    title: 'Stack trace disclosed',
    severity: 'medium',
    confidence: 'firm',
    cwe: 209,
    url: 'http://127.0.0.1:8080/app?q=1',
    method: 'GET',
    parameter: 'q',
    location: 'query',
    payload: '\'"[]{}\u0000',
    evidence: {
      request: `GET /app?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nCookie: ${SECRET_COOKIE}\r\nAuthorization: ${SECRET_TOKEN}\r\n\r\n`,
      response: 'HTTP/1.1 500 Internal Server Error\r\n\r\n<script>alert(1)</script><img src=x onerror=alert(2)><b>unclosed <a href="javascript:x">',
      proof: '<script>alert(1)</script> s3cr3t-session-value-42',
    },
    curl: `curl -i -s -k -H 'Cookie: ${SECRET_COOKIE}' 'http://127.0.0.1:8080/app?q=1'`,
    ...over,
  };
}

function input(findings: Finding[]): ReportInput {
  return {
    target: 'http://127.0.0.1:8080/',
    options: {
      items: ['ALL'],
      userAgent: 'PC Chrome',
      speed: '2',
      excludeUrls: [],
      headers: { Cookie: SECRET_COOKIE, Authorization: SECRET_TOKEN },
    },
    stats: { requests: 120, durationMs: 4567, urls: 2 },
    urls: [
      { method: 'GET', url: 'http://127.0.0.1:8080/' },
      { method: 'GET', url: 'http://127.0.0.1:8080/app?q=1' },
    ],
    findings,
    generatedAt: Date.UTC(2025, 0, 2, 3, 4, 5),
    checks: allChecks.map((c) => c.meta),
  };
}

const FINDINGS = [
  finding({ severity: 'low', title: 'Version banner', check: 'information-disclosure', parameter: 'Server', url: 'http://127.0.0.1:8080/', cwe: 200 }),
  finding({}),
  finding({ item: 'Directory Listing', check: 'directory-listing', title: 'Directory listing enabled', url: 'http://127.0.0.1:8080/files/', parameter: null, cwe: 548 }),
];

test('redactSecrets hides header lines, values, cookie values and bearer tokens', () => {
  const out = redactSecrets(`Cookie: a\r\nX: ${SECRET_COOKIE}\r\nY: tok_ABCDEF123456 and s3cr3t-session-value-42\r\n-H 'Authorization: zzz'`, {
    Cookie: SECRET_COOKIE,
    Authorization: SECRET_TOKEN,
  });
  assert.doesNotMatch(out, /s3cr3t|tok_ABC|zzz/);
  assert.match(out, /^Cookie: <redacted>/);
});

test('JSON report: versioned shape, exact item words, sorted by severity, no secrets', () => {
  const report = buildJsonReport(input(FINDINGS));
  assert.equal(report.version, 1);
  assert.deepEqual(Object.keys(report.stats), ['requests', 'duration_ms', 'urls']);
  assert.deepEqual(report.stats, { requests: 120, duration_ms: 4567, urls: 2 });
  assert.deepEqual(report.urls[0], { method: 'GET', url: 'http://127.0.0.1:8080/' });
  assert.equal(report.findings.length, 3);
  for (const f of report.findings) assert.ok((VULN_ITEMS as readonly string[]).includes(f.item));
  assert.deepEqual(report.findings.map((f) => f.severity), ['medium', 'medium', 'low']);
  assert.deepEqual(report.options.header_names, ['Cookie', 'Authorization']);
  assert.equal(report.summary.by_severity.medium, 2);
  const text = JSON.stringify(report);
  assert.doesNotMatch(text, /s3cr3t|tok_ABCDEF/);
  assert.match(text, /Cookie: <redacted>/);
  assert.deepEqual(JSON.parse(text), report);
});

test('SARIF 2.1.0: one rule per check, URL locations, levels and CWE tags', () => {
  const sarif = buildSarifReport(input(FINDINGS));
  assert.equal(sarif.version, '2.1.0');
  const run = sarif.runs[0]!;
  assert.deepEqual(run.tool.driver.rules.map((r) => r.id).sort(), ['directory-listing', 'information-disclosure']);
  assert.equal(run.results.length, 3);
  for (const r of run.results) {
    assert.equal(run.tool.driver.rules[r.ruleIndex]!.id, r.ruleId);
    assert.match(r.locations[0]!.physicalLocation.artifactLocation.uri, /^http:\/\/127\.0\.0\.1:8080\//);
  }
  assert.deepEqual(run.results.map((r) => r.level), ['warning', 'warning', 'note']);
  const dl = run.tool.driver.rules.find((r) => r.id === 'directory-listing')!;
  assert.ok(dl.properties.tags.includes('CWE-548'));
  assert.equal(dl.properties.cwe, 548);
  assert.doesNotMatch(JSON.stringify(sarif), /s3cr3t|tok_ABCDEF/);
});

test('HTML report: self-contained, everything from the target escaped, grouped by item', () => {
  const html = buildHtmlReport(input(FINDINGS));
  assert.match(html, /^<!DOCTYPE html>/);
  // nothing executable or fetched: no script tags, no event handlers, no external URLs in src/href
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<img/i);
  assert.doesNotMatch(html, /<[a-z]+[^<>]*\son[a-z]+=/i);
  assert.doesNotMatch(html, /<a\s/i);
  assert.doesNotMatch(html, /<[a-z]+[^<>]*\s(?:src|href)=/i);
  assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
  assert.match(html, /onerror=alert\(2\)/); // shown as text inside an escaped tag
  assert.match(html, /\\x00/);
  assert.doesNotMatch(html, /s3cr3t|tok_ABCDEF/);
  assert.match(html, /Content-Security-Policy/);
  const dl = html.indexOf('<h2>Directory Listing');
  const id = html.indexOf('<h2>Information Disclosure');
  assert.ok(dl !== -1 && id !== -1);
  // both groups have a medium finding; order then follows the item list
  assert.ok(dl < id);
  assert.match(html, /Turn off automatic directory indexes/);
});

test('HTML report with no findings says so', () => {
  const html = buildHtmlReport(input([]));
  assert.match(html, /No findings\./);
});

test('HTML report shows anti-CSRF token forms, and those that refused a fresh token, only when there are any', () => {
  assert.doesNotMatch(buildHtmlReport(input([])), /Anti-CSRF/);
  const html = buildHtmlReport({ ...input([]), stats: { requests: 1, durationMs: 1, urls: 1, tokenForms: 3, tokenRejected: 1 } });
  assert.match(html, /Anti-CSRF token forms/);
  assert.match(html, /3 \(1 refused a fresh token/);
  // the JSON report's stats keep their three keys
  assert.deepEqual(Object.keys(buildJsonReport({ ...input([]), stats: { requests: 1, durationMs: 1, urls: 1, tokenForms: 3, tokenRejected: 1 } }).stats), ['requests', 'duration_ms', 'urls']);
});

test('How to fix says the check remediation once: the item advice is added only when it says something else', async () => {
  const { fixText, onceEach } = await import('./content.js');
  const general = 'Turn off debug mode in production, answer errors with a generic page and log details server-side, and remove version numbers from banners.';
  const near = 'Turn off debug mode in production, handle errors with a generic error page, and remove version numbers from Server and X-Powered-By banners.';
  assert.equal(fixText(near, general), near);
  assert.equal(fixText('Use parameterised queries.', general), `Use parameterised queries. ${general}`);
  assert.equal(fixText(undefined, general), general);
  assert.equal(onceEach('a\na\nb\n\n\nb'), 'a\nb\n\n\nb');
});
