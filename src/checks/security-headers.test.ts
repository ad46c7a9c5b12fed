import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import { meta, securityHeaders } from './security-headers.js';

let tb: Testbed;
let vuln: CheckRun;
before(async () => {
  tb = await startTestbed();
  vuln = await runCheckOn(securityHeaders, `${tb.url}/headers/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(securityHeaders, meta, { id: 'security-headers', item: 'Security Headers', cwe: 693 }));

test('missing headers once per origin on the StartUrl page; each weak value on its own page', () => {
  const got = vuln.findings.map((f) => `${new URL(f.url).pathname} ${f.parameter} ${String(f.extra?.kind)}`).sort();
  assert.deepEqual(got, [
    '/headers/ Content-Security-Policy missing',
    '/headers/ Referrer-Policy missing',
    '/headers/ X-Content-Type-Options missing',
    '/headers/ X-Frame-Options missing',
    '/headers/allow-from X-Frame-Options weak',
    '/headers/framed Content-Security-Policy weak',
    '/headers/inline Content-Security-Policy weak',
    '/headers/referrer Referrer-Policy weak',
  ]);
  const inline = vuln.findings.find((f) => f.url.endsWith('/headers/inline'))!;
  assert.match(inline.evidence.proof, /unsafe-inline/);
  assert.match(inline.evidence.response, /content-security-policy: default-src/i);
  const missing = vuln.findings.find((f) => f.url.endsWith('/headers/') && f.parameter === 'Content-Security-Policy')!;
  // the crawl also reads robots.txt and sitemap pages of the same origin, which lack them too
  assert.ok(Number(missing.extra?.pages) >= 1);
});

test('safe twin: strict headers, a nonce beside unsafe-inline, a meta CSP, a referrer fallback list yield nothing', async () => {
  const run = await runCheckOn(securityHeaders, `${tb.url}/headers-safe/`);
  assert.ok(run.pages.filter((p) => p.request.url.includes('/headers-safe/')).length >= 4, 'the twins were crawled');
  // robots.txt and sitemap pages of the origin (crawled too) send no headers: their findings sit there
  const onTwins = run.findings.filter((f) => new URL(f.url).pathname.startsWith('/headers-safe/'));
  assert.deepEqual(onTwins.map((f) => `${f.url} ${f.parameter} ${f.evidence.proof}`), []);
  for (const f of run.findings) assert.ok(!(f.extra?.samples as string[]).some((u) => u.includes('/headers-safe/')), f.evidence.proof);
});

test('stays within its request budget: passive, it sends nothing', () => {
  assert.equal(vuln.sent.length, 0);
});
