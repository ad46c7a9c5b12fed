// A clean shutdown (SIGTERM) re-queues a running job; the next start runs it again, and the
// findings it finds again are de-duplicated against those already stored. scan_cnt must then be
// what the store holds (the report's findings), never a count of the re-run alone.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { spawnServer } from '../helpers/child-server.js';
import { send, signedHeaders, waitFor, type Key } from '../helpers/server.js';
import { startSite, type Site } from '../helpers/site.js';

let site: Site;
let dataDir: string;

// Directory listings answered at once to the crawl and slowly afterwards (to the check), so the
// findings arrive one by one and the scan is still running when the server is told to stop.
before(async () => {
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {};
  const links: string[] = [];
  for (let i = 0; i < 20; i++) {
    links.push(`<a href="/d${i}/">d${i}</a>`);
    let hits = 0;
    routes[`/d${i}/`] = (_req, res) =>
      setTimeout(
        () =>
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end(`<html><head><title>Index of /d${i}</title></head><body><h1>Index of /d${i}</h1><ul><li><a href="../">Parent Directory</a></li><li><a href="f${i}.txt">f${i}.txt</a></li></ul></body></html>`),
        hits++ === 0 ? 0 : 700,
      );
  }
  routes['/'] = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>${links.join('\n')}</body></html>`);
  site = await startSite(routes);
  dataDir = mkdtempSync(join(tmpdir(), 'wsc-requeue-'));
});
after(async () => {
  await site.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(url: string, key: Key, method: string, uri: string, body?: unknown) {
  const headers = { ...signedHeaders(method, uri, key), 'content-type': 'application/json' };
  return send(url, method, uri, headers, body === undefined ? undefined : JSON.stringify(body));
}

async function record(url: string, key: Key, id: string): Promise<{ status: string; scan_cnt: string | null } | undefined> {
  const r = await call(url, key, 'GET', '/api/v1/jobs?limit=10&page=1');
  return (r.json.resources.record_data ?? []).find((x: { instanceNo: string }) => x.instanceNo === id);
}

test('SIGTERM mid-scan re-queues the job; after the re-run scan_cnt equals the findings in the store', { timeout: 120_000 }, async () => {
  let server = await spawnServer(dataDir);
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials'), 'utf8')) as Key;
  const r = await call(server.url, creds, 'PUT', '/api/v1/job', { StartUrl: `${site.url}/`, VulnItems: ['Directory Listing', 'Information Disclosure'], UserAgent: 'PC Chrome', Speed: '1', Memo: 'requeue' });
  assert.equal(r.status, 200, r.text);
  const id = String(r.headers['x-wsc-instance-no']);
  try {
    const before = await waitFor(async () => {
      const rec = await record(server.url, creds, id);
      return rec?.status === "Diagnosing" && Number(rec.scan_cnt ?? 0) >= 2 ? rec : null;
    }, 60_000, 20);
    assert.equal(await server.stop(), 0);
    server = await spawnServer(dataDir);
    const done = await waitFor(async () => {
      const rec = await record(server.url, creds, id);
      return rec?.status === 'Diagnostics completed' ? rec : null;
    }, 60_000);
    const report = await call(server.url, creds, 'GET', `/api/v1/jobs/${id}/report?format=json`);
    assert.equal(report.status, 200, report.text);
    const stored = (report.json.findings as unknown[]).length;
    assert.ok(stored >= Number(before.scan_cnt), 'nothing stored before the stop was lost');
    assert.equal(done.scan_cnt, String(stored), 'scan_cnt is the store count, not the re-run count');
  } finally {
    await server.stop();
  }
});
