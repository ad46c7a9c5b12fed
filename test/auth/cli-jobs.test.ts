// `wsc jobs create` takes the same login, seed and proxy flags as `wsc scan` and sends them as the
// createJob extension fields; a bad login file is a usage error (exit 2) before anything is sent.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { runWsc, tempDir } from '../cli/helpers.js';

let t: TestServer;
const tmp = tempDir('wsc-auth-cli-');
let env: NodeJS.ProcessEnv;
before(async () => {
  t = await startTestServer();
  env = { WSC_DATA_DIR: tmp.dir, WSC_ENDPOINT: t.url, WSC_ACCESS_KEY: t.admin.accessKey, WSC_SECRET_KEY: t.admin.secretKey };
});
after(async () => {
  await t.close();
  tmp.cleanup();
});

test('jobs create --auth --urls --proxy sends Auth, Seeds and Proxy', async () => {
  const auth = join(tmp.dir, 'auth.yaml');
  writeFileSync(auth, 'type: token\ntokenUrl: http://127.0.0.1:9/oauth/token\ngrant: client_credentials\nclientId: scanner\nclientSecret: abc-secret\n');
  const urls = join(tmp.dir, 'urls.txt');
  writeFileSync(urls, '/a\n/b?x=1\n');
  const r = await runWsc(['jobs', 'create', '--url', 'http://127.0.0.1:9/', '--auth', auth, '--urls', urls, '--proxy', 'http://127.0.0.1:8/', '-q'], env);
  assert.equal(r.code, 0, r.stderr);
  const job = await t.server.store.getJob(Number(r.stdout.trim()));
  assert.equal(job?.settings.auth?.type, 'token');
  assert.deepEqual(job?.settings.seeds, { urls: ['/a', '/b?x=1'] });
  assert.equal(job?.settings.transport?.proxy, 'http://127.0.0.1:8/');
});

test('jobs create with a bad login file exits 2 and names the field', async () => {
  const auth = join(tmp.dir, 'bad.json');
  writeFileSync(auth, '{"type":"form","loginUrl":"http://127.0.0.1:9/login","username":"a"}');
  const r = await runWsc(['jobs', 'create', '--url', 'http://127.0.0.1:9/', '--auth', auth], env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--auth .*bad\.json: password:/);
});
