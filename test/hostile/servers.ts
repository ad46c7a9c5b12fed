// Loopback servers that misbehave on purpose. Each returns its URL and a close() that destroys
// every socket it accepted, so a test can always end.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { constants as zc, createBrotliCompress, createGzip, type BrotliCompress, type Gzip } from 'node:zlib';

export interface Hostile {
  url: string;
  port: number;
  hits: string[];
  close(): Promise<void>;
}

function track(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    // a peer that resets us is the normal end of several hostile cases
    s.on('error', () => s.destroy());
  });
  return sockets;
}

async function listen(server: Server, sockets: Set<Socket>, scheme: string, hits: string[], cleanup: () => void = () => undefined): Promise<Hostile> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        cleanup();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export type Route = (req: IncomingMessage, res: ServerResponse, stop: AbortSignal) => void;

/** An HTTP server whose routes misbehave; `stop` fires on close so endless writers end. */
export async function hostileHttp(routes: Record<string, Route | string>): Promise<Hostile> {
  const hits: string[] = [];
  const stopper = new AbortController();
  const server = createHttpServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
    hits.push(`${req.method} ${(req.url ?? '').slice(0, 200)}`);
    res.on('error', () => res.destroy());
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const prefix = Object.keys(routes).find((k) => k.endsWith('*') && path.startsWith(k.slice(0, -1)));
    const r = routes[path] ?? (prefix !== undefined ? routes[prefix] : undefined);
    if (r === undefined) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    else if (typeof r === 'string') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(r);
    else r(req, res, stopper.signal);
  });
  const sockets = track(server);
  return listen(server, sockets, 'http', hits, () => stopper.abort());
}

/**
 * Writes `chunk` until `limit` bytes (or forever), respecting back-pressure, until the peer goes or
 * the server closes. It yields to the event loop between chunks: the target shares the process
 * with the engine under test, and a writer that never yields would starve the engine's timers in a
 * way no remote target can.
 */
export function writeForever(res: ServerResponse, chunk: Buffer, stop: AbortSignal, limit = Infinity): void {
  let sent = 0;
  const pump = (): void => {
    if (stop.aborted || res.destroyed) return;
    if (sent >= limit) return void res.end();
    const piece = limit - sent < chunk.length ? chunk.subarray(0, limit - sent) : chunk;
    sent += piece.length;
    if (res.write(piece)) setImmediate(pump);
    else res.once('drain', () => setImmediate(pump));
  };
  pump();
}

/** A compressed body of `size` zero bytes, built by streaming (never the plain bytes in memory). */
export async function bomb(kind: 'gzip' | 'br', size: number): Promise<Buffer> {
  const z: Gzip | BrotliCompress =
    kind === 'gzip' ? createGzip({ level: 9 }) : createBrotliCompress({ params: { [zc.BROTLI_PARAM_QUALITY]: 4 } });
  const out: Buffer[] = [];
  z.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    z.on('end', resolve);
    z.on('error', reject);
  });
  const zeros = Buffer.alloc(MB_CHUNK);
  for (let left = size; left > 0; left -= MB_CHUNK) {
    if (!z.write(left < MB_CHUNK ? zeros.subarray(0, left) : zeros)) await new Promise((r) => z.once('drain', r));
  }
  z.end();
  await done;
  return Buffer.concat(out);
}
const MB_CHUNK = 1024 * 1024;

/**
 * A raw TCP server: reads the request head, then hands the path and socket to `answer`, which
 * writes whatever bytes it likes. For protocol violations Node's HTTP server would refuse to send.
 */
export async function rawHttp(answer: (path: string, socket: Socket) => void): Promise<Hostile> {
  const hits: string[] = [];
  const server = createNetServer((socket) => {
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (head.length > 1024 * 1024) return void socket.destroy();
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const path = /^[A-Z]+ (\S+)/.exec(head)?.[1] ?? '/';
      hits.push(path.slice(0, 200));
      answer(path, socket);
    };
    socket.on('data', onData);
  });
  const sockets = track(server);
  return listen(server, sockets, 'http', hits);
}

