import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { OastServer } from './oast.js';

test('a probe URL is answered with its marker and the hit is attributed to its label', async () => {
  const oast = await OastServer.start();
  try {
    const view = oast.scoped('job:7 check:ssrf');
    const p = view.probe('param:url');
    assert.match(p.url, /^http:\/\/127\.0\.0\.1:\d+\/o\/[0-9a-f]{24}$/);
    const waiting = view.hits([p.id], 5000);
    const res = await request(`${p.url}/x.txt?a=1`, { headers: { 'user-agent': 'target-fetcher' } });
    assert.equal(await res.body.text(), view.marker(p.id));
    const hits = await waiting;
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.label, 'job:7 check:ssrf param:url');
    assert.equal(hits[0]!.path, `/o/${p.id}/x.txt?a=1`);
    assert.equal(hits[0]!.headers['user-agent'], 'target-fetcher');
    const dtd = await request(`${p.url}.dtd`);
    assert.match(await dtd.body.text(), /^<!-- wsc-oast-[0-9a-f]{24} -->$/);
  } finally {
    await oast.close();
  }
});

test('unknown ids are 404 and record nothing; waiting for no hit times out empty', async () => {
  const oast = await OastServer.start();
  try {
    const p = oast.probe('x');
    const res = await request(`${oast.baseUrl}/o/${'0'.repeat(24)}`);
    assert.equal(res.statusCode, 404);
    await res.body.dump();
    const t0 = Date.now();
    assert.deepEqual(await oast.hits([p.id], 150), []);
    assert.ok(Date.now() - t0 >= 140);
  } finally {
    await oast.close();
  }
});

test('the public URL, when set, is what probes carry', async () => {
  const oast = await OastServer.start({ publicUrl: 'https://oast.example.test/' });
  try {
    const p = oast.probe('x');
    assert.equal(p.url, `https://oast.example.test/o/${p.id}`);
    assert.equal(p.host, 'oast.example.test');
  } finally {
    await oast.close();
  }
});
