// Raw-socket and TLS-handshake probes for checks that an HTTP client cannot express: request
// smuggling needs exact bytes on one connection, TLS checks need handshakes with chosen offers.
// Both are confined to the job's origin and its scheme twin, and go through the egress guard.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, rootCertificates, type TLSSocket } from 'node:tls';
import type { RawExchange, RawHttpResponse, RawSendOptions, TlsProbeOptions, TlsProbeResult } from '../checks/types.js';
import { EgressGuard } from './egress.js';
import { AbortError, EgressError, TransportError } from './http.js';
import { OutOfScopeError } from './scope.js';

const DEFAULT_PORT: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * The other scheme's origin for the same host: the default port of the other scheme when the
 * StartUrl uses a default port, else the same port (one port serving both, as dev servers do).
 */
export function twinOrigin(startUrl: string): string {
  const u = new URL(startUrl);
  const other = u.protocol === 'https:' ? 'http:' : 'https:';
  const port = u.port === '' ? '' : `:${u.port}`;
  return `${other}//${u.hostname}${port}`;
}

interface Target {
  host: string;
  port: number;
  tls: boolean;
}

/** Resolves an origin a probe asked for; only the StartUrl's origin and its twin are allowed. */
export function probeTarget(startUrl: string, origin: string | undefined): Target {
  const start = new URL(startUrl);
  const wanted = origin === undefined ? start : new URL(origin);
  const allowed = [start.origin, new URL(twinOrigin(startUrl)).origin];
  if (!allowed.includes(wanted.origin)) throw new OutOfScopeError(wanted.origin, 'raw probes go to the job origin or its scheme twin only');
  const host = wanted.hostname.replace(/^\[|\]$/g, '');
  return { host, port: wanted.port === '' ? (DEFAULT_PORT[wanted.protocol] ?? 80) : Number(wanted.port), tls: wanted.protocol === 'https:' };
}

// ---------------------------------------------------------------------------------------------
// Reading HTTP/1.x responses off a raw connection

function findHeadEnd(buf: Buffer, from: number): { end: number; sep: number } | null {
  const crlf = buf.indexOf('\r\n\r\n', from, 'latin1');
  const lf = buf.indexOf('\n\n', from, 'latin1');
  if (crlf === -1 && lf === -1) return null;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { end: crlf, sep: 4 };
  return { end: lf, sep: 2 };
}

/** Reads a chunked body from `at`; the index after it, or -1 when it is not complete yet. */
function chunkedEnd(buf: Buffer, at: number, out: Buffer[]): number {
  let pos = at;
  for (;;) {
    const eol = buf.indexOf('\n', pos, 'latin1');
    if (eol === -1) return -1;
    const size = parseInt(buf.toString('latin1', pos, eol).trim().split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size < 0) return -1;
    pos = eol + 1;
    if (size === 0) {
      // trailers up to an empty line
      for (;;) {
        const next = buf.indexOf('\n', pos, 'latin1');
        if (next === -1) return -1;
        const line = buf.toString('latin1', pos, next).trim();
        pos = next + 1;
        if (line === '') return pos;
      }
    }
    if (pos + size > buf.length) return -1;
    out.push(buf.subarray(pos, pos + size));
    pos += size;
    const after = buf.indexOf('\n', pos, 'latin1');
    if (after === -1) return -1;
    pos = after + 1;
  }
}

