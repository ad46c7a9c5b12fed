// Two app instances (API + runner + ticker each) on one PostgreSQL database: a due schedule
// creates exactly one job, however the two tickers interleave. Skipped without PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { KyselyStore } from '../../src/jobs/store-kysely.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { movableClock, send, signedHeaders, waitFor } from '../helpers/server.js';
import { fakeEngine } from './fake-engine.js';

const pg = process.env.WSC_TEST_DATABASE_URL;

test('two instances sharing PostgreSQL fire each due schedule exactly once', { skip: pg ? false : 'WSC_TEST_DATABASE_URL not set', timeout: 60_000 }, async () => {
  const clock = movableClock(Date.parse('2026-12-03T05:00:30Z'));
  const schema = `wsc_sched_${randomBytes(4).toString('hex')}`;
  const env = { WSC_LOG_LEVEL: 'silent', WSC_DATABASE_URL: pg as string, WSC_DATABASE_SCHEMA: schema, WSC_MASTER_KEY: randomBytes(32).toString('hex') };
  const fe = fakeEngine(clock);
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  const start = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsc-once-'));
    dirs.push(dir);
    const s = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir, env, config: { rateLimitPerKey: 0, schedulerTickMs: 20, clockSkewMs: 10 * 365 * 24 * 3600 * 1000 }, banner: false, clock, engine: fe.engine });
    servers.push(s);
    return s;
  };
  try {
    const a = await start();
    const b = await start();
    assert.ok(a.adminCredentials && !b.adminCredentials, 'one store: the second instance finds the admin account');
    const key = { accessKey: a.adminCredentials.accessKey, secretKey: a.adminCredentials.secretKey };
    const N = 6;
    for (let i = 0; i < N; i++) {
      const uri = '/api/v1/schedules';
      const body = JSON.stringify({ Name: `s${i}`, Cron: '0 * * * *', Job: { StartUrl: `http://localhost:9/once${i}`, VulnItems: ['ALL'], UserAgent: 'PC Chrome', Speed: '1' } });
      // created through both instances alike
      const r = await send((i % 2 ? b : a).url, 'PUT', uri, { ...signedHeaders('PUT', uri, key, String(clock.now())), 'content-type': 'application/json' }, body);
      assert.equal(r.status, 200, r.text);
    }
    for (let hour = 6; hour <= 8; hour++) {
      clock.set(Date.parse(`2026-12-03T0${hour}:00:00Z`));
      await waitFor(async () => {
        const all = await Promise.all((await a.store.schedules.list(1)).map((s) => s.runCount));
        return all.every((n) => n === hour - 5);
      }, 10_000);
      await new Promise((r) => setTimeout(r, 300)); // more ticks on both: nothing more may happen
    }
    const jobs = (await a.store.listJobs(1, { limit: 1000, offset: 0 })).rows;
    assert.equal(jobs.length, N * 3, 'one job per schedule per period across both instances');
    for (let i = 0; i < N; i++) assert.equal(jobs.filter((j) => j.startUrl.endsWith(`/once${i}`)).length, 3);
    const runs = await sql<{ n: string }>`SELECT count(*) AS n FROM schedule_runs`.execute((a.store as KyselyStore).db);
    assert.equal(Number(runs.rows[0]?.n), N * 3);
  } finally {
    const db = servers[0] ? (servers[0].store as KyselyStore).db : null;
    for (const s of servers.slice(1)) await s.close();
    if (db) await sql`DROP SCHEMA ${sql.id(schema)} CASCADE`.execute(db);
    await servers[0]?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
