import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEEP_DEFLATE_CHARS, keptResponse } from './kept-page.js';
import type { HttpResponseData } from '../../core/model.js';

const answer = (body: string): HttpResponseData => ({ status: 200, headers: { 'content-type': 'text/html' }, rawHeaders: [['Content-Type', 'text/html']], body, bytes: body.length, truncated: false, timeMs: 3, url: 'http://127.0.0.1/p', redirects: [] });

test('a large body is kept deflated and reads back the same, through spreads, JSON and structured clones', () => {
  const body = '<!doctype html><p>é ✓ ' + 'Lorem ipsum dolor sit amet. '.repeat(2000) + '</p>';
  assert.ok(body.length >= KEEP_DEFLATE_CHARS);
  const kept = keptResponse(answer(body));
  assert.notEqual(Object.getOwnPropertyDescriptor(kept, 'body')?.get, undefined, 'kept behind a getter');
  assert.equal(kept.body, body);
  assert.equal({ ...kept }.body, body);
  assert.equal((JSON.parse(JSON.stringify(kept)) as HttpResponseData).body, body);
  assert.equal(structuredClone(kept).body, body);
  assert.equal(kept.status, 200);
  assert.deepEqual(kept.rawHeaders, [['Content-Type', 'text/html']]);
  // many pages read in turn (more than the recent-bodies cache holds) all come back whole
  const many = Array.from({ length: 40 }, (_, i) => keptResponse(answer(body + i)));
  for (let round = 0; round < 2; round++) many.forEach((k, i) => assert.equal(k.body, body + i));
});

test('a small body is kept as it is', () => {
  const res = answer('<p>short</p>');
  assert.equal(keptResponse(res), res);
});
