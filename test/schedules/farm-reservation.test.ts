// The farm dispatch path (an API node with --no-runner and a worker, one PostgreSQL): a reserved
// job is not queued nor run before its time, and runs at it without any request. Skipped without
// PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { startWorker, type RunningWorker } from '../../src/farm/worker.js';
import type { KyselyStore } from '../../src/jobs/store-kysely.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { movableClock, send, signedHeaders, waitFor } from '../helpers/server.js';
import { fakeEngine } from './fake-engine.js';

const pg = process.env.WSC_TEST_DATABASE_URL;

test('API node + worker: a reservation waits for its time, then runs on the worker', { skip: pg ? false : 'WSC_TEST_DATABASE_URL not set', timeout: 90_000 }, async () => {
  const clock = movableClock(Date.parse('2026-12-03T05:00:00Z'));
  const schema = `wsc_farmres_${randomBytes(4).toString('hex')}`;
  const env = { WSC_LOG_LEVEL: 'silent', WSC_DATABASE_URL: pg as string, WSC_DATABASE_SCHEMA: schema, WSC_MASTER_KEY: randomBytes(32).toString('hex'), WSC_METRICS_LISTEN: 'off', WSC_WORKER_POLL_MS: '500' };
  const fe = fakeEngine(clock);
  const dirs = [mkdtempSync(join(tmpdir(), 'wsc-fr-')), mkdtempSync(join(tmpdir(), 'wsc-fr-'))];
  let api: RunningServer | null = null;
  let worker: RunningWorker | null = null;
  try {
    api = await startServer({ host: '127.0.0.1', port: 0, dataDir: dirs[0], env, runner: false, config: { rateLimitPerKey: 0, schedulerTickMs: 100, clockSkewMs: 10 * 365 * 24 * 3600 * 1000 }, banner: false, clock });
    worker = await startWorker({ dataDir: dirs[1], env, clock, engine: fe.engine, concurrency: 1 });
    const key = { accessKey: api.adminCredentials!.accessKey, secretKey: api.adminCredentials!.secretKey };
    const at = clock.now() + 3_600_000;
    const uri = '/api/v1/job';
    const r = await send(api.url, 'PUT', uri, { ...signedHeaders('PUT', uri, key, String(clock.now())), 'content-type': 'application/json' }, JSON.stringify({ StartUrl: 'http://localhost:9/farm', VulnItems: ['ALL'], UserAgent: 'PC Chrome', Speed: '1', ReservedAt: at }));
    assert.equal(r.status, 200, r.text);
    const id = Number(r.headers['x-wsc-instance-no']);
    await new Promise((res) => setTimeout(res, 2500));
    assert.equal((await api.store.getJob(id))?.status, 12, 'not run before its time');
    assert.equal(fe.starts.length, 0);
    clock.set(at);
    await waitFor(async () => (await api!.store.getJob(id))?.status === 4, 30_000);
    assert.equal(fe.starts[0]?.at, at);
  } finally {
    await worker?.close();
    if (api) {
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute((api.store as KyselyStore).db);
      await sql`DROP SCHEMA IF EXISTS ${sql.id(`${schema}_queue`)} CASCADE`.execute((api.store as KyselyStore).db);
      await api.close();
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
