// The engine's HTTP transport: undici with one keep-alive Agent per scan session, manual redirects,
// hard caps on what a response may cost us (bytes kept, decompressed bytes, time), and a raw-socket
// helper for checks that must send bytes undici would refuse to produce.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Transform } from 'node:stream';
import { constants as zc, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { buildConnector, Client, Pool, ProxyAgent, type Dispatcher } from 'undici';
import type { HttpRequestSpec, HttpResponseData } from '../core/model.js';
import { EgressGuard, type EgressOptions } from './egress.js';

/** The job (or the caller) aborted the request. */
export class AbortError extends Error {
  override name = 'AbortError';
  constructor(message = 'the scan was aborted') {
    super(message);
  }
}

/** The per-request timeout fired before the last body byte. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** The connection failed or the peer broke the protocol. */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    message: string,
    /** The system or undici error code behind it (ECONNREFUSED, ECONNRESET, ...), when known. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * Egress refused the connection (link-local, cloud metadata, or a DNS answer that moved). It keeps
 * the name TransportError so that code sorting errors by name (checks' trySend) treats it as the
 * per-request failure it is; `code` and instanceof tell it apart. Defined here, not in egress.ts,
 * because a subclass must not be evaluated across the http.ts/egress.ts import cycle.
 */
export class EgressError extends TransportError {
  override readonly code = 'WSC_EGRESS_REFUSED';
  constructor(
    readonly host: string,
    readonly address: string | null,
    readonly why: string,
  ) {
    super(`refused to connect to ${host}${address !== null && address !== host ? ` (${address})` : ''}: ${why}`);
  }
}

/** One request/response without redirect handling: what a single hop produced. */
export interface HopResponse {
  status: number;
  headers: Record<string, string>;
  rawHeaders: [string, string][];
  /** Decoded (decompressed) body bytes, at most maxBytes. `headers` and `rawHeaders` may be frozen and shared. */
  body: Buffer;
  /** Body bytes received on the wire. */
  bytes: number;
  truncated: boolean;
  timeMs: number;
}

export interface HopOptions {
  signal: AbortSignal;
  timeoutMs: number;
  maxBytes: number;
  /** Send the path and query exactly as written in spec.url (see rawPathOf). */
  rawPath?: boolean;
  /** The headers as a flat name/value list, already merged by the caller; spec.headers is then ignored. */
  headerList?: string[];
}

/**
 * The path and query of an absolute URL as written, when it is printable ASCII: WHATWG parsing
 * would resolve "/a/.%2e/b" to "/b", which hides the very traversal a probe is about.
 */
export function rawPathOf(url: string): string | null {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(\/[^#]*)?(?:#.*)?$/i.exec(url);
  const path = m?.[1];
  if (path === undefined || !/^\/[\x21-\x7e]*$/.test(path)) return null;
  return path;
}

export interface HttpClientOptions {
  /** Sockets per origin; sized to the speed's concurrency. */
  connections: number;
  keepAliveTimeoutMs?: number;
  /**
   * The owner's (job's) signal: when it fires, every request in flight is aborted at once by
   * destroying the Agent. Requests made under this signal register nothing per request.
   */
  signal?: AbortSignal;
  /** Egress rules (allowed sensitive CIDRs, an injected resolver); every connection is checked. */
  egress?: EgressOptions;
  /**
   * GETs that lane() may put back to back on one connection (HTTP/1.1 pipelining); 1, the
   * default, means no lanes.
   */
  pipelining?: number;
  /** The proxy for a request's URL, or null to connect directly (see transport/options.ts). */
  proxyFor?: (url: URL) => string | null;
  /** A client certificate and key (PEM) for sites that ask for one. */
  clientCert?: string;
  clientKey?: string;
}

const TEXT_TYPE = /^(text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript|ecmascript|x-www-form-urlencoded|xhtml\+xml)|image\/svg\+xml)/i;

/** Text types (and a missing Content-Type, usually HTML) decode as UTF-8; anything else as latin1. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.trim() === '') return true;
  return TEXT_TYPE.test(contentType.trim());
}

export function decodeBody(body: Buffer, contentType: string | undefined): string {
  // Buffer#toString('utf8') substitutes U+FFFD for invalid sequences, which is what we want.
  return isTextContentType(contentType) ? body.toString('utf8') : body.toString('latin1');
}

// Header names and short values repeat on every response of a site ("content-type", "text/html",
// "keep-alive"); sharing one string per distinct text roughly halves what a stored page costs.
const interned = new Map<string, string>();
const INTERN_MAX_LEN = 64;
const INTERN_MAX_ENTRIES = 20_000;

function intern(buf: Buffer): string {
  const s = buf.toString('latin1');
  if (s.length > INTERN_MAX_LEN) return s;
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  // a full table is dropped rather than evicted piecemeal: cheap, and it refills with what is common
  if (interned.size >= INTERN_MAX_ENTRIES) interned.clear();
  interned.set(s, s);
  return s;
}

function headerPairs(raw: Buffer[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([intern(raw[i] as Buffer), intern(raw[i + 1] as Buffer)]);
  return out;
}

interface HeaderBlock {
  pairs: [string, string][];
  record: Record<string, string>;
}

// Whole header blocks repeat too (same server, same second): identical blocks share one frozen
// pairs array and record. Frozen, so a consumer that tried to edit one response's headers in place
// fails loudly instead of editing every response that shares them.
const blocks = new Map<string, HeaderBlock>();
const BLOCK_MAX_LEN = 2048;
const BLOCK_MAX_ENTRIES = 2000;

function headerBlock(raw: Buffer[]): HeaderBlock {
  // The cache key is the raw block itself, copied once and read as one string: cheaper than
  // decoding each name and value first. NUL cannot occur in a field name (a token) nor in a value
  // the parser accepted, so NUL separators keep the split points unambiguous.
  let size = 0;
  for (let i = 0; i < raw.length; i++) size += (raw[i] as Buffer).length + 1;
  if (size > BLOCK_MAX_LEN) {
    const pairs = headerPairs(raw);
    return { pairs, record: headerRecord(pairs) };
  }
  const joined = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as Buffer;
    at += b.copy(joined, at);
    joined[at++] = 0;
  }
  const key = joined.toString('latin1', 0, size);
  const hit = blocks.get(key);
  if (hit) return hit;
  const pairs = headerPairs(raw);
  if (blocks.size >= BLOCK_MAX_ENTRIES) blocks.clear();
  for (const p of pairs) Object.freeze(p);
  const block: HeaderBlock = { pairs: Object.freeze(pairs) as [string, string][], record: Object.freeze(headerRecord(pairs)) as Record<string, string> };
  blocks.set(key, block);
  return block;
}

/** Lower-case names; repeated headers are joined with ", " except Set-Cookie, joined with "\n". */
export function headerRecord(pairs: [string, string][]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) {
    const name = k.toLowerCase();
    const prev = out[name];
    out[name] = prev === undefined ? v : prev + (name === 'set-cookie' ? '\n' : ', ') + v;
  }
  return out;
}

function decompressorFor(encoding: string | undefined): Transform | null {
  const enc = (encoding ?? '').trim().toLowerCase();
  // Sync flush lets a truncated or trailing-garbage stream still yield what decoded so far.
  if (enc === 'gzip' || enc === 'x-gzip') return createGunzip({ finishFlush: zc.Z_SYNC_FLUSH });
  if (enc === 'deflate') return createInflate({ finishFlush: zc.Z_SYNC_FLUSH });
  if (enc === 'br') return createBrotliDecompress({ finishFlush: zc.BROTLI_OPERATION_FLUSH });
  return null;
}

/** Collects up to `max` bytes; everything past it is counted and dropped. */
class CappedSink {
  private chunks: Buffer[] = [];
  size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): boolean {
    if (this.truncated) return false;
    const room = this.max - this.size;
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.size = this.max;
      this.truncated = true;
      return false;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }
  result(): Buffer {
    return this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size);
  }
}

