import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTestbed } from '../../test/testbed/server.js';
import { AbortError, HttpClient, rawRequest, sendWithRedirects, TimeoutError, TransportError } from './http.js';

const opts = (over: Partial<{ timeoutMs: number; maxBytes: number; signal: AbortSignal }> = {}) => ({
  signal: new AbortController().signal,
  timeoutMs: 5000,
  maxBytes: 1024 * 1024,
  ...over,
});

test('body is capped at maxBytes: the connection is closed there, not drained, and the client stays usable', async () => {
  const tb = await startTestbed();
  const client = new HttpClient({ connections: 2 });
  try {
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) {
      const r = await client.request({ method: 'GET', url: tb.url + '/huge?mb=1024' }, opts({ maxBytes: 100_000, timeoutMs: 20_000 }));
      assert.equal(r.status, 200);
      assert.equal(r.body.length, 100_000);
      assert.equal(r.truncated, true);
      assert.ok(r.bytes < 2 * 100_000, `read ${r.bytes} bytes of a 1 GiB body for a cap of 100,000`);
    }
    assert.ok(performance.now() - t0 < 5000, 'five requests for a 1 GiB page cost what five small pages cost');
    assert.ok(process.memoryUsage().rss - before < 128 * 1024 * 1024, 'the discarded part was not buffered');
    const again = await client.request({ method: 'GET', url: tb.url + '/about' }, opts());
    assert.equal(again.status, 200);
  } finally {
    await client.close();
    await tb.close();
  }
});

test('gzip bomb stops at the output cap; br and deflate decode; text is UTF-8 with replacement, binary latin1', async () => {
  const tb = await startTestbed();
  const client = new HttpClient({ connections: 2 });
  try {
    const before = process.memoryUsage().rss;
    const bomb = await client.request({ method: 'GET', url: tb.url + '/bomb' }, opts({ maxBytes: 256 * 1024 }));
    assert.equal(bomb.body.length, 256 * 1024);
    assert.equal(bomb.truncated, true);
    assert.ok(bomb.bytes < 1024 * 1024, 'wire bytes are the compressed size');
    assert.ok(process.memoryUsage().rss - before < 48 * 1024 * 1024, 'the 64 MiB expansion never happened');

    for (const enc of ['br', 'deflate']) {
      const r = await client.request({ method: 'GET', url: `${tb.url}/compressed?enc=${enc}` }, opts());
      assert.match(r.body.toString('utf8'), /squeeze me squeeze me/);
      assert.equal(r.truncated, false);
    }

    const { hopToResponse } = await import('./http.js');
    const bad = await client.request({ method: 'GET', url: tb.url + '/bad-utf8' }, opts());
    assert.equal(hopToResponse(bad, tb.url, [], 1).body, '<p>ok \ufffd\ufffd\ufffd done</p>');
    const bin = await client.request({ method: 'GET', url: tb.url + '/binary' }, opts());
    const text = hopToResponse(bin, tb.url, [], 1).body;
    assert.equal(text.length, 256);
    assert.equal(text.charCodeAt(255), 255);
  } finally {
    await client.close();
    await tb.close();
  }
});

test('timeout, abort and connection errors are typed', async () => {
  const tb = await startTestbed();
  const client = new HttpClient({ connections: 4 });
  try {
    const t0 = Date.now();
    await assert.rejects(client.request({ method: 'GET', url: tb.url + '/hang' }, opts({ timeoutMs: 300 })), TimeoutError);
    assert.ok(Date.now() - t0 < 1500);
    const ac = new AbortController();
    const p = client.request({ method: 'GET', url: tb.url + '/hang' }, opts({ signal: ac.signal }));
    setTimeout(() => ac.abort(), 100);
    await assert.rejects(p, AbortError);
    const closed = await startTestbed();
    const deadUrl = closed.url;
    await closed.close();
    await assert.rejects(client.request({ method: 'GET', url: deadUrl + '/' }, opts()), TransportError);
  } finally {
    await client.close();
    await tb.close();
  }
});

test('redirects: followed by hand, capped, and stopped where the caller says', async () => {
  const tb = await startTestbed();
  const client = new HttpClient({ connections: 2 });
  const hop = (spec: { method: string; url: string }) => client.request(spec, opts());
  try {
    const r = await sendWithRedirects({ method: 'GET', url: tb.url + '/redirect-me' }, hop, { follow: true, maxRedirects: 5 });
    assert.equal(r.status, 200);
    assert.equal(r.url, tb.url + '/landing');
    assert.deepEqual(r.redirects, [tb.url + '/landing']);

    const loop = await sendWithRedirects({ method: 'GET', url: tb.url + '/loop/a' }, hop, { follow: true, maxRedirects: 3 });
    assert.equal(loop.status, 302);
    assert.equal(loop.redirects.length, 3);

    const off = await sendWithRedirects({ method: 'GET', url: tb.url + '/offsite-redirect' }, hop, {
      follow: true,
      maxRedirects: 5,
      allowHop: (u) => u.startsWith(tb.url),
    });
    assert.equal(off.status, 302);
    assert.equal(off.headers['location'], 'http://other.invalid/landing');

    const manual = await sendWithRedirects({ method: 'GET', url: tb.url + '/redirect-me' }, hop, { follow: false, maxRedirects: 5 });
    assert.equal(manual.status, 301);
    assert.deepEqual(manual.redirects, []);
  } finally {
    await client.close();
    await tb.close();
  }
});

test('rawRequest sends bytes as given and reports how the exchange ended', async () => {
  const server = createServer((sock) => {
    sock.once('data', (d) => {
      if (d.toString().startsWith('CLOSE')) sock.end('bye\n');
      else sock.write('partial');
    });
    sock.on('error', () => {
      // the client destroys the socket at its timeout; that is expected here
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const a = await rawRequest('127.0.0.1', port, false, 'CLOSE me\r\n', { timeoutMs: 2000, maxBytes: 1000 });
    assert.equal(a.data.toString(), 'bye\n');
    assert.equal(a.closed, true);
    const b = await rawRequest('127.0.0.1', port, false, Buffer.from('WAIT'), { timeoutMs: 200, maxBytes: 1000 });
    assert.equal(b.data.toString(), 'partial');
    assert.equal(b.closed, false);
    assert.ok(b.timeMs >= 150);
    const c = await rawRequest('127.0.0.1', port, false, 'WAIT', { timeoutMs: 2000, maxBytes: 4 });
    assert.equal(c.data.toString(), 'part');
  } finally {
    server.close();
  }
});
