// HTTP/1.1 pipelining on a PipelineLane, against a raw loopback server that shows what reached the
// wire: which connection, and how many requests arrived in one read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { USER_AGENTS } from '../core/items.js';
import { inlineExtractor, type Extractor } from './crawl/extractor.js';
import { crawl } from './crawler.js';
import { HttpClient, TimeoutError, TransportError, type HopResponse, type PipelineLane } from './http.js';
import { crawlPipelining, ScanSession } from './session.js';
import { DEFAULT_LIMITS } from './types.js';

interface Seen {
  connections: number;
  /** Request paths per data chunk, per connection. */
  chunks: string[][];
}

/**
 * A minimal HTTP/1.1 server: answers GETs in order, each with `page(path)` as the body (the path
 * itself by default). `plan(path, nth, inChunk)` may delay an answer (ms) or withhold it (null);
 * nth counts the requests on the connection, inChunk those that arrived in the same read.
 */
async function rawServer(plan: (path: string, nth: number, inChunk: number) => number | null = () => 0, page: (path: string) => string = (p) => p) {
  const seen: Seen = { connections: 0, chunks: [] };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    seen.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buf = '';
    let nth = 0;
    // answers go out in request order even when one of them waits
    let chain = Promise.resolve();
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const paths: string[] = [];
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const path = head.split(' ')[1] ?? '/';
        paths.push(path);
        const delay = plan(path, nth++, paths.length - 1);
        chain = chain.then(async () => {
          if (delay === null) return new Promise<void>(() => undefined);
          if (delay > 0) await new Promise((r) => setTimeout(r, delay));
          const body = page(path);
          if (!socket.destroyed) socket.write(`HTTP/1.1 200 OK\r\ncontent-type: ${body === path ? 'text/plain' : 'text/html'}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        });
      }
      if (paths.length > 0) seen.chunks.push(paths);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const opts = (timeoutMs = 5000) => ({ signal: new AbortController().signal, timeoutMs, maxBytes: 1 << 20 });

function batch(client: HttpClient, lane: PipelineLane, origin: string, paths: string[], timeoutMs?: number): Promise<HopResponse>[] {
  return paths.map((p) => client.request({ method: 'GET', url: origin + p }, opts(timeoutMs), undefined, lane));
}

test('a lane sends a batch of GETs together on one connection and matches each answer to its request', async () => {
  const srv = await rawServer();
  const client = new HttpClient({ connections: 8, pipelining: 8 });
  try {
    const lane = client.lane(srv.origin);
    assert.ok(lane, 'pipelining 8 gives lanes');
    const warm = await Promise.all(batch(client, lane, srv.origin, ['/w']));
    assert.equal(warm[0]?.body.toString(), '/w');
    const paths = Array.from({ length: 8 }, (_, i) => `/p${i}?q=${'x'.repeat(i * 100)}`);
    const answers = await Promise.all(batch(client, lane, srv.origin, paths));
    assert.deepEqual(
      answers.map((a) => a.body.toString()),
      paths,
    );
    assert.equal(srv.seen.connections, 1, 'one connection for all of them');
    // the batch after the first left in one write: the server read all eight at once
    assert.deepEqual(srv.seen.chunks.at(-1), paths);
    assert.equal(client.lane(srv.origin), lane, 'an idle lane is handed out again');
  } finally {
    await client.close();
    await srv.close();
  }
});

test('no lanes without pipelining; a busy lane makes another, up to connections / pipelining', async () => {
  const srv = await rawServer();
  const plain = new HttpClient({ connections: 8 });
  const client = new HttpClient({ connections: 8, pipelining: 4 });
  try {
    assert.equal(plain.lane(srv.origin), null);
    const a = client.lane(srv.origin) as PipelineLane;
    const pending = batch(client, a, srv.origin, ['/1', '/2']);
    const b = client.lane(srv.origin) as PipelineLane;
    assert.notEqual(a, b, 'a lane with requests in flight is not the first choice');
    batch(client, b, srv.origin, ['/3']).forEach((p) => pending.push(p));
    assert.ok(client.lane(srv.origin) === a || client.lane(srv.origin) === b, 'two lanes at most (8 / 4)');
    await Promise.all(pending);
    assert.equal(a.inFlight + b.inFlight, 0);
  } finally {
    await plain.close();
    await client.close();
    await srv.close();
  }
});

test('a slow answer holds the requests behind it but does not time them out; their clocks start after it', async () => {
  const srv = await rawServer((path) => (path === '/slow' ? 150 : 0));
  const client = new HttpClient({ connections: 4, pipelining: 4 });
  try {
    const lane = client.lane(srv.origin) as PipelineLane;
    const [slow, a, b] = await Promise.all(batch(client, lane, srv.origin, ['/slow', '/a', '/b'], 120_000));
    assert.equal(slow?.body.toString(), '/slow');
    assert.ok((slow?.timeMs ?? 0) >= 140);
    assert.equal(a?.body.toString(), '/a');
    assert.ok((a?.timeMs ?? 1e9) < 100, `the queued request's time is its own (${a?.timeMs} ms)`);
    assert.equal(b?.body.toString(), '/b');

    // The first request times out: the two behind it are sent again on a new connection and
    // answered within their own timeouts, which had not started.
    const srv2 = await rawServer((path, nth) => (path === '/hang' && nth === 0 ? null : 0));
    try {
      const lane2 = client.lane(srv2.origin) as PipelineLane;
      const settled = await Promise.allSettled(batch(client, lane2, srv2.origin, ['/hang', '/c', '/d'], 300));
      assert.equal(settled[0]?.status, 'rejected');
      assert.ok(settled[0]?.status === 'rejected' && settled[0].reason instanceof TimeoutError);
      assert.deepEqual(
        settled.slice(1).map((r) => (r.status === 'fulfilled' ? r.value.body.toString() : String(r.reason))),
        ['/c', '/d'],
      );
      assert.equal(lane2.broken, false, 'a slow first request says nothing about pipelining');
      assert.equal(srv2.seen.connections, 2);
    } finally {
      await srv2.close();
    }
  } finally {
    await client.close();
    await srv.close();
  }
});

// The usual way a server gets pipelining wrong: it answers the first request of what it read and
// drops the rest of the buffer. One request at a time on a keep-alive connection works.
const dropsPipelined = (_path: string, _nth: number, inChunk: number): number | null => (inChunk === 0 ? 0 : null);

test('a server that does not answer pipelined requests breaks the lane once; the origin gets no more lanes', async () => {
  const srv = await rawServer(dropsPipelined);
  const client = new HttpClient({ connections: 4, pipelining: 4 });
  try {
    const lane = client.lane(srv.origin) as PipelineLane;
    const t0 = performance.now();
    const settled = await Promise.allSettled(batch(client, lane, srv.origin, ['/1', '/2', '/3', '/4'], 300));
    assert.equal(settled[0]?.status, 'fulfilled');
    assert.ok(settled[1]?.status === 'rejected' && settled[1].reason instanceof TimeoutError);
    assert.equal(lane.broken, true);
    // the two behind the one that timed out do not wait for timeouts of their own
    assert.ok(settled[2]?.status === 'rejected' && settled[2].reason instanceof TransportError);
    assert.ok(settled[3]?.status === 'rejected' && settled[3].reason instanceof TransportError);
    assert.ok(performance.now() - t0 < 550, 'one timeout, not three');
    assert.equal(client.lane(srv.origin), null, 'one request per connection from now on');
    const plain = await client.request({ method: 'GET', url: srv.origin + '/5' }, opts(2000));
    assert.equal(plain.body.toString(), '/5');
  } finally {
    await client.close();
    await srv.close();
  }
});

test('only GETs without a body go on a lane', async () => {
  const srv = await rawServer();
  const client = new HttpClient({ connections: 4, pipelining: 4 });
  try {
    const lane = client.lane(srv.origin) as PipelineLane;
    const r = await client.request({ method: 'HEAD', url: srv.origin + '/h' }, opts(), undefined, lane);
    assert.equal(r.status, 200);
    assert.equal(lane.inFlight, 0);
    assert.equal(srv.seen.connections, 1, 'the HEAD went through the pool, the lane never connected');
  } finally {
    await client.close();
    await srv.close();
  }
});

test('a crawl at Speed "3" against a target that does not answer pipelined requests still gets every page', async () => {
  // 40 pages in a ring with shortcuts, named with letters (digits would make them variants of one
  // URL pattern, which the crawler caps); robots.txt and sitemap.xml are empty pages
  const name = (i: number): string => 'p' + String.fromCharCode(97 + Math.floor(i / 26)) + String.fromCharCode(97 + (i % 26));
  const html = (path: string): string => {
    const i = path === '/' ? 0 : Array.from({ length: 40 }, (_, j) => '/' + name(j)).indexOf(path);
    if (i < 0) return '';
    const links = [(i + 1) % 40, (i * 7 + 3) % 40].map((j) => `<a href="/${name(j)}">${j}</a>`).join('');
    return `<html><body>${links}</body></html>`;
  };
  const srv = await rawServer(dropsPipelined, html);
  const limits = { ...DEFAULT_LIMITS, requestTimeoutMs: 400 };
  const ac = new AbortController();
  const s = new ScanSession({ startUrl: srv.origin + '/', excludeUrls: [], headers: {}, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits, signal: ac.signal });
  try {
    const t0 = performance.now();
    const r = await crawl(s, { startUrl: srv.origin + '/', limits, signal: ac.signal, extractor: inlineExtractor });
    const pages = new Set(r.pages.filter((p) => p.response.status === 200).map((p) => new URL(p.request.url).pathname));
    for (let i = 1; i < 40; i++) assert.ok(pages.has('/' + name(i)), `/${name(i)} was fetched`);
    assert.ok(performance.now() - t0 < 10_000, 'the broken lanes cost a timeout each, not one per page');
  } finally {
    await s.close();
    await srv.close();
  }
});

test('pipelining depth: the Speed gives it, WSC_CRAWL_PIPELINING overrides it (1 = off), bounded 1-32', () => {
  assert.equal(crawlPipelining(8, undefined), 8);
  assert.equal(crawlPipelining(undefined, undefined), 1);
  assert.equal(crawlPipelining(8, '1'), 1);
  assert.equal(crawlPipelining(1, '4'), 4);
  assert.equal(crawlPipelining(8, '0'), 1);
  assert.equal(crawlPipelining(8, '500'), 32);
  assert.equal(crawlPipelining(8, 'lots'), 8, 'an unreadable value leaves the default');
  const ac = new AbortController();
  const s = new ScanSession({ startUrl: 'http://127.0.0.1:1/', excludeUrls: [], headers: {}, userAgent: 'x', speed: '1', limits: DEFAULT_LIMITS, signal: ac.signal });
  assert.equal(s.pipelining, 1, 'Speed "1" does not pipeline');
  assert.equal(s.lane('http://127.0.0.1:1'), null);
  void s.close();
});

test('a crawl pipelines a fast target and not a slow one (a slow page would hold up the pages behind it)', async () => {
  const name = (i: number): string => 'q' + String.fromCharCode(97 + Math.floor(i / 26)) + String.fromCharCode(97 + (i % 26));
  const html = (path: string): string => {
    const i = path === '/' ? 0 : Array.from({ length: 120 }, (_, j) => '/' + name(j)).indexOf(path);
    if (i < 0) return '';
    return `<html><body>${[(i + 1) % 120, (i * 7 + 3) % 120, (i * 13 + 5) % 120].map((j) => `<a href="/${name(j)}">${j}</a>`).join('')}</body></html>`;
  };
  const crawlOf = async (delayMs: number, quickHistory: boolean) => {
    const srv = await rawServer(() => delayMs, html);
    const limits = { ...DEFAULT_LIMITS };
    const ac = new AbortController();
    const s = new ScanSession({ startUrl: srv.origin + '/', excludeUrls: [], headers: {}, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits, signal: ac.signal });
    // The latency the scheduler sees with 32 requests in flight is about 32 / pages/s: a cold
    // process on a busy machine may not get under 10 ms in a 120-page crawl. With a history of
    // quick answers, what is tested is the crawl's reaction to this target.
    if (quickHistory) for (let i = 0; i < 8; i++) s.scheduler.report({ status: 200, timeMs: 1 });
    try {
      const r = await crawl(s, { startUrl: srv.origin + '/', limits, signal: ac.signal, extractor: inlineExtractor });
      const mostInOneRead = Math.max(...srv.seen.chunks.map((c) => c.length));
      const pipelinedReads = srv.seen.chunks.filter((c) => c.length > 1).length;
      return { pages: r.pages.length, mostInOneRead, pipelinedReads, reads: srv.seen.chunks.length };
    } finally {
      await s.close();
      await srv.close();
    }
  };
  const fast = await crawlOf(0, true);
  assert.ok(fast.pages >= 120, `all pages (${fast.pages})`);
  assert.ok(fast.mostInOneRead >= 2, 'requests arrived pipelined');
  const slow = await crawlOf(30, false);
  assert.ok(slow.pages >= 120, `all pages (${slow.pages})`);
  assert.equal(slow.mostInOneRead, 1, 'one request per connection at a time');
  // a target that turns out slow ends the pipelining within the first batches (8 slow answers)
  const turned = await crawlOf(30, true);
  assert.ok(turned.pages >= 120, `all pages (${turned.pages})`);
  assert.ok(turned.pipelinedReads <= 8, `${turned.pipelinedReads} of ${turned.reads} reads held more than one request`);
});

test('stopping a pipelined crawl leaves no rejection unobserved; a loop that fails stops the crawl at once', async () => {
  // gzip pages take a while to inflate, so a loop is often still waiting on one page of its batch
  // when a later one fails on the closing connection
  const N = 3000;
  const nm = (j: number): string => '/g' + j.toString(36).replace(/\d/g, (d) => 'ghijklmnop'[Number(d)] as string);
  const index = new Map(Array.from({ length: N }, (_, j) => [nm(j), j] as [string, number]));
  const pad = '<!-- ' + 'lorem ipsum dolor sit amet '.repeat(20000) + ' -->';
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const path = buf.slice(0, end).split(' ')[1] ?? '/';
        buf = buf.slice(end + 4);
        const i = path === '/' ? 0 : (index.get(path) ?? -1);
        const html = i < 0 ? '' : '<html><body>' + [(i + 1) % N, (i * 7 + 3) % N].map((j) => `<a href="${nm(j)}">x</a>`).join('') + pad + '</body></html>';
        const body = gzipSync(html, { level: 1 });
        socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-encoding: gzip\r\ncontent-length: ${body.length}\r\n\r\n`), body]));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const unobserved: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unobserved.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  const session = (signal: AbortSignal): ScanSession => {
    const s = new ScanSession({ startUrl: origin + '/', excludeUrls: [], headers: {}, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits: DEFAULT_LIMITS, signal });
    for (let i = 0; i < 8; i++) s.scheduler.report({ status: 200, timeMs: 1 });
    return s;
  };
  try {
    for (let k = 0; k < 8; k++) {
      const ac = new AbortController();
      const s = session(ac.signal);
      setTimeout(() => ac.abort(), 150 + k * 40);
      const t0 = performance.now();
      await assert.rejects(crawl(s, { startUrl: origin + '/', limits: DEFAULT_LIMITS, signal: ac.signal, extractor: inlineExtractor }), /abort/i);
      assert.ok(performance.now() - t0 < 150 + k * 40 + 2000, 'stopped within 2 s');
      await new Promise((r) => setTimeout(r, 20));
      await s.close();
      for (const so of sockets) so.destroy();
    }
    assert.deepEqual(unobserved, []);

    // An error in a loop (here the progress hook) ends the crawl, parked loops included. Small
    // fast pages, so that the crawl is pipelining (28 loops parked) when the batching loops fail.
    const small = await rawServer(
      () => 0,
      (path) => {
        const i = path === '/' ? 0 : (index.get(path) ?? -1);
        return i < 0 ? '' : '<html><body>' + [(i + 1) % N, (i * 7 + 3) % N].map((j) => `<a href="${nm(j)}">x</a>`).join('') + '</body></html>';
      },
    );
    const ac = new AbortController();
    const s = new ScanSession({ startUrl: small.origin + '/', excludeUrls: [], headers: {}, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits: DEFAULT_LIMITS, signal: ac.signal });
    for (let i = 0; i < 8; i++) s.scheduler.report({ status: 200, timeMs: 1 });
    let seen = 0;
    const onProgress = (): void => {
      if (++seen > 300) throw new Error('progress store unavailable');
    };
    const t0 = performance.now();
    const limits = { ...DEFAULT_LIMITS, maxDurationMs: 30_000 };
    try {
      await assert.rejects(crawl(s, { startUrl: small.origin + '/', limits, signal: ac.signal, extractor: inlineExtractor, onProgress }), /progress store unavailable/);
      assert.ok(performance.now() - t0 < 5000, 'not after maxDurationMs');
    } finally {
      await s.close();
      await small.close();
    }
  } finally {
    process.off('unhandledRejection', onUnhandled);
    for (const so of sockets) so.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('a stop lands within 2 s while hundreds of pages wait for extraction threads', async () => {
  const leaf = (i: number): string => '/leaf' + String.fromCharCode(97 + (i % 26), 97 + (Math.floor(i / 26) % 26)) + 'xyzw'[Math.floor(i / 676)];
  const srv = await rawServer(
    () => 0,
    (path) => (path === '/' ? '<html><body>' + Array.from({ length: 1000 }, (_, i) => `<a href="${leaf(i)}">x</a>`).join('') + '</body></html>' : '<html><body>leaf</body></html>'),
  );
  // an extractor as slow as a hostile page can make one: every leaf takes 5 s to read
  const slow: Extractor = {
    threads: 1,
    minChars: 0,
    extract: (job) => (job.pageUrl.endsWith('/') ? inlineExtractor.extract(job) : new Promise((r) => setTimeout(() => r(inlineExtractor.extract(job)), 5000))),
  };
  const ac = new AbortController();
  const s = new ScanSession({ startUrl: srv.origin + '/', excludeUrls: [], headers: {}, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits: DEFAULT_LIMITS, signal: ac.signal });
  try {
    const stopAt = 1000;
    setTimeout(() => ac.abort(), stopAt);
    const t0 = performance.now();
    await assert.rejects(crawl(s, { startUrl: srv.origin + '/', limits: DEFAULT_LIMITS, signal: ac.signal, extractor: slow }), /abort/i);
    const after = performance.now() - t0 - stopAt;
    assert.ok(after < 2000, `ended ${Math.round(after)} ms after the stop`);
  } finally {
    await s.close();
    await srv.close();
  }
});
