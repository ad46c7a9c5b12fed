import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inlineExtractor, workerExtractor } from './extractor.js';
import { pageLinks } from './page-links.js';

const PAGE = `<base href="/docs/"><a href="intro">Intro</a><a href="/x?b=2&a=1">X</a>
<form action="search"><input name="q" value="hi"></form>
<form method="post" enctype="multipart/form-data" action="/upload"><input type="file" name="f"></form>
<script src="app.js"></script><script>fetch('/api/items', { method: 'POST', body: JSON.stringify({ a: 1 }) })</script>`;

test('a worker thread reads pages exactly as the calling thread does, many at once', async () => {
  const ex = workerExtractor(1, 0);
  assert.equal(ex.threads, 1);
  const jobs = Array.from({ length: 300 }, (_, i) => ({ kind: 'html' as const, body: PAGE + `<a href="/p${i}">p</a>`, pageUrl: `http://127.0.0.1:1/page${i}` }));
  const got = await Promise.all(jobs.map((j) => ex.extract(j)));
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i]!;
    assert.deepEqual(got[i], pageLinks(j.kind, j.body, j.pageUrl));
  }
  const js = await ex.extract({ kind: 'js', body: "axios.get('/api/v2/users')", pageUrl: 'http://127.0.0.1:1/app.js' });
  assert.deepEqual(js.candidates.map((c) => c.url), ['http://127.0.0.1:1/api/v2/users']);
});

test('a thread that cannot run costs no page: the caller reads it itself', async () => {
  const ex = workerExtractor(1, 0, new URL('./no-such-worker.js', import.meta.url));
  const r = await ex.extract({ kind: 'html', body: PAGE, pageUrl: 'http://127.0.0.1:1/' });
  assert.deepEqual(r, pageLinks('html', PAGE, 'http://127.0.0.1:1/'));
});

test('the inline extractor keeps every page on the calling thread', async () => {
  assert.equal(inlineExtractor.threads, 0);
  assert.equal(inlineExtractor.minChars, Infinity);
  assert.deepEqual(await inlineExtractor.extract({ kind: 'html', body: PAGE, pageUrl: 'http://127.0.0.1:1/' }), pageLinks('html', PAGE, 'http://127.0.0.1:1/'));
});

test('an idle extraction thread does not keep the process alive; a busy one does', () => {
  const mod = fileURLToPath(new URL('./extractor.ts', import.meta.url));
  // the page is read, its answer printed, and then the process must end by itself
  const script = `const { workerExtractor } = await import(${JSON.stringify(mod)});
const r = await workerExtractor(1, 0).extract({ kind: 'html', body: '<a href="/a">a</a>', pageUrl: 'http://127.0.0.1:1/' });
console.log(r.candidates.length);`;
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '1');
  assert.ok(Date.now() - started < 20_000);
});
