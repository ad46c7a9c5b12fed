// Loopback front-end/back-end pairs for the request-smuggling tests. The front-end is a small
// raw-TCP reverse proxy: it frames each client request by its own rule, forwards the bytes on one
// upstream connection per client connection, and relays whatever the back-end answers. The
// back-ends are node:http (TE-honouring) or a raw server with a chosen framing rule.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * How a hop decides where a request body ends:
 * - cl: Content-Length only, Transfer-Encoding ignored (the classic CL front-end);
 * - te: Transfer-Encoding: chunked wins over Content-Length (exact header name);
 * - te-lenient: like te, but trims the header name and takes the first of repeated headers;
 * - te-strict: chunked only for exactly one well-formed "Transfer-Encoding: chunked", else CL;
 * - strict: RFC 9112 for a proxy: ambiguous or malformed framing is refused with 400, chunked
 *   bodies are de-chunked and forwarded with a Content-Length.
 */
export type Framing = 'cl' | 'te' | 'te-lenient' | 'te-strict' | 'strict';

export interface ParsedRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body: Buffer;
  /** Bytes of the buffer this request took. */
  consumed: number;
  close: boolean;
}

type ParseResult = { state: 'incomplete' } | { state: 'error'; why: string } | { state: 'ok'; req: ParsedRequest };

function parseChunked(buf: Buffer, at: number): { body: Buffer; end: number } | 'incomplete' | 'error' {
  const parts: Buffer[] = [];
  let pos = at;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos, 'latin1');
    if (eol === -1) {
      // a size line with a non-hex character is wrong already, no need to wait for its end
      return /^[0-9a-fA-F]*$/.test(buf.toString('latin1', pos)) ? 'incomplete' : 'error';
    }
    const line = buf.toString('latin1', pos, eol).split(';')[0] ?? '';
    if (!/^[0-9a-fA-F]+$/.test(line)) return 'error';
    const size = parseInt(line, 16);
    pos = eol + 2;
    if (size === 0) {
      const end = buf.indexOf('\r\n\r\n', pos - 2, 'latin1');
      if (end === -1) return 'incomplete';
      return { body: Buffer.concat(parts), end: end + 4 };
    }
    if (buf.length < pos + size + 2) return 'incomplete';
    parts.push(buf.subarray(pos, pos + size));
    pos += size;
    if (buf.toString('latin1', pos, pos + 2) !== '\r\n') return 'error';
    pos += 2;
  }
}

export function parseRequest(buf: Buffer, framing: Framing): ParseResult {
  const end = buf.indexOf('\r\n\r\n', 0, 'latin1');
  if (end === -1) return buf.length > 65_536 ? { state: 'error', why: 'header too large' } : { state: 'incomplete' };
  const text = buf.toString('latin1', 0, end);
  const lines = framing === 'te-lenient' ? text.split(/\r?\n/) : text.split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '');
  if (!m) return { state: 'error', why: 'bad request line' };
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line)) {
      if (framing === 'strict') return { state: 'error', why: 'obsolete line folding' };
      const last = headers[headers.length - 1];
      if (last) last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) return { state: 'error', why: 'header without a colon' };
    const rawName = line.slice(0, i);
    if (framing === 'strict' && (/[\s]/.test(rawName) || line.includes('\n'))) return { state: 'error', why: 'malformed header' };
    const name = (framing === 'te-lenient' ? rawName.trim() : rawName).toLowerCase();
    headers.push([name, line.slice(i + 1).replace(/^[ \t]+|[ \t]+$/g, '')]);
  }
  const te = headers.filter(([k]) => k === 'transfer-encoding').map(([, v]) => v.toLowerCase());
  const cl = headers.filter(([k]) => k === 'content-length').map(([, v]) => v);
  let chunked: boolean;
  if (framing === 'cl') chunked = false;
  else if (framing === 'te') chunked = te.length > 0 && (te[te.length - 1]?.split(',').pop()?.trim() ?? '') === 'chunked';
  else if (framing === 'te-lenient') chunked = te.length > 0 && te[0]?.trim() === 'chunked';
  else if (framing === 'te-strict') chunked = te.length === 1 && te[0] === 'chunked';
  else {
    if (te.length > 1 || (te.length === 1 && te[0] !== 'chunked')) return { state: 'error', why: 'unsupported Transfer-Encoding' };
    if (te.length === 1 && cl.length > 0) return { state: 'error', why: 'both Content-Length and Transfer-Encoding' };
    chunked = te.length === 1;
  }
  const close = headers.some(([k, v]) => k === 'connection' && v.toLowerCase() === 'close');
  const bodyAt = end + 4;
  const base = { method: m[1] as string, path: m[2] as string, headers, close };
  if (chunked) {
    const r = parseChunked(buf, bodyAt);
    if (r === 'error') return { state: 'error', why: 'bad chunk' };
    if (r === 'incomplete') return { state: 'incomplete' };
    return { state: 'ok', req: { ...base, body: r.body, consumed: r.end } };
  }
  if (new Set(cl).size > 1 || cl.some((v) => !/^\d+$/.test(v))) return { state: 'error', why: 'bad Content-Length' };
  const len = cl.length > 0 ? Number(cl[0]) : 0;
  if (buf.length < bodyAt + len) return { state: 'incomplete' };
  return { state: 'ok', req: { ...base, body: buf.subarray(bodyAt, bodyAt + len), consumed: bodyAt + len } };
}

