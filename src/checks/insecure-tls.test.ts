import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isVulnItem } from '../core/items.js';
import { mintTestCerts, type TestCerts } from '../../test/tls/certs.js';
import { ABOUT, PAGE, startDualServer, type DualServer } from '../../test/tls/servers.js';
import { runCheckThroughEngine, type EngineCheckRun } from '../../test/tls/engine-harness.js';
import { insecureTls, meta } from './insecure-tls.js';
import { signatureAlgorithmOid } from './definitions/insecure-tls.js';
import { X509Certificate } from 'node:crypto';

let certs: TestCerts;
let bad: DualServer;
let good: DualServer;
let badRun: EngineCheckRun;

const page = (extra: Record<string, string>) => (req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...extra });
  res.end(req.url === '/about' ? ABOUT : PAGE);
};

before(async () => {
  certs = mintTestCerts();
  // the bad site: expired self-signed RSA-1024/SHA-1 certificate, TLS 1.0 and 1.1, NULL and
  // anonymous suites, no HSTS, and the same pages over plain HTTP
  bad = await startDualServer(
    { key: certs.bad.key, cert: certs.bad.cert, minVersion: 'TLSv1', ciphers: 'ALL:eNULL:aNULL:@SECLEVEL=0', dhparam: 'auto' },
    page({}),
    page({}),
  );
  // the safe twin: a CA-signed certificate for 127.0.0.1, TLS 1.2+, default suites, HSTS, and
  // plain HTTP redirected to HTTPS
  good = await startDualServer(
    { key: certs.good.key, cert: certs.good.cert },
    page({ 'strict-transport-security': 'max-age=31536000; includeSubDomains' }),
    (req, res) => {
      res.writeHead(301, { location: `https://127.0.0.1:${good.port}${req.url ?? '/'}` });
      res.end();
    },
  );
});
after(async () => {
  await bad?.close();
  await good?.close();
});

test('metadata', () => {
  assert.equal(meta.id, 'insecure-tls');
  assert.ok(isVulnItem(meta.item));
  assert.equal(meta.item, 'Insecure SSL/TLS');
  assert.equal(meta.cwe, 326);
  assert.ok(meta.requestBudget >= 1 && meta.remediation.length > 20 && meta.references.length > 0);
  assert.equal(insecureTls.meta, meta);
  const der = new X509Certificate(certs.good.cert).raw;
  assert.equal(signatureAlgorithmOid(der), '1.2.840.113549.1.1.11', 'sha256WithRSAEncryption read from DER');
});

test('finds each problem of the bad HTTPS site as its own finding, with handshake evidence', async () => {
  badRun = await runCheckThroughEngine(insecureTls, `${bad.httpsUrl}/`, { trustedCa: [certs.ca.cert] });
  const byId = new Map(badRun.findings.map((f) => [f.parameter, f]));
  const expected = [
    'cert-expired',
    'cert-self-signed',
    'cert-hostname-mismatch',
    'cert-weak-key',
    'cert-weak-signature',
    'protocol-tlsv1',
    'protocol-tlsv1.1',
    'cipher-null',
    'cipher-anon',
    'hsts-missing',
    'http-no-redirect',
  ];
  assert.deepEqual([...byId.keys()].sort(), [...expected].sort(), JSON.stringify(badRun.logs.slice(-5)));
  const tls10 = byId.get('protocol-tlsv1')!;
  assert.equal(tls10.item, 'Insecure SSL/TLS');
  assert.match(tls10.evidence.request, /protocol versions offered: TLSv1 to TLSv1/);
  assert.match(tls10.evidence.response, /TLS ServerHello: TLSv1, cipher /);
  assert.match(tls10.evidence.proof, /Not probed \(the runtime cannot offer them\): SSLv2, SSLv3/);
  assert.match(byId.get('cert-expired')!.evidence.proof, /expired on Feb {1,2}1 00:00:00 2020 GMT/);
  assert.match(byId.get('cert-weak-key')!.evidence.proof, /1024 bits/);
  assert.match(byId.get('cert-weak-signature')!.evidence.proof, /sha1WithRSAEncryption/);
  assert.match(byId.get('cert-hostname-mismatch')!.evidence.proof, /not valid for "127\.0\.0\.1"/);
  assert.match(byId.get('cipher-null')!.evidence.proof, /NULL/);
  assert.match(byId.get('cipher-anon')!.evidence.proof, /ADH|AECDH/);
  assert.equal(byId.get('hsts-missing')!.location, 'response');
  const plain = byId.get('http-no-redirect')!;
  assert.equal(plain.url, `${bad.httpUrl}/`);
  assert.match(plain.evidence.response, /^HTTP\/1\.1 200/);
  assert.match(plain.evidence.proof, /answered 200 with the page itself/);
  // the groups this Node's OpenSSL has no code for are named, not silently skipped
  const notProbed = (tls10.extra?.['notProbed'] as string[]).join(', ');
  assert.match(notProbed, /RC4/);
});

test('safe twin: trusted, current certificate, TLS 1.2+, HSTS and a redirect yield nothing', async () => {
  const run = await runCheckThroughEngine(insecureTls, `${good.httpsUrl}/`, { trustedCa: [certs.ca.cert] });
  assert.ok(run.sent >= 8, `the probes were made (${run.sent})`);
  assert.deepEqual(run.findings.map((f) => f.parameter), []);
  // without the test CA the same certificate is, rightly, untrusted, and nothing else changes
  const untrusted = await runCheckThroughEngine(insecureTls, `${good.httpsUrl}/`);
  assert.deepEqual(untrusted.findings.map((f) => f.parameter), ['cert-untrusted']);
});

test('an http StartUrl with an https twin that does not redirect is reported; the budget holds', async () => {
  const run = await runCheckThroughEngine(insecureTls, `${bad.httpUrl}/`);
  assert.deepEqual(run.findings.map((f) => f.parameter), ['http-no-redirect']);
  const targets = Math.max(1, badRun.requests.length, badRun.pages.length);
  assert.ok(badRun.sent <= meta.requestBudget * targets, `${badRun.sent} probes for ${targets} targets`);
  assert.ok(badRun.sent <= meta.requestBudget, 'one origin fits the budget of a single target');
});
