// Bearer tokens from an OAuth2 client-credentials endpoint whose tokens live 60 s of a clock the test
// controls: with wsc on its own clock the tokens die under it (401), and it fetches new ones and
// retries; with wsc reading the same clock it renews each token before it expires and never sees a
// 401. Either way every flaw behind the token is found, and the client secret and tokens stay out
// of the report.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runScan } from '../../src/cli/commands/scan.js';
import { runEngine } from '../../src/engine/engine.js';
import type { Finding } from '../../src/core/model.js';
import type { JsonReport } from '../../src/report/json.js';
import { startTokenApi, type ApiApp } from '../testbed/auth-app.js';
import { memoryIo } from './io.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'wsc-auth-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const where = (fs: Finding[]): Set<string> => new Set(fs.map((f) => `${f.item} ${new URL(f.url).pathname}`));

test('tokens expiring on the API clock: 401s lead to new tokens and retries, the re-logins counted', async () => {
  const api: ApiApp = await startTokenApi({ secondsPerRequest: 5 });
  try {
    const file = join(dir, 'auth.yaml');
    writeFileSync(file, `type: token\ntokenUrl: ${api.url}/oauth/token\ngrant: client_credentials\nclientId: scanner\nclientSecret: s3cret-client-key\n`);
    const io = memoryIo();
    const run = await runScan({ url: `${api.url}/`, items: 'SQL Injection,XSS', auth: file, speed: '2', maxDuration: 60, timeout: 5, tty: false, failOn: 'none' }, io);
    assert.equal(run.exitCode, 0, io.err());
    const report = JSON.parse(io.out()) as JsonReport;
    const found = where(report.findings);
    assert.ok(found.has('SQL Injection /api/items'), [...found].join(', '));
    assert.ok(found.has('XSS /api/echo'), [...found].join(', '));
    const stats = run.result?.stats;
    assert.ok((stats?.relogins ?? 0) >= 1, JSON.stringify(stats));
    assert.equal(api.logins, stats?.logins);
    assert.doesNotMatch(io.out() + io.err(), /s3cret-client-key/);
    assert.match(io.err(), /re-logins?\)/);
  } finally {
    await api.close();
  }
});

test('with the same clock, each token is renewed before it expires and no request is refused', async () => {
  const api: ApiApp = await startTokenApi({ secondsPerRequest: 2 });
  try {
    const logs: string[] = [];
    const result = await runEngine(
      {
        startUrl: `${api.url}/`,
        excludeUrls: [],
        headers: {},
        userAgent: 'PC Chrome',
        speed: '1',
        items: ['SQL Injection'],
        limits: { maxDurationMs: 60_000 },
        auth: { type: 'token', tokenUrl: `${api.url}/oauth/token`, grant: 'client_credentials', clientId: 'scanner', clientSecret: 's3cret-client-key' },
      },
      { log: (_l, m) => logs.push(m) },
      new AbortController().signal,
      { now: () => api.clock.now * 1000 },
    );
    assert.ok(where(result.findings).has('SQL Injection /api/items'));
    assert.ok((result.stats.authRefreshes ?? 0) >= 2, JSON.stringify(result.stats));
    assert.equal(result.stats.relogins, 0, JSON.stringify(result.stats));
    assert.equal(api.logins, (result.stats.authRefreshes ?? 0) + 1);
    assert.ok(!logs.some((l) => l.includes('s3cret-client-key')));
  } finally {
    await api.close();
  }
});

test('a refused client fails the scan; a token answer without a token says where it looked', async () => {
  const api: ApiApp = await startTokenApi();
  try {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ type: 'token', tokenUrl: `${api.url}/oauth/token`, grant: 'client_credentials', clientId: 'scanner', clientSecret: 'nope-wrong' }));
    const io = memoryIo();
    assert.equal((await runScan({ url: `${api.url}/`, items: 'XSS', auth: file, tty: false, failOn: 'none' }, io)).exitCode, 3);
    assert.match(io.err(), /login failed: the token endpoint .* answered 401/);
    const io2 = memoryIo();
    writeFileSync(file, JSON.stringify({ type: 'token', tokenUrl: `${api.url}/`, grant: 'json', body: { user: 'x' } }));
    assert.equal((await runScan({ url: `${api.url}/`, items: 'XSS', auth: file, tty: false, failOn: 'none' }, io2)).exitCode, 3);
    assert.match(io2.err(), /login failed: .*(did not answer JSON|answered 404)/);
    const io3 = memoryIo();
    writeFileSync(file, JSON.stringify({ type: 'token', grant: 'client_credentials', tokenUrl: `${api.url}/oauth/token` }));
    assert.equal((await runScan({ url: `${api.url}/`, auth: file, tty: false, failOn: 'none' }, io3)).exitCode, 3);
    assert.match(io3.err(), /clientId: client_credentials needs clientId/);
  } finally {
    await api.close();
  }
});
