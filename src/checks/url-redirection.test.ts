import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn } from '../../test/testbed/check-harness.js';
import type { HttpResponseData } from '../core/model.js';
import { meta, redirectTargets, urlRedirection } from './url-redirection.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(urlRedirection, meta, { id: 'url-redirection', item: 'URL Redirection', cwe: 601 }));

test('redirect targets are parsed the way a browser parses them', () => {
  const res = (status: number, headers: Record<string, string>, body = ''): HttpResponseData => ({
    status, headers, rawHeaders: Object.entries(headers), body, bytes: body.length, truncated: false, timeMs: 1, url: 'http://a.test/x', redirects: [],
  });
  const hosts = (r: HttpResponseData): string[] => redirectTargets(r, 'http://a.test/x').map((t) => `${t.sink}:${t.host}`);
  assert.deepEqual(hosts(res(302, { location: '/\\evil.example/' })), ['Location header:evil.example']);
  assert.deepEqual(hosts(res(302, { location: 'https:evil.example' })), ['Location header:evil.example']);
  assert.deepEqual(hosts(res(200, { location: '//evil.example' })), [], 'a Location on a 200 sends nobody');
  const html = { 'content-type': 'text/html' };
  assert.deepEqual(hosts(res(200, html, `<meta http-equiv="Refresh" content="0;URL='//evil.example/'">`)), ['meta refresh:evil.example']);
  assert.deepEqual(hosts(res(200, html, `<script>location.replace("\\/\\/evil.example")</script>`)), ['script redirect:evil.example']);
  assert.deepEqual(hosts(res(200, html, `<script>var u = "//evil.example"; location.href = "/home" + u;</script>`)), []);
  assert.deepEqual(hosts(res(200, html, `<p>location.href = "//evil.example";</p>`)), [], 'text outside a script does not run');
  assert.deepEqual(hosts(res(200, html, `<script type="text/template">location.href = "//evil.example";</script>`)), [], 'a template does not run');
});

test('finds Location, meta refresh, script and filtered-path redirects with the marker host as proof', async () => {
  const run = await runCheckOn(urlRedirection, `${tb.url}/redirect/`);
  const found = new Map(run.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...found.keys()].sort(), ['/redirect/js returnTo', '/redirect/login next', '/redirect/meta url', '/redirect/naive goto']);
  const login = found.get('/redirect/login next')!;
  assert.equal(login.payload, `https://${(login.extra as { markerHost: string }).markerHost}/`);
  assert.match(login.evidence.proof, /Location header sends the browser to wsc-redirect-[0-9a-f]+\.example/);
  assert.match(login.evidence.response, /^HTTP\/1\.1 302/);
  assert.match(login.evidence.response, /location: https:\/\/wsc-redirect-/i);
  assert.equal(login.confidence, undefined, 'a Location header keeps the check confidence (certain)');
  assert.match(found.get('/redirect/meta url')!.evidence.proof, /meta refresh sends the browser/);
  assert.equal(found.get('/redirect/meta url')!.confidence, 'firm');
  assert.match(found.get('/redirect/js returnTo')!.evidence.proof, /script redirect sends the browser/);
  const naive = found.get('/redirect/naive goto')!;
  assert.match(naive.payload ?? '', /^\/\/wsc-redirect-[0-9a-f]+\.example\/$/, 'the "starts with /" filter falls to //host');
  // never followed: nothing went to the marker host
  assert.ok(run.sent.every((s) => new URL(s.url).hostname === '127.0.0.1'));
});

test('safe twins (allowlist, relative-only, checked script, link only) yield nothing', async () => {
  const run = await runCheckOn(urlRedirection, `${tb.url}/redirect/`);
  const safe = run.findings.filter((f) => new URL(f.url).pathname.startsWith('/redirect/safe/'));
  assert.deepEqual(safe, []);
  const probed = new Set(run.sent.map((s) => new URL(s.url).pathname));
  for (const p of ['/redirect/safe/allow', '/redirect/safe/relative', '/redirect/safe/js', '/redirect/safe/echo']) assert.ok(probed.has(p), `${p} was probed`);
});

test('stays within its request budget', async () => {
  const run = await runCheckOn(urlRedirection, `${tb.url}/redirect/`);
  const targets = Math.max(1, run.requests.length, run.pages.length);
  assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  // an unfiltered sink is proven by its first payload
  assert.equal(run.sent.filter((s) => new URL(s.url).pathname === '/redirect/login').length, 1);
});
