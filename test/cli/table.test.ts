import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayWidth, renderTable, truncate } from '../../src/cli/table.js';

test('wide characters count two cells, so Korean memos line up', () => {
  assert.equal(displayWidth('abc'), 3);
  assert.equal(displayWidth('감사'), 4);
  const out = renderTable(['ID', 'MEMO', 'X'], [['1', '감사', 'a'], ['22', 'ab', 'b']]);
  assert.equal(out, 'ID  MEMO  X\n1   감사  a\n22  ab    b\n');
});

test('long cells are truncated, control characters escaped, nulls empty', () => {
  assert.equal(truncate('abcdefghij', 5), 'abcd…');
  assert.equal(truncate('감사합니다', 5), '감사…');
  const out = renderTable(['A', 'B'], [['x'.repeat(10), 'line\nbreak'], [null, 3]], { maxColumnWidth: 6 });
  assert.equal(out, 'A       B\nxxxxx…  line\\…\n        3\n');
});

test('combining marks, decomposed Hangul and variation selectors take no cell of their own', () => {
  // "한" as initial + medial + final jamo is one wide syllable; "é" as e + U+0301 is one cell
  assert.equal(displayWidth('\u1112\u1161\u11ab'), 2);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(displayWidth('\u2764\ufe0f'), 1);
  const out = renderTable(['MEMO', 'X'], [['e\u0301t\u00e9', 'a'], ['\u1112\u1161\u11ab\uae00', 'b'], ['abcd', 'c']]);
  assert.equal(out, 'MEMO  X\ne\u0301t\u00e9   a\n\u1112\u1161\u11ab\uae00  b\nabcd  c\n');
});
