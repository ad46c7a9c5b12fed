// kill -9 of the real server while jobs run: after each restart the store opens, no job is lost or
// left "in progress", and the findings stored before the kill are still there.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FINAL_STATUSES, PENDING_STATUSES, STATUS_TEXT } from '../../src/core/status.js';
import { spawnServer, type ChildServer } from '../helpers/child-server.js';
import { send, signedHeaders, waitFor, type Key } from '../helpers/server.js';
import { startSite, type Site } from '../helpers/site.js';
import { record } from '../hostile/harness.js';

let site: Site;
let dataDir: string;

// A target that keeps the engine busy for seconds and yields findings as it goes: many directory
// listings, each answered slowly.
before(async () => {
  const routes: Record<string, (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void> = {};
  const links: string[] = [];
  for (let i = 0; i < 40; i++) {
    links.push(`<a href="/d${i}/">d${i}</a>`);
    routes[`/d${i}/`] = (_req, res) =>
      setTimeout(
        () =>
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end(`<html><head><title>Index of /d${i}</title></head><body><h1>Index of /d${i}</h1><ul><li><a href="../">Parent Directory</a></li><li><a href="f${i}.txt">f${i}.txt</a></li></ul></body></html>`),
        60,
      );
  }
  routes['/'] = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>${links.join('\n')}</body></html>`);
  site = await startSite(routes);
  dataDir = mkdtempSync(join(tmpdir(), 'wsc-crash-'));
});
after(async () => {
  await site.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(url: string, key: Key, method: string, uri: string, body?: unknown) {
  const headers = { ...signedHeaders(method, uri, key), 'content-type': 'application/json' };
  return send(url, method, uri, headers, body === undefined ? undefined : JSON.stringify(body));
}

async function records(url: string, key: Key) {
  const r = await call(url, key, 'POST', '/api/v1/jobs/search', { searchType: '', searchKeyword: '', statusCode: null, limit: 1000, page: 1 });
  assert.equal(r.status, 200, r.text);
  return (r.json.resources.record_data ?? []) as { instanceNo: string; status: string; scan_cnt: string | null; result_desc: string | null }[];
}

const settled = new Set([...FINAL_STATUSES, ...PENDING_STATUSES].map((s) => STATUS_TEXT[s]));

const ROUNDS = Number(process.env.WSC_CRASH_ROUNDS ?? 20);

test(`kill -9 during scans, ${ROUNDS} times in a row: every job ends settled, findings survive`, { timeout: 240_000 }, async () => {
  let server: ChildServer = await spawnServer(dataDir);
  const creds = JSON.parse(readFileSync(join(dataDir, 'credentials'), 'utf8')) as Key & { endpoint: string };
  const created: string[] = [];
  const seenFindings = new Map<string, number>();
  try {
    const started = Date.now();
    let restartMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const r = await call(server.url, creds, 'PUT', '/api/v1/job', {
        StartUrl: `${site.url}/`,
        VulnItems: ['Directory Listing'],
        UserAgent: 'PC Chrome',
        Speed: '1',
        Memo: `crash round ${round}`,
      });
      assert.equal(r.status, 200, r.text);
      created.push(String(r.headers['x-wsc-instance-no']));
      // Kill at a different moment each round (spread over 200-2400 ms after the create, a fixed
      // pseudo-random walk): before the claim, during the crawl, early and late in the scan.
      const killAfter = 200 + ((round * 397) % 2200);
      const until = Date.now() + killAfter;
      while (Date.now() < until) {
        for (const rec of await records(server.url, creds)) {
          const n = Number(rec.scan_cnt ?? 0);
          if (n > (seenFindings.get(rec.instanceNo) ?? 0)) seenFindings.set(rec.instanceNo, n);
        }
        await new Promise((res) => setTimeout(res, 40));
      }
      await server.kill9();
      const restartAt = Date.now();
      server = await spawnServer(dataDir);
      restartMs = Math.max(restartMs, Date.now() - restartAt);
      const recs = await waitFor(async () => {
        const list = await records(server.url, creds);
        return list.every((x) => settled.has(x.status)) ? list : null;
      }, 20_000);
      for (const id of created) assert.ok(recs.some((x) => x.instanceNo === id), `job ${id} is still listed`);
      for (const rec of recs) {
        assert.ok(Number(rec.scan_cnt ?? 0) >= (seenFindings.get(rec.instanceNo) ?? 0), `job ${rec.instanceNo} kept its findings`);
        if (rec.status === 'Diagnostics failed' || rec.status === 'URL collection failed') assert.match(rec.result_desc ?? '', /Interrupted/);
      }
    }
    assert.ok([...seenFindings.values()].some((n) => n > 0), 'some findings were stored before a kill');
    record('crash-restart', { rounds: ROUNDS, jobs: created.length, lost: created.length - (await records(server.url, creds)).filter((x) => created.includes(x.instanceNo)).length, slowestRestartMs: restartMs, totalMs: Date.now() - started });
    // After the last restart the server still runs jobs to completion.
    const last = await call(server.url, creds, 'PUT', '/api/v1/job', { StartUrl: `${site.url}/`, VulnItems: ['Directory Listing'], UserAgent: 'PC Chrome', Speed: '3', Memo: 'after crashes' });
    const id = String(last.headers['x-wsc-instance-no']);
    await waitFor(async () => (await records(server.url, creds)).find((x) => x.instanceNo === id && x.status === 'Diagnostics completed'), 60_000);
  } finally {
    await server.stop();
  }
});
