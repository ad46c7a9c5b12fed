// `wsc schedules ...` and `wsc jobs create --at` through the signed API, in-process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { registerJobsCommand } from '../../src/cli/commands/jobs.js';
import { registerSchedulesCommand } from '../../src/cli/commands/schedules.js';
import type { CliIo } from '../../src/cli/context.js';
import { runWith } from '../../src/cli/program.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
let env: NodeJS.ProcessEnv;
before(async () => {
  t = await startTestServer({ engine: async () => ({ stats: { requests: 0, durationMs: 0, crawlMs: 0, scanMs: 0, urls: 0 }, urls: [], findings: [] }) });
  env = { WSC_ENDPOINT: t.url, WSC_ACCESS_KEY: t.admin.accessKey, WSC_SECRET_KEY: t.admin.secretKey, WSC_DATA_DIR: t.dataDir };
});
after(async () => {
  await t.close();
});

async function wsc(...args: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (c) => (out += String(c)) }, stderr: { write: (c) => (err += String(c)) }, env, signal: new AbortController().signal };
  const code = await runWith([registerJobsCommand, registerSchedulesCommand], args, io);
  return { code, out, err };
}

test('schedules create, list, show, pause, resume, delete', async () => {
  const c = await wsc('schedules', 'create', '--name', 'nightly', '--url', 'http://localhost:9/', '--every', 'daily', '--time', '02:30', '--tz', 'Asia/Seoul', '--max-runs', '5', '--json');
  assert.equal(c.code, 0, c.err);
  const s = JSON.parse(c.out).resources.schedule;
  assert.equal(s.cron, '30 2 * * *');
  assert.equal(s.timezone, 'Asia/Seoul');
  assert.equal(s.max_runs, 5);
  const id = String(s.schedule_id);

  const list = await wsc('schedules', 'list');
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /nightly/);
  assert.match(list.out, /daily 02:30/);

  const show = await wsc('schedules', 'show', id);
  assert.match(show.out, /cron "30 2 \* \* \*", Asia\/Seoul/);
  assert.match(show.out, /no runs yet/);

  assert.match((await wsc('schedules', 'pause', id)).out, /paused/);
  assert.match((await wsc('schedules', 'resume', id)).out, /resumed; next run/);
  assert.match((await wsc('schedules', 'delete', id)).out, /deleted/);
  const gone = await wsc('schedules', 'show', id);
  assert.equal(gone.code, 1);

  const bad = await wsc('schedules', 'create', '--name', 'x', '--url', 'http://localhost:9/', '--cron', '99 * * * *');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /Param Value Not Define - Cron/);
});

test('jobs create --at reserves the job', async () => {
  const at = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const r = await wsc('jobs', 'create', '--url', 'http://localhost:9/', '--at', at, '-q');
  assert.equal(r.code, 0, r.err);
  const job = await t.server.store.getJob(Number(r.out.trim()));
  assert.equal(job?.status, 12);
  assert.equal(job?.reservedAt, Date.parse(at));
});