function toHeaderArray(headers: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  if (!headers) return out;
  for (const k in headers) out.push(k, headers[k] as string);
  return out;
}

/**
 * One request in flight: undici's handler plus the caps, the timer and the abort wiring, as one
 * object with methods (a closure per callback per request was measurable garbage in a crawl).
 */
class Hop implements Dispatcher.DispatchHandler {
  private settled = false;
  private abortHop: ((err?: Error) => void) | null = null;
  private status = 0;
  private block: HeaderBlock = EMPTY_BLOCK;
  private wireBytes = 0;
  private sink: CappedSink | null = null;
  private inflater: Transform | null = null;
  private inflaterDone: Promise<void> | null = null;
  private started = 0;
  // A plain timer, and for the client's own signal no per-request listener at all (the pools are
  // destroyed on abort instead). Both AbortSignal.any() and a listener per request keep each
  // request reachable from the long-lived job signal until a major GC: at 100k requests that
  // doubled the crawler's peak memory.
  private timer: NodeJS.Timeout | null = null;
  private readonly onAbort: (() => void) | null = null;
  /** Pipelined behind this one on a lane: its clock starts when this one settles (see PipelineLane). */
  next: Hop | null = null;
  /** The lane this request was pipelined on, told when it settles. */
  lane: PipelineLane | null = null;
  /** Sent behind another request on its lane, its clock waiting for that one. */
  queued = false;
  /** Why the request failed, once it has. */
  failure: Error | null = null;

