// The real `wsc` bin (spawned through tsx): `wsc serve` on port 0 with a temp data dir (SQLite),
// driven by `wsc jobs ...`, scanning real local sites: one that never answers in time, one that does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAIN, spawnWsc, tempDir } from './helpers.js';

const tmp = tempDir();
let serve: ChildProcess;
let serveOut = '';
let serveExit: Promise<number | null>;
let slowSite: Server;
let quickSite: Server;
let slowUrl = '';
let quickUrl = '';
// only the data dir: endpoint and keys come from <data>/credentials, written by `wsc serve`
const env: NodeJS.ProcessEnv = { WSC_DATA_DIR: tmp.dir };

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

before(async () => {
  // A home page linking 500 pages that each answer after 4 s (under the 10 s request timeout), so
  // the job stays in the crawl for minutes, however slow this machine is, until it is stopped.
  slowSite = createServer((req, res) => {
    if (req.url === '/') {
      const links = Array.from({ length: 500 }, (_, i) => `<a href="/p${i}">p${i}</a>`).join('');
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>${links}</body></html>`);
      return;
    }
    const t = setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>late</p>'), 4_000);
    res.on('close', () => clearTimeout(t));
  });
  quickSite = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html><body><h1>hello</h1></body></html>');
  });
  slowUrl = await listen(slowSite);
  quickUrl = await listen(quickSite);
  // the server runs in its own process, so the test can always kill it, whatever state it is in
  serve = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--data', tmp.dir], {
    env: { PATH: process.env.PATH, WSC_LOG_LEVEL: 'silent', WSC_MAX_CONCURRENT_JOBS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  serveExit = new Promise((r) => serve.on('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wsc serve did not start: ${serveOut}`)), 25_000);
    serve.stdout!.on('data', (d: Buffer) => {
      serveOut += d.toString();
      if (/wsc listening on http:\/\/\S+/.test(serveOut) && /secret key/.test(serveOut)) {
        clearTimeout(timer);
        resolve();
      }
    });
    serve.stderr!.on('data', (d: Buffer) => (serveOut += d.toString()));
    void serveExit.then((code) => reject(new Error(`wsc serve exited ${code}: ${serveOut}`)));
  });
});

after(async () => {
  if (serve.exitCode === null && serve.signalCode === null) {
    serve.kill('SIGTERM');
    const t = setTimeout(() => serve.kill('SIGKILL'), 5000);
    await serveExit;
    clearTimeout(t);
  }
  for (const s of [slowSite, quickSite]) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
  tmp.cleanup();
});

test('jobs create/list/search/stop/cancel/wait through the real bin and server', async () => {
  const a = await spawnWsc(['jobs', 'create', '--url', `${slowUrl}/`, '--memo', 'slow one', '-q'], env);
  assert.equal(a.code, 0, a.stderr);
  const slowId = a.stdout.trim();
  assert.match(slowId, /^\d+$/);
  // with one runner slot taken by the slow job, the next one stays pending (12)
  const b = await spawnWsc(['jobs', 'create', '--url', `${quickUrl}/`, '--memo', 'queued', '-q', '--speed', '3'], env);
  assert.equal(b.code, 0, b.stderr);
  const queuedId = b.stdout.trim();

  const list = await spawnWsc(['jobs', 'list', '--json'], env);
  assert.equal(list.code, 0, list.stderr);
  const envelope = JSON.parse(list.stdout) as { returnCode: string; resources: { record_data: { instanceNo: string; memo: string }[] } };
  assert.equal(envelope.returnCode, '0');
  assert.deepEqual(envelope.resources.record_data.map((r) => r.instanceNo), [queuedId, slowId]);

  const table = await spawnWsc(['jobs', 'list'], env);
  assert.match(table.stdout, /^ID\s+STATUS/);
  assert.match(table.stdout, /slow one/);

  const search = await spawnWsc(['jobs', 'search', '--type', 'memo', '--keyword', 'QUEUED', '--json'], env);
  assert.equal(search.code, 0, search.stderr);
  const found = JSON.parse(search.stdout) as { resources: { record_data: { instanceNo: string }[] } };
  assert.deepEqual(found.resources.record_data.map((r) => r.instanceNo), [queuedId]);

  const cancel = await spawnWsc(['jobs', 'cancel', queuedId], env);
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.equal(cancel.stdout, `job ${queuedId}: canceled\n`);
  const cancelMissing = await spawnWsc(['jobs', 'cancel', '999999999'], env);
  assert.equal(cancelMissing.code, 1);
  assert.match(cancelMissing.stderr, /^error: .*\(errorCode \d+\)\n/);

  const stop = await spawnWsc(['jobs', 'stop', slowId], env);
  assert.equal(stop.code, 0, stop.stderr);
  const waitStopped = await spawnWsc(['jobs', 'wait', slowId, '--interval', '0.2', '--timeout', '15'], env);
  assert.equal(waitStopped.code, 1, waitStopped.stderr);
  assert.match(waitStopped.stdout, /Stopped( \d+%)?\n$/);

  const denied = await spawnWsc(['jobs', 'create', '--url', 'http://192.0.2.1/'], env);
  assert.equal(denied.code, 1);
  assert.equal(denied.stderr, 'error: Assets_Check_Fail (errorCode 160451)\n');
  const usage = await spawnWsc(['jobs', 'create', '--url', `${quickUrl}/`, '--speed', '9'], env);
  assert.equal(usage.code, 2);
});