/** Splits what a server sent into responses; the last one may be incomplete. */
export function parseRawResponses(buf: Buffer, closed: boolean): RawHttpResponse[] {
  const out: RawHttpResponse[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const head = findHeadEnd(buf, pos);
    if (!head) break;
    const lines = buf.toString('latin1', pos, head.end).split(/\r?\n/);
    const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})/.exec(lines[0] ?? '');
    if (!m) break;
    const status = Number(m[1]);
    const headers: [string, string][] = [];
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) headers.push([l.slice(0, i).trim(), l.slice(i + 1).trim()]);
    }
    const bodyStart = head.end + head.sep;
    const get = (n: string): string | undefined => headers.find(([k]) => k.toLowerCase() === n)?.[1];
    if (status < 200 || status === 204 || status === 304) {
      pos = bodyStart;
      // 1xx interim answers precede the real one; they are not responses of their own
      if (status >= 200) out.push({ status, headers, body: '', complete: true });
      continue;
    }
    if (/chunked/i.test(get('transfer-encoding') ?? '')) {
      const parts: Buffer[] = [];
      const end = chunkedEnd(buf, bodyStart, parts);
      if (end === -1) {
        out.push({ status, headers, body: Buffer.concat(parts).toString('latin1'), complete: false });
        break;
      }
      out.push({ status, headers, body: Buffer.concat(parts).toString('latin1'), complete: true });
      pos = end;
      continue;
    }
    const cl = get('content-length');
    if (cl !== undefined && /^\d+$/.test(cl)) {
      const end = bodyStart + Number(cl);
      out.push({ status, headers, body: buf.toString('latin1', bodyStart, Math.min(end, buf.length)), complete: end <= buf.length });
      if (end > buf.length) break;
      pos = end;
      continue;
    }
    // no framing: the body runs to the end of the connection
    out.push({ status, headers, body: buf.toString('latin1', bodyStart), complete: closed });
    break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Probes

export interface ProbeEnv {
  startUrl: string;
  signal: AbortSignal;
  egress: EgressGuard;
  /** Extra trusted CA certificates (PEM), beside Node's roots; tests pass the CA they minted. */
  trustedCa?: readonly string[];
}

function checkLiteral(env: ProbeEnv, host: string): void {
  if (isIP(host) !== 0) {
    const why = env.egress.refusal(host, host);
    if (why !== null) throw new EgressError(host, host, why);
  }
}

/** Writes `bytes` on a fresh connection and reads until close, timeout, the byte cap or N responses. */
export function rawExchange(env: ProbeEnv, bytes: string, opts: RawSendOptions = {}): Promise<RawExchange> {
  if (env.signal.aborted) return Promise.reject(new AbortError());
  const target = probeTarget(env.startUrl, opts.origin);
  checkLiteral(env, target.host);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxBytes = opts.maxBytes ?? 256 * 1024;
  const started = performance.now();
  return new Promise<RawExchange>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let connected = false;
    let firstByteMs: number | null = null;
    const socket: Socket = target.tls
      ? tlsConnect({ host: target.host, port: target.port, rejectUnauthorized: false, lookup: env.egress.lookup, ...(isIP(target.host) ? {} : { servername: target.host }) })
      : netConnect({ host: target.host, port: target.port, lookup: env.egress.lookup });
    const end = (closed: boolean, timedOut: boolean, err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      env.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) return reject(err);
      const data = Buffer.concat(chunks, size);
      resolve({
        request: bytes,
        data: data.toString('latin1'),
        responses: parseRawResponses(data, closed),
        timeMs: Math.round((performance.now() - started) * 10) / 10,
        firstByteMs,
        closed,
        timedOut,
      });
    };
    const onAbort = (): void => end(false, false, new AbortError());
    const timer = setTimeout(() => end(false, true), timeoutMs);
    env.signal.addEventListener('abort', onAbort, { once: true });
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      socket.write(Buffer.from(bytes, 'latin1'));
    });
    socket.on('data', (chunk: Buffer) => {
      firstByteMs ??= Math.round((performance.now() - started) * 10) / 10;
      const room = maxBytes - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size >= maxBytes) return end(false, false);
      if (opts.responses !== undefined) {
        const got = parseRawResponses(Buffer.concat(chunks, size), false);
        if (got.length >= opts.responses && got.slice(0, opts.responses).every((r) => r.complete)) end(false, false);
      }
    });
    socket.on('end', () => end(true, false));
    socket.on('close', () => end(true, false));
    socket.on('error', (err) => {
      // after the bytes went out, a reset is the peer's answer (it closed on us), not a failure
      if (connected) end(true, false);
      else end(false, false, new TransportError(err.message));
    });
  });
}

