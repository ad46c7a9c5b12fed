import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashSet53 } from './hash-set.js';
import { hash53 } from './normalize.js';

test('HashSet53 agrees with a Set over many hashes, through growth, including 0', () => {
  const ours = new HashSet53();
  const ref = new Set<number>();
  for (let i = 0; i < 50_000; i++) {
    const k = i % 7 === 0 ? hash53(String(i % 1000)) : hash53(`u${i}`);
    assert.equal(ours.add(k), !ref.has(k));
    ref.add(k);
  }
  assert.equal(ours.add(0), true);
  assert.equal(ours.add(0), false);
  ref.add(0);
  assert.equal(ours.size, ref.size);
  for (const k of ref) assert.ok(ours.has(k));
  for (let i = 0; i < 5_000; i++) assert.equal(ours.has(hash53(`miss${i}`)), ref.has(hash53(`miss${i}`)));
});

test('keys that share their low 32 bits are still told apart', () => {
  const s = new HashSet53();
  const low = 12345;
  for (let hi = 1; hi < 100; hi++) s.add(hi * 4294967296 + low);
  for (let hi = 1; hi < 100; hi++) assert.ok(s.has(hi * 4294967296 + low));
  assert.ok(!s.has(low));
  assert.equal(s.size, 99);
});