/** A "TLS" server that breaks the handshake: garbage for a ServerHello, a close, or silence. */
export async function brokenTls(mode: 'garbage' | 'close' | 'silent' | 'alert'): Promise<Hostile> {
  const hits: string[] = [];
  const server = createNetServer((socket) => {
    socket.once('data', (hello: Buffer) => {
      hits.push(`clienthello ${hello.length} bytes, type ${hello[0]}`);
      if (mode === 'garbage') socket.end(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n\u0000\u00ff garbage instead of a ServerHello', 'latin1'));
      else if (mode === 'close') socket.destroy();
      else if (mode === 'alert') socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])); // fatal handshake_failure
      // silent: keep the socket open and say nothing
    });
  });
  const sockets = track(server);
  return listen(server, sockets, 'https', hits);
}

export type FlakyMode = 'healthy' | 'dies' | 'flaps' | '503' | 'reset-alt';

export interface FlakyOptions {
  /** dies, 503: requests served normally before the target dies or answers 503 to everything. */
  after?: number;
  /** flaps: after `after` requests, down (connections reset) for downMs, then up for upMs, and again, ms. */
  upMs?: number;
  downMs?: number;
  /** Directory listings on the site (each one a Directory Listing finding). */
  dirs?: number;
}

/**
 * A small site (a home page linking to Apache-style directory listings) that fails the way real
 * targets fail under a scan: it dies after N requests (the port then refuses connections), flaps
 * (after N requests its connections are reset for downMs out of every downMs + upMs), answers 503 to everything
 * after N requests, or resets every other connection (each answer closes its connection, so every
 * request needs a new one).
 */
export async function flakySite(mode: FlakyMode, opts: FlakyOptions = {}): Promise<Hostile & { requests(): number; failingSince(): number | null }> {
  const hits: string[] = [];
  const dirs = opts.dirs ?? 30;
  const after = opts.after ?? 100;
  const upMs = opts.upMs ?? 1500;
  const downMs = opts.downMs ?? 1000;
  let flapStart: number | null = null;
  let requests = 0;
  let connections = 0;
  /** When the target first failed a request (performance.now()), for the time a verdict took. */
  let failedAt: number | null = null;
  const failing = (): void => {
    failedAt ??= performance.now();
  };
  let dead = false;
  const isDown = (): boolean => flapStart !== null && (Date.now() - flapStart) % (upMs + downMs) < downMs;
  const server = createHttpServer((req, res) => {
    requests++;
    if (mode === 'flaps' && flapStart === null && requests > after) flapStart = Date.now();
    hits.push(`${req.method} ${(req.url ?? '').slice(0, 200)}`);
    res.on('error', () => res.destroy());
    if (isDown()) {
      failing();
      return void req.socket.resetAndDestroy();
    }
    if (mode === 'dies' && requests > after) {
      failing();
      if (!dead) {
        dead = true;
        server.close();
        for (const s of sockets) s.resetAndDestroy();
      }
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'text/html', server: 'Apache/2.4.29 (Ubuntu)' };
    if (mode === 'reset-alt') headers.connection = 'close';
    if (mode === '503' && requests > after) failing();
    if (mode === '503' && requests > after) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const m = /^\/d(\d+)\/$/.exec(path);
    if (path === '/') {
      const links = Array.from({ length: dirs }, (_, i) => `<a href="/d${i}/">d${i}</a>`).join('\n');
      return void res.writeHead(200, headers).end(`<html><body>${links}</body></html>`);
    }
    if (m && Number(m[1]) < dirs) {
      const i = m[1];
      return void res
        .writeHead(200, headers)
        .end(`<html><head><title>Index of /d${i}</title></head><body><h1>Index of /d${i}</h1><ul><li><a href="../">Parent Directory</a></li><li><a href="f${i}.txt">f${i}.txt</a></li></ul></body></html>`);
    }
    res.writeHead(404, headers).end('<html><body>not found</body></html>');
  });
  const sockets = track(server);
  server.on('connection', (s: Socket) => {
    connections++;
    if (isDown() || (mode === 'reset-alt' && connections % 2 === 0)) {
      failing();
      s.resetAndDestroy();
    }
  });
  const h = await listen(server, sockets, 'http', hits);
  return {
    ...h,
    requests: () => requests,
    failingSince: () => failedAt,
    close: () => (dead ? Promise.resolve() : h.close()),
  };
}