test('a job on a live local site runs to Diagnostics completed; wait exits 0', async () => {
  const c = await spawnWsc(['jobs', 'create', '--url', `${quickUrl}/`, '--speed', '3', '--items', 'Directory Listing', '-q'], env);
  assert.equal(c.code, 0, c.stderr);
  const quickId = c.stdout.trim();
  const waitDone = await spawnWsc(['jobs', 'wait', quickId, '--interval', '0.2', '--timeout', '20'], env, 25_000);
  assert.equal(waitDone.code, 0, waitDone.stdout + waitDone.stderr);
  assert.match(waitDone.stdout, /Diagnostics completed( 100%)?\n$/);
});

test('keys and assets made by the admin commands take effect on the running server', async () => {
  const made = await spawnWsc(['keys', 'create', '--account', 'team-e2e', '--json'], env);
  assert.equal(made.code, 0, made.stderr);
  const key = JSON.parse(made.stdout) as { accessKey: string; secretKey: string };
  const teamEnv = { ...env, WSC_ACCESS_KEY: key.accessKey, WSC_SECRET_KEY: key.secretKey };
  // a new tenant sees none of admin's jobs and owns nothing yet
  const list = await spawnWsc(['jobs', 'list'], teamEnv);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout, 'no jobs\n');
  const denied = await spawnWsc(['jobs', 'create', '--url', `${quickUrl}/`], teamEnv);
  assert.equal(denied.stderr, 'error: Assets_Check_Fail (errorCode 160451)\n');
  const added = await spawnWsc(['assets', 'add', '--account', 'team-e2e', '127.0.0.1'], env);
  assert.equal(added.code, 0, added.stderr);
  const created = await spawnWsc(['jobs', 'create', '--url', `${quickUrl}/`, '--items', 'Directory Listing', '-q'], teamEnv);
  assert.equal(created.code, 0, created.stderr);
  const revoked = await spawnWsc(['keys', 'revoke', key.accessKey], env);
  assert.equal(revoked.code, 0, revoked.stderr);
  const refused = await spawnWsc(['jobs', 'list'], teamEnv);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: .*\(errorCode \S+\)\n  details: .*revoked/);
});

test('the admin account from the first start owns loopback; serve stops cleanly on SIGTERM', async () => {
  assert.match(serveOut, /access key {2}[A-Z0-9]{20}/);
  // the first secret goes to the credentials file only; stdout says where it is
  const creds = JSON.parse(readFileSync(join(tmp.dir, 'credentials'), 'utf8')) as { secretKey: string };
  assert.ok(!serveOut.includes(creds.secretKey), 'the secret key is not printed');
  assert.match(serveOut, /secret key {2}in \S+credentials \(mode 0600/);
  const assets = await spawnWsc(['assets', 'list', '--data', tmp.dir], {});
  assert.equal(assets.code, 0, assets.stderr);
  assert.match(assets.stdout, /cidr\s+127\.0\.0\.0\/8\s+admin/);
  serve.kill('SIGTERM');
  assert.equal(await serveExit, 0, serveOut);
});
