// `wsc keys` and `wsc assets add|list|remove` on a temp data dir with the real SQLite store.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSealer, loadMasterKey } from '../../src/core/crypto.js';
import { openStore } from '../../src/jobs/open-store.js';
import { runWsc, tempDir } from './helpers.js';

const tmp = tempDir();
const env: NodeJS.ProcessEnv = { WSC_DATA_DIR: tmp.dir };

after(() => tmp.cleanup());

async function storedSecret(accessKey: string): Promise<string> {
  const sealer = createSealer(loadMasterKey(tmp.dir, env));
  const store = await openStore({ dataDir: tmp.dir, sealer });
  try {
    const key = await store.getKey(accessKey);
    assert.ok(key);
    return sealer.open(key.secretEnc);
  } finally {
    await store.close();
  }
}

test('keys create makes the account, prints the pair once and seals the secret', async () => {
  const r = await runWsc(['keys', 'create', '--account', 'team-a', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { account: string; accessKey: string; secretKey: string };
  assert.equal(out.account, 'team-a');
  assert.match(out.accessKey, /^[A-Z0-9]{20}$/);
  assert.match(out.secretKey, /^[A-Za-z0-9]{40}$/);
  assert.equal(await storedSecret(out.accessKey), out.secretKey);

  const human = await runWsc(['keys', 'create', '--account', 'team-a'], env);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /^account {5}team-a\naccess key {2}[A-Z0-9]{20}\nsecret key {2}[A-Za-z0-9]{40}\nThe secret key is shown only this once/);

  const list = await runWsc(['keys', 'list', '--json'], env);
  const keys = JSON.parse(list.stdout) as { accessKey: string; account: string; status: string }[];
  assert.equal(keys.length, 2);
  assert.ok(keys.every((k) => k.account === 'team-a' && k.status === 'active'));
  assert.ok(!list.stdout.includes(out.secretKey), 'list never shows secrets');
  const table = await runWsc(['keys', 'list', '--account', 'team-a'], env);
  assert.match(table.stdout, /^ACCESS KEY\s+ACCOUNT\s+STATUS\s+CREATED\n/);
  assert.ok(table.stdout.includes(out.accessKey));

  const rev = await runWsc(['keys', 'revoke', out.accessKey], env);
  assert.equal(rev.code, 0, rev.stderr);
  assert.equal(rev.stdout, `access key ${out.accessKey} revoked\n`);
  const after1 = JSON.parse((await runWsc(['keys', 'list', '--json'], env)).stdout) as { accessKey: string; status: string }[];
  assert.equal(after1.find((k) => k.accessKey === out.accessKey)!.status, 'revoked');

  const missing = await runWsc(['keys', 'revoke', 'NOSUCHKEY00000000000'], env);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'error: no such access key: NOSUCHKEY00000000000\n');
  const badName = await runWsc(['keys', 'create', '--account', 'bad name!'], env);
  assert.equal(badName.code, 2);
  const noAccount = await runWsc(['keys', 'list', '--account', 'ghost'], env);
  assert.equal(noAccount.code, 1);
  assert.match(noAccount.stderr, /account "ghost" does not exist/);
});

test('assets add validates hosts, IPs, CIDRs (v4 and v6) and origins, takes several, and needs an existing account', async () => {
  assert.equal((await runWsc(['keys', 'create', '--account', 'team-b', '--json'], env)).code, 0);
  const ok = [
    ['Example.COM', 'host example.com', 'example.com, every port'],
    ['*.example.org', 'host *.example.org', 'every subdomain of example.org, every port'],
    ['10.1.2.3', 'host 10.1.2.3', '10.1.2.3, every port'],
    ['[::1]', 'host ::1', '::1, every port'],
    ['192.168.0.0/16', 'cidr 192.168.0.0/16', 'every address in 192.168.0.0/16, every port'],
    ['FD00::/8', 'cidr fd00::/8', 'every address in fd00::/8, every port'],
    ['http://Example.net:8080/', 'origin http://example.net:8080', 'http://example.net:8080 only'],
  ];
  for (const [input, shown, covers] of ok.slice(0, 4)) {
    const r = await runWsc(['assets', 'add', '--account', 'team-b', input!], env);
    assert.equal(r.code, 0, `${input}: ${r.stderr}`);
    assert.equal(r.stdout, `account team-b may scan ${shown}: ${covers}\n`);
  }
  // the README's synopsis: several assets in one command
  const several = await runWsc(['assets', 'add', '--account', 'team-b', ...ok.slice(4).map(([input]) => input!)], env);
  assert.equal(several.code, 0, several.stderr);
  assert.equal(several.stdout, ok.slice(4).map(([, shown, covers]) => `account team-b may scan ${shown}: ${covers}\n`).join(''));
  for (const bad of ['exa mple.com', '-bad.com', '10.0.0.0/33', '::1/129', '1.2.3.4/x', 'a'.repeat(64) + '.com', 'https://example.com/path']) {
    const r = await runWsc(['assets', 'add', '--account', 'team-b', bad], env);
    assert.equal(r.code, 2, `${bad} should be refused`);
    assert.match(r.stderr, /^error: /, bad);
  }
  const url = await runWsc(['assets', 'add', '--account', 'team-b', 'https://example.com/x'], env);
  assert.match(url.stderr, /is not an origin .* \(a whole host: example\.com; one origin: https:\/\/example\.com\)/);
  // one bad argument adds none of the others
  const mixed = await runWsc(['assets', 'add', '--account', 'team-b', 'good.example', 'bad host'], env);
  assert.equal(mixed.code, 2);

  const ghost = await runWsc(['assets', 'add', '--account', 'ghost', 'example.com'], env);
  assert.equal(ghost.code, 1);
  assert.match(ghost.stderr, /account "ghost" does not exist/);

  const list = await runWsc(['assets', 'list', '--account', 'team-b', '--json'], env);
  assert.equal(list.code, 0, list.stderr);
  const values = (JSON.parse(list.stdout) as { kind: string; value: string; source: string }[]).map((a) => `${a.kind} ${a.value} ${a.source}`).sort();
  assert.deepEqual(values, ok.map(([, s]) => `${s} admin`).sort());

  const rm = await runWsc(['assets', 'remove', '--account', 'team-b', 'EXAMPLE.com'], env);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(rm.stdout, 'removed host example.com from account team-b\n');
  const again = await runWsc(['assets', 'remove', '--account', 'team-b', 'example.com'], env);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, 'error: example.com is not an asset of account team-b\n');
  const table = await runWsc(['assets', 'list', '--account', 'team-b'], env);
  assert.match(table.stdout, /^KIND\s+VALUE\s+SOURCE\s+COVERS\n/);
  assert.ok(!table.stdout.includes(' example.com '));
});
