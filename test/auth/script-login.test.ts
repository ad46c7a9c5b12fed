// A scripted login in the browser engine: the login page's form has no action and only its script
// completes the login (a JSON call, a cookie set by the script, a navigation). The steps run in
// Chromium, every request answered through the scan's session, and the scan then finds the flaws
// behind the login and logs in again when the session expires.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runScan } from '../../src/cli/commands/scan.js';
import { findChromium } from '../../src/engine/browser/chromium.js';
import type { JsonReport } from '../../src/report/json.js';
import { startFormApp, type App } from '../testbed/auth-app.js';
import { memoryIo } from './io.js';

let app: App;
let dir: string;
before(async () => {
  app = await startFormApp({ sessionRequests: 30, loginPage: '/js-login' });
  dir = mkdtempSync(join(tmpdir(), 'wsc-script-'));
});
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const script = (url: string, password: string): string => `type: script
username: alice
password: ${password}
steps:
  - goto: ${url}/js-login
  - fill: '#u'
    value: '{{username}}'
  - fill: '#p'
    value: '{{password}}'
  - click: '#go'
  - waitForUrl: '/home$'
`;

test('browser steps log in where only JavaScript can, and re-log in when the session expires', async (t) => {
  const chromium = await findChromium();
  if (!chromium.ok) return t.skip(`no Chromium: ${chromium.reason}`);
  const file = join(dir, 'script.yaml');
  writeFileSync(file, script(app.url, 'correct horse 9'));
  const io = memoryIo();
  const run = await runScan({ url: `${app.url}/`, items: 'XSS,Directory Listing', auth: file, speed: '2', maxDuration: 90, tty: false, failOn: 'none' }, io);
  assert.equal(run.exitCode, 0, io.err());
  const found = new Set((JSON.parse(io.out()) as JsonReport).findings.map((f) => `${f.item} ${new URL(f.url).pathname}`));
  assert.ok(found.has('XSS /account/search') && found.has('Directory Listing /account/files/'), [...found].join(', '));
  assert.ok((run.result?.stats.relogins ?? 0) >= 1, JSON.stringify(run.result?.stats));
  assert.ok(app.hits.includes('POST /api/session'));
  assert.match(io.err(), /logged-in indicator a logout link \(\/logout\) \(proposed by wsc/);
  assert.ok(!app.hits.some((h) => /logout|change-password/.test(h)));
  assert.doesNotMatch(io.out() + io.err(), /correct horse 9/);
});

test('a scripted login that does not log in fails the scan, naming the step or the page', async (t) => {
  const chromium = await findChromium();
  if (!chromium.ok) return t.skip(`no Chromium: ${chromium.reason}`);
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, script(app.url, 'wrong-password').replace("waitForUrl: '/home$'", 'waitFor: "#nothing-here"') + 'stepTimeoutMs: 1500\n');
  const io = memoryIo();
  assert.equal((await runScan({ url: `${app.url}/`, items: 'XSS', auth: file, tty: false, failOn: 'none' }, io)).exitCode, 3);
  assert.match(io.err(), /login failed: step 5 \(waitFor #nothing-here\) failed/);
  const io2 = memoryIo();
  writeFileSync(file, 'type: script\nsteps:\n  - click: "#go"\n');
  assert.equal((await runScan({ url: `${app.url}/`, auth: file, tty: false, failOn: 'none' }, io2)).exitCode, 3);
  assert.match(io2.err(), /steps: the first step must be a goto/);
});
