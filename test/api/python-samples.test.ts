// A client written for NCP's endpoint works against ours by changing only the host: the seeds'
// Python samples, run by python3, against the real server.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startSite, type Site } from '../helpers/site.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';

const SAMPLES = fileURLToPath(new URL('../seeds-python/ncp_samples.py', import.meta.url));
const SHIM_DIR = fileURLToPath(new URL('../seeds-python/', import.meta.url));
const python = spawnSync('python3', ['--version']).status === 0;
const hasRequests = python && spawnSync('python3', ['-c', 'import requests']).status === 0;

let t: TestServer;
let site: Site;
before(async () => {
  site = await startSite({ '/': '<a href="/x">x</a>', '/x': 'x' });
  t = await startTestServer();
});
after(async () => {
  await t.close();
  await site.close();
});

const run = promisify(execFile);

// Asynchronous on purpose: the server answering the samples lives in this process.
async function sample(op: string, arg?: string): Promise<{ status: number; body: any }> {
  const env: NodeJS.ProcessEnv = { ...process.env, WSC_BASE_URL: t.url, WSC_ACCESS_KEY: t.admin.accessKey, WSC_SECRET_KEY: t.admin.secretKey };
  // Without the real package, the stdlib shim beside the samples stands in for `requests`.
  if (!hasRequests) env.PYTHONPATH = SHIM_DIR;
  const r = await run('python3', [SAMPLES, op, ...(arg === undefined ? [] : [arg])], { env, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(r.stdout);
}

test('the seeds Python samples work unchanged but for the host', { skip: !python && 'python3 is not installed' }, async () => {
  const created = await sample('createJob', site.url);
  assert.deepEqual(created, { status: 200, body: { returnCode: '0', returnDesc: 'Request Success', returnMessage: 'Success', resources: null } });

  const listed = await sample('getJobs');
  assert.equal(listed.status, 200);
  const id: string = listed.body.resources.record_data[0].instanceNo;
  assert.match(id, /^\d+$/);

  const found = await sample('searchJobs', '127.0.0.1');
  assert.equal(found.body.resources.total_cnt, 1);

  await waitFor(async () => (await sample('getJobs')).body.resources.record_data[0].rescan_button === 'possible', 30_000, 200);
  const rediag = await sample('rediagnose', `${site.url} ${id}`);
  assert.equal(rediag.status, 200);
  assert.equal(rediag.body.resources, null);

  // The stop and cancel samples print the error envelope for a job that cannot move.
  const stop = await sample('stopJob', id);
  assert.deepEqual(stop, { status: 400, body: { error: { errorCode: 901, message: 'API Call Fail' } } });
  const cancel = await sample('cancelJob', '12311231');
  assert.deepEqual(cancel, { status: 400, body: { error: { errorCode: 901, message: 'API Call Fail' } } });
});
