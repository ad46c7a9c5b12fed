// An authenticated scan with only --login-url/--username/--password: the login form is found and
// submitted with its fresh anti-CSRF token, the logged-in indicator proposed, sessions that expire
// mid-scan are noticed and re-established, every flaw behind the login is found, and the logout and
// change-password pages are never requested. The password never appears in the report or the output.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runScan } from '../../src/cli/commands/scan.js';
import type { JsonReport } from '../../src/report/json.js';
import { startFormApp, type App } from '../testbed/auth-app.js';
import { memoryIo } from './io.js';

let app: App;
before(async () => {
  app = await startFormApp({ sessionRequests: 25, password: 'correct horse 9' });
});
after(async () => {
  await app.close();
});

test('form login with rotating CSRF token and expiring sessions finds every case behind the login', async () => {
  const io = memoryIo();
  const run = await runScan(
    { url: `${app.url}/`, items: 'XSS,SQL Injection,Directory Listing', loginUrl: `${app.url}/login`, username: 'alice', password: 'correct horse 9', speed: '3', maxDuration: 60, timeout: 5, tty: false, failOn: 'none' },
    io,
  );
  assert.equal(run.exitCode, 0, io.err());
  const report = JSON.parse(io.out()) as JsonReport;
  const found = new Set(report.findings.map((f) => `${f.item} ${new URL(f.url).pathname}`));
  assert.ok(found.has('XSS /account/search'), [...found].join(', '));
  assert.ok(found.has('SQL Injection /account/item'), [...found].join(', '));
  assert.ok(found.has('Directory Listing /account/files/'), [...found].join(', '));
  const stats = run.result?.stats;
  assert.ok(stats !== undefined);
  assert.ok((stats.relogins ?? 0) >= 1, `relogins ${stats.relogins}`);
  assert.equal(stats.logins, (stats.relogins ?? 0) + 1 - (stats.authFailures ?? 0));
  assert.equal(app.logins, stats.logins);
  assert.match(io.err(), /logged-in indicator a logout link \(\/logout\) \(proposed by wsc/);
  assert.match(io.err(), /\d+ logins \(\d+ re-logins?\)/);
  // never requested: the session-ending pages
  assert.ok(!app.hits.some((h) => /logout|change-password/.test(h)), app.hits.filter((h) => /logout|change-password/.test(h)).join('\n'));
  assert.doesNotMatch(io.out() + io.err(), /correct horse 9|correct\+horse\+9|correct%20horse%209/);
});

test('a wrong password fails the scan with a clear cause', async () => {
  const io = memoryIo();
  const run = await runScan({ url: `${app.url}/`, items: 'XSS', loginUrl: `${app.url}/login`, username: 'alice', password: 'wrong-password', speed: '3', tty: false, failOn: 'none' }, io);
  assert.equal(run.exitCode, 3);
  assert.match(io.err(), /login failed: the login at .*\/login did not succeed/);
  assert.doesNotMatch(io.err(), /wrong-password/);
});

test('bad login flags exit 2 with the reason', async () => {
  const a = memoryIo();
  assert.equal((await runScan({ url: `${app.url}/`, loginUrl: `${app.url}/login`, username: 'alice' }, a)).exitCode, 3);
  assert.match(a.err(), /--login-url needs --username and --password/);
  const b = memoryIo();
  assert.equal((await runScan({ url: `${app.url}/`, loginUrl: 'ftp://x/', username: 'a', password: 'b' }, b)).exitCode, 3);
  assert.match(b.err(), /loginUrl: must be an absolute http\(s\) URL/);
  const c = memoryIo();
  assert.equal((await runScan({ url: `${app.url}/`, loginUrl: 'http://example.com/login', username: 'a', password: 'b' }, c)).exitCode, 3);
  assert.match(c.err(), /not a loopback address/);
  const d = memoryIo({ WSC_LOGIN_PASSWORD: 'correct horse 9' });
  const ok = await runScan({ url: `${app.url}/about`, items: 'Directory Listing', loginUrl: `${app.url}/login`, username: 'alice', maxDepth: 0, tty: false, failOn: 'none' }, d);
  assert.equal(ok.exitCode, 0, d.err());
});
