// `wsc jobs report --format ... -o FILE` and `wsc jobs rescan ID --wait` against the real server
// scanning a real target on 127.0.0.1 whose directory listing is "fixed" between the two scans.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { STATUS } from '../../src/core/status.js';
import { runWsc, tempDir } from '../cli/helpers.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';

let fixed = false;
let target: Server;
let targetUrl = '';
let api: TestServer;
const tmp = tempDir('wsc-cli-report-');
let env: NodeJS.ProcessEnv;

before(async () => {
  target = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.setHeader('content-type', 'text/html');
    if (path === '/') return res.end('<html><body><a href="/files/">files</a></body></html>');
    if (path === '/files/' && !fixed) {
      return res.end('<html><head><title>Index of /files/</title></head><body><h1>Index of /files/</h1><a href="/">Parent Directory</a> <a href="x.txt">x.txt</a></body></html>');
    }
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
  api = await startTestServer();
  env = { WSC_DATA_DIR: tmp.dir, WSC_ENDPOINT: api.url, WSC_ACCESS_KEY: api.admin.accessKey, WSC_SECRET_KEY: api.admin.secretKey };
});

after(async () => {
  await api.close();
  await new Promise<void>((r) => target.close(() => r()));
  tmp.cleanup();
});

test('wsc jobs report writes every format; wsc jobs rescan --wait prints the diff', async () => {
  const created = await runWsc(['jobs', 'create', '--url', targetUrl, '--items', 'Directory Listing', '--speed', '3', '--header', 'Cookie: sid=cli-secret-123456', '-q'], env);
  assert.equal(created.code, 0, created.stderr);
  const id = created.stdout.trim();
  await waitFor(async () => (await api.server.store.getJob(Number(id)))?.status === STATUS.DIAG_DONE, 20_000);

  for (const format of ['json', 'sarif', 'html', 'pdf']) {
    const file = join(tmp.dir, `r.${format}`);
    const r = await runWsc(['jobs', 'report', id, '--format', format, '-o', file], env);
    assert.equal(r.code, 0, r.stderr);
    const body = readFileSync(file);
    assert.ok(body.length > 100);
    assert.ok(!body.toString('latin1').includes('cli-secret-123456'));
    if (format === 'pdf') assert.equal(body.subarray(0, 5).toString(), '%PDF-');
  }
  const ncp = await runWsc(['jobs', 'report', id], env);
  assert.equal(ncp.code, 0);
  assert.equal(JSON.parse(ncp.stdout).resources.Classify_byRisk_Level.Total, 1);

  fixed = true;
  const rescan = await runWsc(['jobs', 'rescan', id, '--wait', '--interval', '0.2', '--timeout', '20'], env);
  assert.equal(rescan.code, 0, rescan.stderr);
  assert.match(rescan.stdout, /re-diagnosis of/);
  assert.match(rescan.stdout, /fixed\s+\S+\s+Directory Listing\s+http:\/\/127\.0\.0\.1:\d+\/files\//);
  assert.match(rescan.stdout, new RegExp(`against job ${id}: 1 fixed, 0 still present, 0 new`));
});
