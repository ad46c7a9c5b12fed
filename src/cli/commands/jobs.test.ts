import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { parseItems } from './jobs.js';

test('jobs create --items: words in any case and spacing, as the API spells them; a bad word is named with the list', () => {
  assert.deepEqual(parseItems('all'), ['ALL']);
  assert.deepEqual(parseItems('sql injection, xss ,Insecure ssl/tls'), ['SQL Injection', 'XSS', 'Insecure SSL/TLS']);
  assert.deepEqual(parseItems('SQL  INJECTION'), ['SQL Injection']);
  assert.throws(
    () => parseItems('XSS,SQLi'),
    (err: unknown) => err instanceof UsageError && /not one: "SQLi"/.test(err.message) && /The words \(any case\): LFI, SQL Injection, XSS/.test(err.message),
  );
  assert.throws(() => parseItems('ALL,XSS'), /ALL combines only with EXTENDED and extension items/);
});
