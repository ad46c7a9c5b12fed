import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXTENSION_ITEMS, SCAN_ITEMS, VULN_ITEMS, resolveVulnItems } from './items.js';

test("NCP's words mean what they mean on NCP: ALL is the 21, alone among NCP words", () => {
  assert.equal(VULN_ITEMS.length, 21);
  assert.deepEqual(resolveVulnItems(['ALL']), [...VULN_ITEMS]);
  assert.deepEqual(resolveVulnItems(['XSS', 'LFI', 'XSS']), ['LFI', 'XSS']);
  for (const bad of [['ALL', 'XSS'], ['ALL', 'ALL'], [], ['Nope'], [1], 'ALL', ['all'], ['Extended']]) assert.equal(resolveVulnItems(bad), null, JSON.stringify(bad));
});

test('extension words: EXTENDED adds every extension item, each may be named, with ALL or any list', () => {
  assert.deepEqual(resolveVulnItems(['EXTENDED']), [...EXTENSION_ITEMS]);
  assert.deepEqual(resolveVulnItems(['ALL', 'EXTENDED']), [...SCAN_ITEMS]);
  assert.deepEqual(resolveVulnItems(['EXTENDED', 'ALL']), [...SCAN_ITEMS]);
  assert.deepEqual(resolveVulnItems(['ALL', 'CSRF']), [...VULN_ITEMS, 'CSRF']);
  assert.deepEqual(resolveVulnItems(['SSTI', 'XSS', 'CORS']), ['XSS', 'CORS', 'SSTI']);
  assert.equal(new Set(SCAN_ITEMS).size, 30);
});
