// The runner keeps a job's scan health with the job on both stores: a target that dies mid-scan
// ends the job failed (5) with its cause, the health stats are stored (written live and at the end),
// scan_cnt is the store's count; a stopped job keeps its true counts too.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { createSealer } from '../../src/core/crypto.js';
import { createLogger } from '../../src/core/log.js';
import { STATUS } from '../../src/core/status.js';
import { systemClock } from '../../src/core/time.js';
import { runEngine } from '../../src/engine/engine.js';
import { openKyselyStore } from '../../src/jobs/open-store.js';
import { Runner } from '../../src/jobs/runner.js';
import type { KyselyStore } from '../../src/jobs/store-kysely.js';
import { waitFor } from '../helpers/server.js';
import { flakySite } from '../hostile/servers.js';

const sealer = createSealer(randomBytes(32));

function suite(name: string, open: () => Promise<KyselyStore>, cleanup: (s: KyselyStore) => Promise<void>): void {
  describe(`scan health kept with the job (${name})`, () => {
    test('a target that dies mid-scan: status 5, cause, stored health, scan_cnt from the store', { timeout: 60_000 }, async () => {
      const store = await open();
      const site = await flakySite('dies', { after: 60, dirs: 20 });
      const runner = new Runner({ store, engine: runEngine, clock: systemClock, log: createLogger('silent'), maxConcurrent: 1, soleRunner: true, pollMs: 100 });
      try {
        const acc = await store.createAccount(`health-${name}`);
        const job = await store.createJob({
          accountId: acc.id,
          startUrl: `${site.url}/`,
          memo: null,
          masterId: null,
          settings: { startUrl: `${site.url}/`, excludeUrls: [], headers: {}, vulnItems: ['Directory Listing', 'Information Disclosure'], userAgent: 'PC Chrome', speed: '3', limits: { maxConsecutiveFailures: 10, targetDownAfterMs: 1500 } },
        });
        await runner.start();
        const done = await waitFor(async () => {
          const j = await store.getJob(job.id);
          return j && j.status === STATUS.DIAG_FAILED ? j : null;
        }, 45_000);
        assert.match(done.resultDesc ?? '', /^Diagnosis failed: the target stopped answering: .*connections refused/);
        assert.equal(done.stats?.health?.verdict, 'down');
        assert.ok((done.stats?.health?.errors.refused ?? 0) > 0);
        assert.equal(done.stats?.health?.sent, done.stats?.requests);
        const stored = await store.countFindings(job.id);
        assert.ok(stored > 0, 'findings found before the target died are kept');
        assert.equal(done.scanCount, stored);
      } finally {
        await runner.close();
        await site.close();
        await cleanup(store);
      }
    });

    test('a stopped job keeps its true counts', { timeout: 60_000 }, async () => {
      const store = await open();
      const { startSite } = await import('../helpers/site.js');
      const routes: Record<string, (req: unknown, res: import('node:http').ServerResponse) => void> = {};
      for (let i = 0; i < 20; i++) routes[`/p${i}`] = (_req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>page ${i}</body></html>`), 300);
      routes['/'] = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><body>${Array.from({ length: 20 }, (_, i) => `<a href="/p${i}?q=1">p${i}</a>`).join(' ')}</body></html>`);
      const site = await startSite(routes);
      const runner = new Runner({ store, engine: runEngine, clock: systemClock, log: createLogger('silent'), maxConcurrent: 1, soleRunner: true, pollMs: 100 });
      try {
        const acc = await store.createAccount(`stop-${name}`);
        const job = await store.createJob({
          accountId: acc.id,
          startUrl: `${site.url}/`,
          memo: null,
          masterId: null,
          settings: { startUrl: `${site.url}/`, excludeUrls: [], headers: {}, vulnItems: ['ALL'], userAgent: 'PC Chrome', speed: '1' },
        });
        await runner.start();
        await waitFor(async () => (await store.getJob(job.id))?.status === STATUS.DIAG_RUNNING, 30_000);
        await new Promise((r) => setTimeout(r, 1500));
        // as stopJob does: 92, then the runner aborts the engine
        assert.ok(await store.transition(job.id, [STATUS.DIAG_RUNNING], STATUS.STOPPING));
        runner.abort(job.id);
        const stopped = await waitFor(async () => {
          const j = await store.getJob(job.id);
          return j && j.status === STATUS.STOPPED ? j : null;
        }, 20_000);
        assert.ok((stopped.stats?.requests ?? 0) > 20, `requests ${stopped.stats?.requests}`);
        assert.ok((stopped.stats?.urls ?? 0) > 20);
        assert.equal(stopped.stats?.health?.sent, stopped.stats?.requests);
        assert.ok((stopped.stats?.health?.targetsSkipped ?? 0) > 0, 'the attack targets the stop left are counted');
      } finally {
        await runner.close();
        await site.close();
        await cleanup(store);
      }
    });
  });
}

{
  const dir = mkdtempSync(join(tmpdir(), 'wsc-health-store-'));
  suite('sqlite', () => openKyselyStore({ dataDir: dir, sealer }), async (s) => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

const pgUrl = process.env.WSC_TEST_DATABASE_URL;
if (pgUrl) {
  const schema = `wsc_test_${randomBytes(6).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'wsc-health-pg-'));
  suite('postgres', () => openKyselyStore({ databaseUrl: pgUrl, dataDir, sealer, pgSchema: schema }), async (s) => {
    try {
      await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(s.db);
    } finally {
      await s.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
} else {
  test('scan health kept with the job (postgres)', { skip: 'set WSC_TEST_DATABASE_URL to run it on PostgreSQL' }, () => {});
}
