import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { EgressGuard, parseRawResponses, probeCapabilities, probeTarget, twinOrigin } from './raw-probe.js';

test('twin origins and the probe scope: the job origin and its scheme twin only', () => {
  assert.equal(twinOrigin('https://shop.example/a'), 'http://shop.example');
  assert.equal(twinOrigin('http://shop.example/'), 'https://shop.example');
  assert.equal(twinOrigin('https://127.0.0.1:8443/'), 'http://127.0.0.1:8443');
  assert.deepEqual(probeTarget('https://shop.example/x', undefined), { host: 'shop.example', port: 443, tls: true });
  assert.deepEqual(probeTarget('https://shop.example/x', 'http://shop.example'), { host: 'shop.example', port: 80, tls: false });
  assert.throws(() => probeTarget('https://shop.example/x', 'http://other.example'), { name: 'OutOfScopeError' });
  assert.throws(() => probeTarget('https://shop.example/x', 'http://shop.example:8080'), { name: 'OutOfScopeError' });
});

test('responses are split by Content-Length, chunked framing and connection close', () => {
  const raw = Buffer.from(
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.0 200 OK\r\n\r\nrest',
    'latin1',
  );
  const rs = parseRawResponses(raw, true);
  assert.deepEqual(rs.map((r) => [r.status, r.body, r.complete]), [[200, 'hi', true], [404, 'abc', true], [200, 'rest', true]]);
  assert.equal(parseRawResponses(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort'), false)[0]?.complete, false);
});

test('raw exchanges stop at N responses, time out on silence, count against the budget and refuse metadata', async () => {
  const server = createServer((s) => {
    s.on('data', (d: Buffer) => {
      if (d.toString().startsWith('GET /silent')) return;
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const controller = new AbortController();
  let counted = 0;
  const caps = probeCapabilities({ startUrl: `http://127.0.0.1:${port}/`, signal: controller.signal, egress: new EgressGuard() }, () => {
    if (++counted > 3) throw new Error('budget');
  });
  try {
    const two = await caps.raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n', { responses: 2, timeoutMs: 5000 });
    assert.deepEqual(two.responses.map((r) => r.body), ['ok', 'yes']);
    assert.equal(two.timedOut, false);
    const silent = await caps.raw('GET /silent HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 200 });
    assert.equal(silent.timedOut, true);
    assert.equal(silent.firstByteMs, null);
    await assert.rejects(caps.raw('x', { origin: 'http://127.0.0.2:1' }), { name: 'OutOfScopeError' });
    await assert.rejects(caps.raw('x'), /budget/);
    const meta = probeCapabilities({ startUrl: 'http://169.254.169.254/', signal: controller.signal, egress: new EgressGuard() }, () => undefined);
    await assert.rejects(meta.raw('GET / HTTP/1.1\r\n\r\n'), { code: 'WSC_EGRESS_REFUSED' });
  } finally {
    controller.abort();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