  constructor(
    private readonly resolve: (r: HopResponse) => void,
    private readonly reject: (e: Error) => void,
    private readonly opts: HopOptions,
    private readonly head: boolean,
    private readonly ownSignal: boolean,
    private readonly clientSignal: AbortSignal | undefined,
  ) {
    if (ownSignal) {
      this.onAbort = () => this.fail(new AbortError());
      opts.signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  get done(): boolean {
    return this.settled;
  }

  /** Starts the request's clock (timeout and timeMs). */
  start(): void {
    if (this.settled || this.timer !== null) return;
    this.started = performance.now();
    this.timer = setTimeout(() => this.fail(new TimeoutError(`no complete response within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
  }

  private cleanup(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.onAbort) this.opts.signal.removeEventListener('abort', this.onAbort);
    this.lane?.settled(this);
    this.next?.start();
    this.next = null;
  }

  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.failure = err;
    this.cleanup();
    this.inflater?.destroy();
    // Destroying the socket is how an unwanted body stops costing anything.
    this.abortHop?.(err);
    this.reject(err);
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.cleanup();
    const s = this.sink ?? new CappedSink(0);
    this.resolve({
      status: this.status,
      headers: this.block.record,
      rawHeaders: this.block.pairs,
      body: s.result(),
      bytes: this.wireBytes,
      truncated: s.truncated,
      // a pipelined answer can complete while the one ahead of it is still inflating (never started)
      timeMs: this.started === 0 ? 0 : Math.round((performance.now() - this.started) * 10) / 10,
    });
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortHop = abort;
    if (this.settled) abort(new AbortError());
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200 && statusCode !== 101) return true; // 1xx informational: wait for the real one
    this.status = statusCode;
    this.block = headerBlock(rawHeaders);
    const sink = new CappedSink(this.opts.maxBytes);
    this.sink = sink;
    const inf = this.head ? null : decompressorFor(this.block.record['content-encoding']);
    this.inflater = inf;
    if (inf) {
      this.inflaterDone = new Promise<void>((res) => {
        inf.on('data', (chunk: Buffer) => {
          if (!sink.push(chunk)) {
            // Output cap reached: stop inflating (a zip bomb ends here) and reading the wire.
            inf.destroy();
            res();
            this.cut();
          }
        });
        inf.on('end', () => res());
        inf.on('close', () => res());
        inf.on('error', () => {
          // A corrupt stream keeps what inflated cleanly; the raw body is not useful to checks.
          res();
        });
      });
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.settled) return false;
    this.wireBytes += chunk.length;
    const inf = this.inflater;
    if (inf) {
      if (!inf.destroyed) inf.write(chunk);
    } else if (this.sink && !this.sink.push(chunk)) {
      this.cut();
      return false;
    }
    return true;
  }

  /**
   * The body reached maxBytes: the response is complete as far as we are concerned. Reading the
   * rest would cost every request that touches a 1 GiB page a gigabyte, so the connection is
   * closed instead (the pool replaces it) and the response marked truncated.
   */
  private cut(): void {
    if (this.settled) return;
    this.finish();
    this.abortHop?.(new TransportError('response body over the size limit: connection closed'));
  }

  onComplete(): void {
    const inf = this.inflater;
    if (inf && this.inflaterDone) {
      if (!inf.destroyed) inf.end();
      this.inflaterDone.then(
        () => this.finish(),
        (err: unknown) => this.fail(err instanceof Error ? err : new TransportError(String(err))),
      );
    } else {
      this.finish();
    }
  }

  onError(err: Error): void {
    if (this.settled) return;
    if (this.opts.signal.aborted || this.clientSignal?.aborted) return this.fail(new AbortError());
    const code = (err as { code?: unknown }).code;
    this.fail(err instanceof AbortError || err instanceof TimeoutError || err instanceof EgressError ? err : new TransportError(err.message, typeof code === 'string' ? code : undefined));
  }
}

/**
 * One keep-alive connection that takes GET requests back to back (HTTP/1.1 pipelining), for the
 * crawler: on loopback a page costs about as much in its two system calls (write the request,
 * read the response) as in everything else the crawler does with it, and a lane sends the
 * requests dispatched in one event-loop turn in one write and often reads several answers at once.
 *
 * - The requests dispatched in one turn are written together: the socket is corked from the first
 *   of them to the end of the turn's check phase, where undici writes to an idle keep-alive socket.
 *   (Not the first batch of a new connection: undici writes those one by one once it connects.)
 * - A request's clock (timeout and timeMs) starts when the one ahead of it on the lane settles, so
 *   a slow page does not time out the pages queued behind it.
 * - A request queued behind another that times out or loses its connection marks the lane broken
 *   (a slow page that times out there does too: the lane cannot tell it from a target that drops
 *   pipelined requests, and stopping pipelining is the safe side);
 *   HttpClient then stops handing out lanes for that origin (a server that mishandles pipelining
 *   costs one batch, not a crawl, and the crawler sends that batch's failures again without a
 *   lane). undici re-sends requests that were queued but not answered when a connection closes.
 */
export class PipelineLane {
  private readonly client: Client;
  private socket: Socket | null = null;
  private corked = false;
  private tail: Hop | null = null;
  /** Requests dispatched and not settled. */
  inFlight = 0;
  broken = false;

  constructor(origin: string, depth: number, connector: buildConnector.connector, keepAliveTimeout: number) {
    this.client = new Client(origin, {
      pipelining: depth,
      keepAliveTimeout,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: (opts, cb) => {
        connector(opts, (...args) => {
          const [err, socket] = args;
          this.socket = err === null ? socket : null;
          cb(...args);
        });
      },
    });
  }

  dispatch(req: Dispatcher.DispatchOptions, hop: Hop): void {
    hop.lane = this;
    this.inFlight++;
    const tail = this.tail;
    if (tail !== null && !tail.done) {
      tail.next = hop;
      hop.queued = true;
    } else {
      hop.start();
    }
    this.tail = hop;
    const socket = this.corked ? null : this.socket;
    if (socket !== null && !socket.destroyed) socket.cork();
    try {
      this.client.dispatch(req, hop);
    } finally {
      if (socket !== null && !socket.destroyed) {
        // After dispatch: undici has queued its own check-phase write by now, and this runs after it.
        this.corked = true;
        setImmediate(() => {
          this.corked = false;
          socket.uncork();
        });
      }
    }
  }

  settled(hop: Hop): void {
    this.inFlight--;
    if (this.tail === hop) this.tail = null;
    // The first request of a batch timing out is a slow page; one queued behind it failing may be
    // a server that does not answer pipelined requests. Either way the lane is no longer trusted.
    const err = hop.failure;
    if (hop.queued && err !== null && (err instanceof TimeoutError || err.constructor === TransportError)) this.broken = true;
    if (this.broken && hop.next !== null) {
      // what waits behind it would only wait for its own timeout in turn: it fails now, to be sent
      // again without a lane
      const behind = hop.next;
      hop.next = null;
      behind.fail(new TransportError('left a pipeline the target did not answer'));
    }
  }

  destroy(err: Error | null): Promise<void> {
    return this.client.destroy(err);
  }
}

const EMPTY_BLOCK: HeaderBlock = Object.freeze({ pairs: Object.freeze([]) as unknown as [string, string][], record: Object.freeze({}) as Record<string, string> });

export class HttpClient {
  // One keep-alive Pool per origin, kept here rather than behind an undici Agent: the Agent's extra
  // dispatch layer costs a few microseconds a request, which the crawler feels.
  private readonly pools = new Map<string, Pool>();
  private readonly lanes = new Map<string, PipelineLane[]>();
  private readonly noLanes = new Set<string>();
  private readonly pipelining: number;
  private readonly maxLanes: number;
  private readonly laneConnector: buildConnector.connector;
  private readonly poolOptions: Pool.Options;
  private destroyed = false;
  private readonly signal: AbortSignal | undefined;
  readonly egress: EgressGuard;
  private readonly proxyFor: ((url: URL) => string | null) | null;
  private readonly proxies = new Map<string, ProxyAgent>();
  private readonly clientTls: { cert?: string; key?: string };

  constructor(opts: HttpClientOptions) {
    this.signal = opts.signal;
    this.egress = new EgressGuard(opts.egress);
    this.proxyFor = opts.proxyFor ?? null;
    this.clientTls = { ...(opts.clientCert !== undefined ? { cert: opts.clientCert } : {}), ...(opts.clientKey !== undefined ? { key: opts.clientKey } : {}) };
    this.poolOptions = {
      connections: Math.max(1, opts.connections),
      pipelining: 1,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 10_000,
      // Timeouts are ours (per request, connect to last byte); undici's own ones stay out of the way.
      headersTimeout: 0,
      bodyTimeout: 0,
      // A scanner must reach test sites with self-signed certificates; TLS quality is a check's job.
      // The guarded lookup resolves, validates and pins each connection's address (see egress.ts).
      connect: { rejectUnauthorized: false, lookup: this.egress.lookup, ...this.clientTls },
    };
    this.pipelining = Math.max(1, Math.floor(opts.pipelining ?? 1));
    this.maxLanes = Math.max(1, Math.ceil(opts.connections / this.pipelining));
    this.laneConnector = buildConnector({ rejectUnauthorized: false, lookup: this.egress.lookup, timeout: 10_000, ...this.clientTls });
    opts.signal?.addEventListener('abort', () => void this.destroyAll(new AbortError()), { once: true });
  }

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (p === undefined) {
      p = new Pool(origin, this.poolOptions);
      this.pools.set(origin, p);
    }
    return p;
  }

  /**
   * One agent per proxy. Plain http targets go to it in absolute form, one request each, so the
   * proxy sees (and may record) every request; https targets go through a CONNECT tunnel. The
   * egress guard judges the target before dispatch (checkName); the proxy itself is the user's.
   */
  private proxy(uri: string): ProxyAgent {
    let p = this.proxies.get(uri);
    if (p === undefined) {
      p = new ProxyAgent({
        uri,
        proxyTunnel: false,
        connections: this.poolOptions.connections ?? 1,
        keepAliveTimeout: this.poolOptions.keepAliveTimeout ?? 10_000,
        headersTimeout: 0,
        bodyTimeout: 0,
        requestTls: { rejectUnauthorized: false, ...this.clientTls },
        proxyTls: { rejectUnauthorized: false },
      });
      this.proxies.set(uri, p);
    }
    return p;
  }

  /** Whether lane(origin) would hand out a lane: pipelining is on and no lane to `origin` broke. */
  lanesUsable(origin: string): boolean {
    if (this.pipelining <= 1 || this.destroyed || this.noLanes.has(origin)) return false;
    if (this.proxyFor !== null && this.proxyFor(new URL(origin)) !== null) return false;
    const list = this.lanes.get(origin);
    if (list !== undefined && list.some((l) => l.broken)) {
      this.noLanes.add(origin);
      return false;
    }
    return true;
  }

  /**
   * A connection to `origin` for pipelined GETs (see PipelineLane): the least busy one, a new one
   * while fewer than connections/pipelining exist. Null when pipelining is off, or off for this
   * origin because a lane to it broke.
   */
  lane(origin: string): PipelineLane | null {
    if (!this.lanesUsable(origin)) return null;
    let list = this.lanes.get(origin);
    if (list === undefined) {
      list = [];
      this.lanes.set(origin, list);
    }
    let best: PipelineLane | null = null;
    for (const l of list) if (best === null || l.inFlight < best.inFlight) best = l;
    if ((best === null || best.inFlight > 0) && list.length < this.maxLanes) {
      best = new PipelineLane(origin, this.pipelining, this.laneConnector, this.poolOptions.keepAliveTimeout ?? 10_000);
      list.push(best);
    }
    return best;
  }

  private async destroyAll(err?: Error): Promise<void> {
    this.destroyed = true;
    const pools: { destroy(err: Error | null): Promise<void> }[] = [...this.pools.values(), ...this.proxies.values()];
    for (const list of this.lanes.values()) pools.push(...list);
    this.pools.clear();
    this.proxies.clear();
    this.lanes.clear();
    await Promise.all(
      pools.map((p) =>
        p.destroy(err ?? null).catch((e: unknown) => {
          // already destroyed (closed before the abort): nothing is in flight to stop
          void e;
        }),
      ),
    );
  }

  /**
   * One hop: no redirects, no cookies, no scope. Rejects with AbortError, TimeoutError or
   * TransportError. A GET given a `lane` (see lane()) goes out on it, pipelined.
   */
  request(spec: HttpRequestSpec, opts: HopOptions, parsed?: URL, lane?: PipelineLane | null): Promise<HopResponse> {
    if (opts.signal.aborted || this.signal?.aborted) return Promise.reject(new AbortError());
    let url: URL;
    try {
      // the session has parsed spec.url already; parsing costs about a microsecond a time
      url = parsed ?? new URL(spec.url);
    } catch {
      return Promise.reject(new TransportError(`${spec.url} is not a URL`));
    }
    try {
      this.egress.checkUrl(url);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new TransportError(String(err)));
    }
    const proxy = this.proxyFor === null ? null : this.proxyFor(url);
    if (proxy !== null) return this.egress.checkName(url.hostname).then(() => this.dispatchHop(spec, opts, url, null, proxy));
    return this.dispatchHop(spec, opts, url, lane, null);
  }

  private dispatchHop(spec: HttpRequestSpec, opts: HopOptions, url: URL, lane: PipelineLane | null | undefined, proxy: string | null): Promise<HopResponse> {
    return new Promise<HopResponse>((resolve, reject) => {
      const hop = new Hop(resolve, reject, opts, spec.method.toUpperCase() === 'HEAD', opts.signal !== this.signal, this.signal);
      const req: Dispatcher.DispatchOptions = {
        path: (opts.rawPath ? rawPathOf(spec.url) : null) ?? url.pathname + url.search,
        method: spec.method.toUpperCase() as Dispatcher.HttpMethod,
        headers: opts.headerList ?? toHeaderArray(spec.headers),
        body: spec.body === undefined ? null : typeof spec.body === 'string' ? spec.body : Buffer.from(spec.body),
        // One object shape on both paths: undici's Request constructor is hot, and a second shape
        // (a spread copy with `blocking` added) made it several times slower.
        blocking: undefined,
      };
      try {
        if (this.destroyed) throw new AbortError('the HTTP client is closed');
        if (lane && req.method === 'GET' && req.body === null && !lane.broken) {
          // undici does not pipeline a request behind one marked blocking, which GETs are by default
          req.blocking = false;
          lane.dispatch(req, hop);
        } else if (proxy !== null) {
          hop.start();
          this.proxy(proxy).dispatch({ ...req, origin: url.origin }, hop);
        } else {
          hop.start();
          this.pool(url.origin).dispatch(req, hop);
        }
      } catch (err) {
        hop.fail(err instanceof AbortError ? err : new TransportError(err instanceof Error ? err.message : String(err)));
      }
    });
  }

  async close(): Promise<void> {
    await this.destroyAll();
  }
}

/** One hop as the redirect loop sees it: the session plugs scope, budget, cookies and pacing in here. */
export type HopFn = (spec: HttpRequestSpec) => Promise<HopResponse>;

export interface RedirectOptions {
  follow: boolean;
  maxRedirects: number;
  /** A hop the caller will not take (e.g. out of scope): the redirect response is returned as is. */
  allowHop?(url: string): boolean;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);

export function hopToResponse(hop: HopResponse, url: string, redirects: string[], timeMs: number): HttpResponseData {
  return {
    status: hop.status,
    headers: hop.headers,
    rawHeaders: hop.rawHeaders,
    body: decodeBody(hop.body, hop.headers['content-type']),
    bytes: hop.bytes,
    truncated: hop.truncated,
    timeMs,
    url,
    redirects,
  };
}

/** True when `res` is a redirect that sendWithRedirects would follow under `follow`. */
export function isFollowable(res: HopResponse, follow: boolean): boolean {
  return follow && REDIRECT.has(res.status) && res.headers['location'] !== undefined;
}

/**
 * Sends `spec`, following redirects by hand so that every hop passes through `hop` again. `first`
 * is the answer to `spec` when the caller has already sent it.
 */
export async function sendWithRedirects(spec: HttpRequestSpec, hop: HopFn, opts: RedirectOptions, first?: HopResponse): Promise<HttpResponseData> {
  let current = spec;
  const redirects: string[] = [];
  let total = 0;
  let answered = first;
  for (;;) {
    const res = answered ?? (await hop(current));
    answered = undefined;
    total += res.timeMs;
    if (!isFollowable(res, opts.follow) || redirects.length >= opts.maxRedirects) {
      return hopToResponse(res, current.url, redirects, Math.round(total * 10) / 10);
    }
    let next: string;
    try {
      next = new URL(res.headers['location'] as string, current.url).href.replace(/#.*$/, '');
    } catch {
      // an unparsable Location ends the chain; the caller sees the 3xx itself
      return hopToResponse(res, current.url, redirects, Math.round(total * 10) / 10);
    }
    if (opts.allowHop && !opts.allowHop(next)) return hopToResponse(res, current.url, redirects, Math.round(total * 10) / 10);
    redirects.push(next);
    const method = current.method.toUpperCase();
    const keepBody = res.status === 307 || res.status === 308 || method === 'GET' || method === 'HEAD';
    if (keepBody) {
      current = { ...current, url: next };
    } else {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(current.headers ?? {})) {
        if (!/^content-(type|length)$/i.test(k)) headers[k] = v;
      }
      current = { method: 'GET', url: next, headers };
    }
  }
}

export interface RawRequestOptions {
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
}

export interface RawResult {
  data: Buffer;
  timeMs: number;
  /** True when the peer closed the connection (rather than our timeout, byte cap or abort ending it). */
  closed: boolean;
}

/**
 * Writes `bytes` to a fresh TCP (or TLS) connection and collects what comes back until the peer
 * closes, `maxBytes` arrive, or `timeoutMs` passes. Connection errors reject; a timeout resolves.
 */
export function rawRequest(host: string, port: number, tls: boolean, bytes: Buffer | string, opts: RawRequestOptions): Promise<RawResult> {
  if (opts.signal?.aborted) return Promise.reject(new AbortError());
  const started = performance.now();
  return new Promise<RawResult>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let connected = false;
    const socket: Socket = tls
      ? tlsConnect({ host, port, rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) })
      : netConnect({ host, port });
    const end = (closed: boolean, err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve({ data: Buffer.concat(chunks, size), timeMs: Math.round((performance.now() - started) * 10) / 10, closed });
    };
    const onAbort = (): void => end(false, new AbortError());
    const timer = setTimeout(() => end(false), opts.timeoutMs);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      socket.write(bytes);
    });
    socket.on('data', (chunk: Buffer) => {
      const room = opts.maxBytes - size;
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        size += room;
        end(false);
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    socket.on('end', () => end(true));
    socket.on('close', () => end(true));
    socket.on('error', (err) => {
      // After the request went out, a reset is an answer (the peer closed on us), not a failure.
      if (connected) end(true);
      else end(false, new TransportError(err.message));
    });
  });
}
