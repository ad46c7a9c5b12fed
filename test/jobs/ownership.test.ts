import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownsUrl, parseAsset } from '../../src/jobs/ownership.js';
import type { AssetRow } from '../../src/jobs/store.js';

const rows = (...values: string[]): AssetRow[] =>
  values.map((v, i) => {
    const p = parseAsset(v);
    if ('error' in p) throw new Error(p.error);
    return { id: i, accountId: 1, kind: p.kind, value: p.value, source: 'admin', createdAt: 0 };
  });

// Resolution is injected so no DNS query leaves the machine.
const fakeDns = (table: Record<string, string[]>) => async (host: string) => {
  const a = table[host];
  if (!a) throw new Error(`ENOTFOUND ${host}`);
  return a;
};

test('parseAsset accepts hosts, wildcards, IPs and CIDRs, and names what is wrong', () => {
  assert.deepEqual(parseAsset('Example.COM.'), { kind: 'host', value: 'example.com' });
  assert.deepEqual(parseAsset('*.example.com'), { kind: 'host', value: '*.example.com' });
  assert.deepEqual(parseAsset('[::1]'), { kind: 'host', value: '::1' });
  assert.deepEqual(parseAsset('127.0.0.0/8'), { kind: 'cidr', value: '127.0.0.0/8' });
  assert.deepEqual(parseAsset('FD00::/8'), { kind: 'cidr', value: 'fd00::/8' });
  for (const bad of ['', 'exa mple.com', '127.0.0.0/33', '::/129', '1.2.3/8', 'a..b', '-a.com', 'x/8/9']) {
    assert.ok('error' in parseAsset(bad), bad);
  }
});

test('ownsUrl: exact hosts, subdomain wildcards, literal addresses and resolved names in CIDRs', async () => {
  const assets = rows('example.com', '*.corp.test', '127.0.0.0/8', 'fd00::/8');
  const dns = fakeDns({ 'app.internal': ['127.0.0.5'], 'mixed.internal': ['127.0.0.5', '8.8.8.8'] });
  assert.equal(await ownsUrl(assets, 'https://example.com/x', dns), true);
  assert.equal(await ownsUrl(assets, 'https://www.example.com/x', dns), false);
  assert.equal(await ownsUrl(assets, 'https://a.corp.test/', dns), true);
  assert.equal(await ownsUrl(assets, 'https://corp.test/', dns), false);
  assert.equal(await ownsUrl(assets, 'http://127.9.9.9:8080/', dns), true);
  assert.equal(await ownsUrl(assets, 'http://[fd00::1]/', dns), true);
  assert.equal(await ownsUrl(assets, 'http://[::ffff:127.0.0.1]/', dns), true);
  assert.equal(await ownsUrl(assets, 'http://app.internal/', dns), true);
  assert.equal(await ownsUrl(assets, 'http://mixed.internal/', dns), false, 'every resolved address must be owned');
  assert.equal(await ownsUrl(assets, 'http://unknown.internal/', dns), false);
  assert.equal(await ownsUrl(assets, 'not a url', dns), false);
});
