import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn } from '../../test/testbed/check-harness.js';
import { ssrf, meta } from './ssrf.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(ssrf, meta, { id: 'ssrf', item: 'SSRF', cwe: 918 }));

test('OAST hits prove the previewer and the blind webhook; the internal-only reader is tentative with content', async () => {
  const run = await runCheckOn(ssrf, `${tb.url}/ssrf/`);
  const found = new Map(run.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...found.keys()].sort(), ['/ssrf/feed feed', '/ssrf/preview url', '/ssrf/webhook webhook']);
  const preview = found.get('/ssrf/preview url')!;
  assert.equal(preview.confidence, undefined, 'certain, from metadata');
  assert.match(preview.evidence.proof, /^GET \/o\/[0-9a-f]{24}\n/);
  assert.match(preview.evidence.proof, /query:url/);
  const hook = found.get('/ssrf/webhook webhook')!;
  assert.equal(hook.location, 'body');
  assert.match(hook.evidence.proof, /body:webhook/);
  const feed = found.get('/ssrf/feed feed')!;
  assert.equal(feed.confidence, 'tentative');
  assert.match(feed.payload!, /^http:\/\/127\.0\.0\.1:\d+\/ssrf\/$/);
  assert.match(feed.evidence.proof, /^URL tools\n/);
  // the internal addresses are only ever values: the scanner itself sent nothing to them
  for (const s of run.sent) assert.ok(s.url.startsWith(tb.url), s.url);
});

test('safe twin: an exact-URL allowlist and a page that only shows the URL yield nothing', async () => {
  const run = await runCheckOn(ssrf, `${tb.url}/ssrf-safe/`);
  assert.ok(run.sent.some((s) => s.url.includes('/ssrf-safe/preview?url=')), 'the twin was probed');
  assert.deepEqual(run.findings, []);
});

test('stays within its request budget', async () => {
  for (const path of ['/ssrf/', '/ssrf-safe/']) {
    const run = await runCheckOn(ssrf, `${tb.url}${path}`);
    const targets = Math.max(1, run.requests.length, run.pages.length);
    assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  }
});
