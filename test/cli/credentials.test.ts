import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ENDPOINT, credentialsPath, readCredentialsFile, resolveCredentials, resolveDataDir } from '../../src/cli/credentials.js';
import { UsageError } from '../../src/cli/errors.js';
import { tempDir } from './helpers.js';

test('flags beat env, env beats the credentials file, and the endpoint resolves on its own', () => {
  const t = tempDir();
  try {
    writeFileSync(credentialsPath(t.dir), JSON.stringify({ endpoint: 'http://file:1', accessKey: 'FILEAK', secretKey: 'FILESK' }), { mode: 0o600 });
    const base = { WSC_DATA_DIR: t.dir };
    assert.deepEqual(resolveCredentials({}, base), { endpoint: 'http://file:1', accessKey: 'FILEAK', secretKey: 'FILESK', source: 'file', dataDir: t.dir });
    const ncloud = resolveCredentials({}, { ...base, NCLOUD_ACCESS_KEY: 'NAK', NCLOUD_SECRET_KEY: 'NSK' });
    assert.equal(ncloud.accessKey, 'NAK');
    assert.equal(ncloud.endpoint, 'http://file:1');
    const wsc = resolveCredentials({}, { ...base, NCLOUD_ACCESS_KEY: 'NAK', NCLOUD_SECRET_KEY: 'NSK', WSC_ACCESS_KEY: 'WAK', WSC_SECRET_KEY: 'WSK', WSC_ENDPOINT: 'http://env:2' });
    assert.deepEqual([wsc.accessKey, wsc.secretKey, wsc.endpoint, wsc.source], ['WAK', 'WSK', 'http://env:2', 'env']);
    const flags = resolveCredentials(
      { accessKey: 'FAK', secretKey: 'FSK', endpoint: 'http://flag:3' },
      { ...base, WSC_ACCESS_KEY: 'WAK', WSC_SECRET_KEY: 'WSK', WSC_ENDPOINT: 'http://env:2' },
    );
    assert.deepEqual([flags.accessKey, flags.secretKey, flags.endpoint, flags.source], ['FAK', 'FSK', 'http://flag:3', 'flags']);
    // a half pair is a mistake, not a cue to mix sources
    assert.throws(() => resolveCredentials({ accessKey: 'FAK' }, base), UsageError);
    assert.throws(() => resolveCredentials({}, { ...base, WSC_SECRET_KEY: 'x' }), /WSC_ACCESS_KEY\/WSC_SECRET_KEY/);
  } finally {
    t.cleanup();
  }
});

test('--data overrides WSC_DATA_DIR; no credentials anywhere is a usage error naming the file', () => {
  const a = tempDir();
  const b = tempDir();
  try {
    writeFileSync(credentialsPath(b.dir), JSON.stringify({ accessKey: 'BAK', secretKey: 'BSK' }));
    const r = resolveCredentials({ data: b.dir }, { WSC_DATA_DIR: a.dir });
    assert.equal(r.accessKey, 'BAK');
    assert.equal(r.endpoint, DEFAULT_ENDPOINT);
    assert.equal(resolveDataDir(undefined, { WSC_DATA_DIR: a.dir }), a.dir);
    assert.throws(() => resolveCredentials({}, { WSC_DATA_DIR: a.dir }), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.ok(err.message.includes(join(a.dir, 'credentials')));
      return true;
    });
  } finally {
    a.cleanup();
    b.cleanup();
  }
});

test('a malformed credentials file is reported, not ignored', () => {
  const t = tempDir();
  try {
    assert.equal(readCredentialsFile(t.dir), null);
    writeFileSync(credentialsPath(t.dir), '{ not json');
    assert.throws(() => resolveCredentials({}, { WSC_DATA_DIR: t.dir }), /is not valid JSON/);
  } finally {
    t.cleanup();
  }
});
