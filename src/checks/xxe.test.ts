import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn } from '../../test/testbed/check-harness.js';
import { xxe, meta } from './xxe.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(xxe, meta, { id: 'xxe', item: 'XXE', cwe: 611 }));

test('in-band file read on the script-posted XML API and the XML form field; OOB hit on the blind API', async () => {
  const run = await runCheckOn(xxe, `${tb.url}/xxe/`);
  const found = new Map(run.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter ?? '(body)'}`, f]));
  assert.deepEqual([...found.keys()].sort(), ['/xxe/api/cart (body)', '/xxe/api/order (body)', '/xxe/api/ping (body)', '/xxe/import/save xml', '/xxe/service/convert (body)']);
  assert.match(found.get('/xxe/api/cart (body)')!.evidence.proof, /take JSON only: its framework parses XML too/);
  assert.match(found.get('/xxe/api/cart (body)')!.evidence.request, /^POST \/xxe\/api\/cart[\s\S]*Content-Type: application\/xml[\s\S]*<cart>&wscxe;<\/cart>|<item>&wscxe;<\/item>/);
  const link = found.get('/xxe/service/convert (body)')!;
  assert.equal(link.method, 'POST');
  assert.match(link.evidence.proof, /only as a GET link: it takes XML by POST/);
  const order = found.get('/xxe/api/order (body)')!;
  assert.equal(order.location, 'xml');
  assert.match(order.evidence.proof, /^root:[^:]*:0:0:/);
  assert.match(order.evidence.request, /Content-Type: application\/xml[\s\S]*<!DOCTYPE order \[<!ENTITY wscxe SYSTEM "file:\/\/\/etc\/passwd">\]>/);
  assert.match(found.get('/xxe/import/save xml')!.evidence.proof, /^root:[^:]*:0:0:/);
  const ping = found.get('/xxe/api/ping (body)')!;
  assert.match(ping.evidence.proof, /^GET \/o\/[0-9a-f]{24}\.dtd\n/);
  assert.equal(ping.extra?.technique, 'out-of-band external entity');
  for (const f of run.findings) {
    assert.doesNotMatch(f.payload!, /<!ENTITY [^>]*&\w+;/, 'no entity refers to another');
  }
});

test('safe twin: a parser that rejects DOCTYPE yields nothing', async () => {
  const run = await runCheckOn(xxe, `${tb.url}/xxe-safe/`);
  assert.ok(run.sent.some((s) => s.url.endsWith('/xxe-safe/api/order') && String(s.body).includes('<!DOCTYPE')), 'the API was probed');
  assert.ok(run.sent.some((s) => s.url.endsWith('/xxe-safe/import/save')), 'the form was probed');
  assert.deepEqual(run.findings, []);
});

test('stays within its request budget', async () => {
  for (const path of ['/xxe/', '/xxe-safe/']) {
    const run = await runCheckOn(xxe, `${tb.url}${path}`);
    const targets = Math.max(1, run.requests.length, run.pages.length);
    assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  }
});
