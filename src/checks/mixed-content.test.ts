import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckOn } from '../../test/testbed/check-harness.js';
import { MIXED_PAGES } from '../../test/testbed/routes/mixed.js';
import { notFoundPage } from '../../test/testbed/server.js';
import { isVulnItem } from '../core/items.js';
import { findMixedContent, meta, mixedContent } from './mixed-content.js';

// The plain-HTTP origin the insecure references point at; it is never contacted (the check is passive).
const HTTP_ORIGIN = 'http://127.0.0.1:9';
let server: Server;
let base: string;
let dir: string;

before(async () => {
  // A self-signed certificate made for this run only, as a scanned test site would have.
  dir = mkdtempSync(join(tmpdir(), 'wsc-mixed-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    const page = MIXED_PAGES[path];
    if (!page) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(notFoundPage(path));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...page.headers });
    res.end(page.html.replaceAll('{{http}}', HTTP_ORIGIN));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test('metadata and the parser', () => {
  assert.equal(meta.id, 'mixed-content');
  assert.equal(meta.item, 'Mixed Content');
  assert.ok(isVulnItem(meta.item));
  assert.ok(meta.remediation.length > 20 && meta.references.length > 0);
  assert.equal(mixedContent.meta, meta);
  const refs = findMixedContent('<IMG SRC="HTTP://a.test/x.png"><a href="http://a.test/">x</a><script src="//a.test/s.js"></script>', 'https://site.test/');
  assert.deepEqual(refs.map((r) => [r.cls, r.tag, r.url]), [['passive', 'img', 'http://a.test/x.png']]);
});

test('on a self-signed HTTPS site: active, passive and form mixed content with the right severities', async () => {
  const run = await runCheckOn(mixedContent, `${base}/mixed/`);
  const got = run.findings.map((f) => `${new URL(f.url).pathname} ${f.extra?.class} ${f.severity}`).sort();
  const expected = Object.entries(MIXED_PAGES)
    .filter(([p]) => p.startsWith('/mixed/'))
    .flatMap(([p, page]) => page.expect.map((c) => `${p} ${c} ${c === 'passive' ? 'low' : c === 'form' || p === '/mixed/styled' ? 'medium' : 'high'}`))
    .sort();
  assert.deepEqual(got, expected);
  const checkout = run.findings.find((f) => f.extra?.class === 'active' && f.url.endsWith('/mixed/checkout'))!;
  assert.match(checkout.evidence.proof, /^<script src="http:\/\/127\.0\.0\.1:9\/static\/pay\.js">\n/);
  assert.match(checkout.evidence.request, /^GET \/mixed\/checkout HTTP\/1\.1/);
  const gallery = run.findings.find((f) => f.extra?.class === 'passive')!;
  assert.deepEqual(gallery.extra?.urls, [`${HTTP_ORIGIN}/img/a.png`, `${HTTP_ORIGIN}/img/b@2x.png`, `${HTTP_ORIGIN}/img/poster.jpg`]);
  const based = run.findings.find((f) => f.url.endsWith('/mixed/based'))!;
  assert.deepEqual(based.extra?.urls, [`${HTTP_ORIGIN}/mixed/widgets/frame.html`]);
});

test('safe twin: https, relative and protocol-relative loads, mere mentions and upgraded pages yield nothing', async () => {
  const run = await runCheckOn(mixedContent, `${base}/mixed-safe/`);
  assert.equal(run.pages.filter((p) => p.request.url.includes('/mixed-safe/')).length, 4, 'all pages crawled over https');
  assert.deepEqual(run.findings, []);
});

test('stays within its request budget (it sends nothing)', async () => {
  const run = await runCheckOn(mixedContent, `${base}/mixed/`);
  assert.equal(run.sent.length, 0);
  assert.ok(run.sent.length <= meta.requestBudget * Math.max(1, run.requests.length, run.pages.length));
});