function chainOf(socket: TLSSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cert = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(new Uint8Array(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}

/** One handshake with the given offer; a refused or failed handshake is a result, not an error. */
export function tlsHandshake(env: ProbeEnv, opts: TlsProbeOptions = {}): Promise<TlsProbeResult> {
  if (env.signal.aborted) return Promise.reject(new AbortError());
  const target = probeTarget(env.startUrl, opts.origin ?? (env.startUrl.startsWith('https:') ? undefined : twinOrigin(env.startUrl)));
  if (!target.tls) throw new OutOfScopeError(opts.origin ?? env.startUrl, 'a TLS probe needs an https origin');
  checkLiteral(env, target.host);
  const base: TlsProbeResult = {
    host: target.host,
    port: target.port,
    connected: false,
    unsupported: false,
    error: null,
    protocol: null,
    cipher: null,
    authorized: false,
    authorizationError: null,
    chain: [],
    timeMs: 0,
  };
  const ca = [...rootCertificates, ...(env.trustedCa ?? [])];
  const offer = {
    ...(opts.minVersion ? { minVersion: opts.minVersion } : {}),
    ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
    ...(opts.ciphers ? { ciphers: opts.ciphers } : {}),
  };
  try {
    // The offer is tried on a context first: a cipher string this OpenSSL build has nothing for
    // (RC4, 3DES, EXPORT) throws here, which means "could not probe", not "the server refused".
    createSecureContext(offer);
  } catch (err) {
    return Promise.resolve({ ...base, unsupported: true, error: err instanceof Error ? err.message : String(err) });
  }
  const started = performance.now();
  return new Promise<TlsProbeResult>((resolve, reject) => {
    let done = false;
    const socket = tlsConnect({
      host: target.host,
      port: target.port,
      ca,
      rejectUnauthorized: false,
      lookup: env.egress.lookup,
      ...offer,
      ...(isIP(target.host) ? {} : { servername: target.host }),
    });
    const finish = (result: TlsProbeResult | Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      env.signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve({ ...result, timeMs: Math.round((performance.now() - started) * 10) / 10 });
    };
    const onAbort = (): void => finish(new AbortError());
    const timer = setTimeout(() => finish({ ...base, error: `no handshake within ${opts.timeoutMs ?? 5000} ms` }), opts.timeoutMs ?? 5000);
    env.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const c = socket.getCipher();
      const authErr = socket.authorizationError;
      finish({
        ...base,
        connected: true,
        protocol: socket.getProtocol(),
        cipher: c ? { name: c.name, standardName: c.standardName, version: c.version } : null,
        authorized: socket.authorized,
        authorizationError: authErr ? String((authErr as Error & { code?: string }).code ?? authErr) : null,
        chain: chainOf(socket),
      });
    });
    socket.on('error', (err: Error & { code?: string }) => finish({ ...base, error: err.code ? `${err.code}: ${err.message}` : err.message }));
  });
}

/** The probe capabilities of one check's context, each call counted by `count` (which may throw). */
export function probeCapabilities(env: ProbeEnv, count: () => void): {
  raw(bytes: string, options?: RawSendOptions): Promise<RawExchange>;
  tlsProbe(options?: TlsProbeOptions): Promise<TlsProbeResult>;
} {
  return {
    raw: async (bytes, options) => {
      if (env.signal.aborted) throw new AbortError();
      count();
      return rawExchange(env, bytes, options);
    },
    tlsProbe: async (options) => {
      if (env.signal.aborted) throw new AbortError();
      count();
      return tlsHandshake(env, options);
    },
  };
}

export { EgressGuard };
