import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { assertCheckMetadata } from '../../test/testbed/check-harness.js';
import { runCheckThroughEngine } from '../../test/tls/engine-harness.js';
import { startNodeBackend, startPair, startRawBackend, type Pair } from '../../test/smuggling/servers.js';
import { meta, requestSmuggling } from './request-smuggling.js';

let clTe: Pair;
let teCl: Pair;
let teTe: Pair;
let safe: Pair;

before(async () => {
  // CL.TE: the proxy frames by Content-Length; node:http behind it (lenient parser) by chunked
  clTe = await startPair('cl', () => startNodeBackend(true));
  // TE.CL: the proxy frames by chunked; the raw back-end by Content-Length
  teCl = await startPair('te', () => startRawBackend('cl'));
  // TE.TE: both chunked, but the proxy also honours "Transfer-Encoding : chunked" and the back-end does not
  teTe = await startPair('te-lenient', () => startRawBackend('te-strict'));
  // safe: an RFC 9112 proxy (refuses ambiguous framing, re-frames chunked bodies) before node:http
  safe = await startPair('strict', () => startNodeBackend(false));
});
after(async () => {
  for (const p of [clTe, teCl, teTe, safe]) await p?.close();
});

/** A plain GET on a fresh connection, as another visitor would send it. */
function visit(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\r\n'));
    let data = '';
    s.on('data', (c: Buffer) => (data += c.toString('latin1')));
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
}

test('metadata', () => assertCheckMetadata(requestSmuggling, meta, { id: 'request-smuggling', item: 'HTTP Request Smuggling', cwe: 444 }));

test('CL.TE pair: timing anomaly confirmed by our own follow-up turning into the marker request', async () => {
  const run = await runCheckThroughEngine(requestSmuggling, `${clTe.front.url}/`);
  assert.equal(run.findings.length, 1, JSON.stringify(run.logs));
  const f = run.findings[0]!;
  assert.equal(f.parameter, 'CL.TE');
  assert.equal(f.item, 'HTTP Request Smuggling');
  assert.match(f.evidence.request, /^POST \/ HTTP\/1\.1\r\n[\s\S]*Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET \/wsc-smuggle-[0-9a-f]+ HTTP\/1\.1/);
  assert.match(f.evidence.proof, /^CL\.TE: the timing probe got no answer within \d+ ms twice/);
  assert.match(f.evidence.proof, /follow-up "GET \/" answered 404 where the same pair with normal framing answered 200/);
  const marker = f.extra?.['markerPath'] as string;
  assert.ok(clTe.back.served.includes(marker), 'the back-end served the smuggled marker request');
  // the smuggled request consumed our follow-up: the next visitor gets the home page
  assert.match(await visit(clTe.front.port), /^HTTP\/1\.1 200[\s\S]*Welcome to the shop/);
});

test('TE.CL and TE.TE (obfuscated Transfer-Encoding) pairs are found and told apart', async () => {
  const tecl = await runCheckThroughEngine(requestSmuggling, `${teCl.front.url}/`);
  assert.deepEqual(tecl.findings.map((f) => f.parameter), ['TE.CL'], JSON.stringify(tecl.logs));
  assert.match(tecl.findings[0]!.evidence.proof, /answered 404 where the same pair with normal framing answered 200/);
  assert.ok(teCl.back.served.includes(tecl.findings[0]!.extra?.['markerPath'] as string));
  const tete = await runCheckThroughEngine(requestSmuggling, `${teTe.front.url}/`);
  assert.deepEqual(tete.findings.map((f) => f.parameter), ['TE.TE'], JSON.stringify(tete.logs));
  assert.equal(tete.findings[0]!.payload, 'Transfer-Encoding : chunked');
  assert.match(tete.findings[0]!.title, /TE\.TE \(TE\.CL via space-before-colon\)/);
  assert.match(await visit(teTe.front.port), /^HTTP\/1\.1 200[\s\S]*Welcome to the shop/);
  for (const r of [tecl, tete]) assert.ok(r.sent <= meta.requestBudget, `${r.sent} probes`);
});

test('safe pair yields nothing; every run stays within its request budget', async () => {
  const run = await runCheckThroughEngine(requestSmuggling, `${safe.front.url}/`);
  assert.deepEqual(run.findings, []);
  assert.ok(run.sent >= 10, `the probes were sent (${run.sent})`);
  assert.ok(!safe.back.served.some((p) => p.startsWith('/wsc-smuggle-')), 'nothing was smuggled through the strict proxy');
  const targets = Math.max(1, run.requests.length, run.pages.length);
  assert.ok(run.sent <= meta.requestBudget * targets, `${run.sent} probes for ${targets} targets`);
  assert.ok(run.sent <= meta.requestBudget, 'one origin fits the budget of a single target');
});