const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request';

export interface Hop {
  port: number;
  url: string;
  /** Paths the hop served, in order (back-ends only). */
  served: string[];
  close(): Promise<void>;
}

function track(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return sockets;
}

async function listen(server: Server, sockets: Set<Socket>, served: string[]): Promise<Hop> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    served,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The reverse proxy: one upstream connection per client connection, requests framed by `framing`. */
export async function startFrontEnd(framing: Framing, upstreamPort: number): Promise<Hop> {
  const server = createNetServer((client) => {
    const upstream = netConnect(upstreamPort, '127.0.0.1');
    let buf = Buffer.alloc(0);
    upstream.pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const r = parseRequest(buf, framing);
        if (r.state === 'incomplete') return;
        if (r.state === 'error') {
          upstream.destroy();
          client.end(BAD_REQUEST);
          return;
        }
        const { req } = r;
        if (framing === 'strict') {
          const keep = req.headers.filter(([k]) => k !== 'content-length' && k !== 'transfer-encoding');
          const head = [`${req.method} ${req.path} HTTP/1.1`, ...keep.map(([k, v]) => `${k}: ${v}`), `content-length: ${req.body.length}`].join('\r\n');
          upstream.write(Buffer.concat([Buffer.from(head + '\r\n\r\n', 'latin1'), req.body]));
        } else {
          // forwarded as received: the back-end re-frames the very same bytes its own way
          upstream.write(buf.subarray(0, req.consumed));
        }
        buf = buf.subarray(req.consumed);
      }
    });
  });
  return listen(server, track(server), []);
}

export const HOME = '<!doctype html><html><head><title>Shop</title></head><body><h1>Welcome to the shop</h1><a href="/about">About us</a></body></html>';
const ABOUT = '<!doctype html><html><head><title>About</title></head><body><h1>About the shop</h1><a href="/">Home</a></body></html>';

function pageFor(path: string): { status: number; body: string } {
  const p = path.split('?')[0] ?? '/';
  if (p === '/') return { status: 200, body: HOME };
  if (p === '/about') return { status: 200, body: ABOUT };
  return { status: 404, body: `<!doctype html><title>Not found</title><p>Not found: ${p.replace(/[<>&"]/g, '')}</p>` };
}

/** A raw HTTP/1.1 back-end that frames requests by `framing` and serves the shop's pages. */
export async function startRawBackend(framing: Framing): Promise<Hop> {
  const served: string[] = [];
  const server = createNetServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('error', (err) => void err);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const r = parseRequest(buf, framing);
        if (r.state === 'incomplete') return;
        if (r.state === 'error') {
          socket.end(BAD_REQUEST);
          return;
        }
        buf = buf.subarray(r.req.consumed);
        served.push(r.req.path);
        const page = pageFor(r.req.path);
        const body = Buffer.from(page.body, 'utf8');
        socket.write(
          `HTTP/1.1 ${page.status} ${page.status === 200 ? 'OK' : 'Not Found'}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\n${r.req.close ? 'Connection: close\r\n' : ''}\r\n`,
        );
        socket.write(body);
        if (r.req.close) {
          socket.end();
          return;
        }
      }
    });
  });
  return listen(server, track(server), served);
}

/** node:http as the back-end; `lenient` lets it accept Content-Length with Transfer-Encoding (TE wins). */
export async function startNodeBackend(lenient: boolean): Promise<Hop> {
  const served: string[] = [];
  const server = createHttpServer({ insecureHTTPParser: lenient }, (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      served.push(req.url ?? '/');
      const page = pageFor(req.url ?? '/');
      res.writeHead(page.status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page.body);
    });
  });
  return listen(server, track(server), served);
}

export interface Pair {
  front: Hop;
  back: Hop;
  close(): Promise<void>;
}

export async function startPair(front: Framing, back: () => Promise<Hop>): Promise<Pair> {
  const b = await back();
  const f = await startFrontEnd(front, b.port);
  return {
    front: f,
    back: b,
    close: async () => {
      await f.close();
      await b.close();
    },
  };
}
