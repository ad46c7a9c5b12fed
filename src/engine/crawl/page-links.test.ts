import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fetchHash } from './normalize.js';
import { pageLinks } from './page-links.js';

test('links, forms, scripts: resolved against <base>, with their seen-set keys', () => {
  const r = pageLinks(
    'html',
    `<base href="/docs/"><a href="a">A</a><a href="mailto:x@y">m</a><form action="find"><input name="q" value="1"></form>
<form method=post action="/save"><input name="n"></form><script src="s.js"></script><script>fetch('/api/x')</script>`,
    'http://127.0.0.1:1/start',
  );
  assert.equal(r.base, 'http://127.0.0.1:1/docs/');
  assert.deepEqual(
    r.candidates.map((c) => `${c.method} ${c.url} ${c.source}`),
    ['GET http://127.0.0.1:1/docs/a link', 'GET http://127.0.0.1:1/docs/find?q=1 form', 'POST http://127.0.0.1:1/save form', 'GET http://127.0.0.1:1/api/x script'],
  );
  assert.equal(r.candidates[0]?.seenKey, fetchHash('GET', new URL('http://127.0.0.1:1/docs/a')));
  assert.equal(r.candidates[2]?.seenKey, undefined, 'a POST target has fields: no plain seen key');
  assert.deepEqual(r.scripts, ['http://127.0.0.1:1/docs/s.js']);
});

test('known raw keys skip links before they are parsed; "//host" and "/\\\\host" are never taken for paths', () => {
  const page = '<a href="/x">1</a><a href="/x">2</a><a href="//evil.example/x">3</a><a href="/\\evil.example/x">4</a>';
  const first = pageLinks('html', page, 'http://127.0.0.1:1/', () => false);
  const keys = first.candidates.map((c) => c.rawKey);
  assert.equal(keys[0], keys[1], 'the same href against the same origin');
  assert.notEqual(keys[2], keys[0]);
  assert.notEqual(keys[3], keys[0]);
  const seen = new Set([keys[0]]);
  const again = pageLinks('html', page, 'http://127.0.0.1:1/other/', (k) => seen.has(k));
  assert.deepEqual(again.candidates.map((c) => c.url), ['http://evil.example/x', 'http://evil.example/x']);
  // another origin: the same path-absolute href is another URL
  const elsewhere = pageLinks('html', page, 'http://127.0.0.1:2/', (k) => seen.has(k));
  assert.equal(elsewhere.candidates.length, 4);
});

test('a page yields at most maxCandidates links', () => {
  let page = '';
  for (let i = 0; i < 5000; i++) page += `<a href="/l/${i}">${i}</a>`;
  assert.equal(pageLinks('html', page, 'http://127.0.0.1:1/', undefined, 300).candidates.length, 300);
  assert.equal(pageLinks('html', page, 'http://127.0.0.1:1/').candidates.length, 5000);
});
