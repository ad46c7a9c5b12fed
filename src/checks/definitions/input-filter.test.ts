import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpExchange } from '../../core/model.js';
import { isRefusal, learnFilter, LETTERS, profileOf } from './input-filter.js';

function ex(status: number, body: string): HttpExchange {
  return {
    request: { method: 'GET', url: 'http://127.0.0.1/x' },
    response: { status, headers: {}, rawHeaders: [], body, bytes: body.length, truncated: false, timeMs: 1, url: 'http://127.0.0.1/x', redirects: [] },
  } as HttpExchange;
}

test('a refusal is a 4xx or "bad input" words the normal answer lacks; a 500 is not one', () => {
  const base = ex(200, '<p>ok</p>');
  assert.equal(isRefusal(ex(400, 'bad input'), base), true);
  assert.equal(isRefusal(ex(200, '<p>Invalid characters in name</p>'), base), true);
  assert.equal(isRefusal(ex(500, 'syntax error'), base), false);
  assert.equal(isRefusal(ex(400, 'bad input'), ex(400, 'bad input')), false, 'refused like the baseline: nothing learnt');
  assert.equal(isRefusal(ex(200, 'Scripts are not allowed in comments'), null), false, 'without a baseline, words are not enough');
});

test('learns refused tokens one by one after a refused probe, and pairs that must balance', async () => {
  // a filter refusing AND, spaces and odd quotes, as a page would
  const send = async (v: string): Promise<HttpExchange> => (/\bAND\b|\s/i.test(v) || (v.split("'").length - 1) % 2 === 1 ? ex(400, 'bad input') : ex(200, '<p>fine</p>'));
  const p = await learnFilter(send, 'alice', ["'", "''", ' ', 'AND', '||'], ex(200, '<p>fine</p>'), { reflections: false });
  assert.equal(p.filtered, true);
  assert.equal(p.fates.get('AND'), 'rejected');
  assert.equal(p.fates.get("'"), 'rejected');
  assert.equal(p.fates.get("''"), 'raw');
  assert.equal(p.passes("ali'||'ce"), true, 'balanced quotes, no keyword, no space');
  assert.equal(p.passes("alice' AND '1'='1"), false);
  assert.equal(p.passes("alice'"), false);
  assert.match(p.describe(), /refuses spaces AND/);
  assert.match(p.describe(), /accepts '' only in pairs/);
});

test('reads reflections: raw, encoded and stripped tokens; an unfiltered point passes everything', async () => {
  const send = async (v: string): Promise<HttpExchange> => ex(200, `<p>${v.replace(/</g, '&lt;').replace(/onmouseover=/g, '')}</p>`);
  const p = await learnFilter(send, '', ['<', '"', 'onmouseover='], null);
  assert.equal(p.fates.get('<'), 'encoded');
  assert.equal(p.fates.get('"'), 'raw');
  assert.equal(p.fates.get('onmouseover='), 'stripped');
  assert.equal(p.passes('" OnMouseOver=x(1)'), true);
  assert.equal(p.passes('<b>'), false);
  const open = await learnFilter(async (v) => ex(200, v), '', ['<'], null, { reflections: false });
  assert.equal(open.filtered, false);
  assert.equal(open.passes("<'\"()"), true);
});

test('letters stand for any letter; a requirement is fitted onto payloads', () => {
  const p = profileOf(new Map([[LETTERS, 'rejected']]), true, { name: 'markup', test: /<[a-z][^>]*>/i, pad: '<b></b>' });
  assert.equal(p.passes("'-[1][+[]]-'<b></b>"), false, 'the pad itself holds letters');
  const q = profileOf(new Map([[LETTERS, 'rejected']]), true);
  assert.equal(q.passes("'-[123][+[]]-'"), true);
  assert.equal(q.passes("'-x(1)-'"), false);
  assert.equal(p.fit('x'), 'x<b></b>');
});
