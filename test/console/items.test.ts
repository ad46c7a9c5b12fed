// The console's copy of the createJob words (src/api/console/js/items.js, a browser module with no
// build step) is the server's: items, user agents and statuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXTENSION_ITEMS, USER_AGENTS, VULN_ITEMS } from '../../src/core/items.js';
import { STATUS_TEXT, FINAL_STATUSES } from '../../src/core/status.js';
import { limitsSchema } from '../../src/api/schemas.js';

test('the console lists exactly the server’s items, user agents, statuses and limits', async () => {
  const ui = await import(new URL('../../src/api/console/js/items.js', import.meta.url).href);
  assert.deepEqual(ui.VULN_ITEMS, [...VULN_ITEMS]);
  assert.deepEqual(ui.EXTENSION_ITEMS, [...EXTENSION_ITEMS]);
  assert.deepEqual(ui.USER_AGENTS, Object.keys(USER_AGENTS));
  assert.deepEqual(Object.fromEntries(ui.STATUSES), STATUS_TEXT);
  assert.deepEqual([...ui.FINAL_STATUS_TEXTS].sort(), FINAL_STATUSES.map((s) => STATUS_TEXT[s]).sort());
  assert.deepEqual(ui.LIMITS.map((l: [string, string]) => l[0]).sort(), Object.keys(limitsSchema.shape).sort());
});
