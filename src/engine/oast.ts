// The built-in out-of-band (OAST) listener: hands each probe a unique URL and records the requests
// that reach it, attributed to the job, check and insertion point that made the probe. SSRF, RFI,
// XXE and blind command injection prove themselves through it.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Oast, OastHit, OastProbe } from '../checks/types.js';

export interface OastOptions {
  /** Listen address; default 127.0.0.1 and any free port. */
  host?: string;
  port?: number;
  /** Public base URL the targets reach us at (WSC_OAST_URL); default the listen address. */
  publicUrl?: string | null;
  /** Probes are forgotten after this long, ms (default 1 h). */
  ttlMs?: number;
  /** Most hits kept per probe (the rest are counted, not stored). */
  maxHitsPerProbe?: number;
  /** Most live probes; the oldest are forgotten beyond it. */
  maxProbes?: number;
}

interface ProbeState {
  label: string;
  createdAt: number;
  hits: OastHit[];
  waiters: Set<() => void>;
}

/** Two factors drawn from a probe id: their product is printed only by a page that runs our PHP. */
function factors(id: string): { a: number; b: number } {
  return { a: 1000 + (parseInt(id.slice(0, 4), 16) % 9000), b: 1000 + (parseInt(id.slice(4, 8), 16) % 9000) };
}

const ID_RE = /^\/o\/([0-9a-f]{24})(?:[/.?]|$)/;

export class OastServer implements Oast {
  private readonly probes = new Map<string, ProbeState>();
  private readonly sockets = new Set<Socket>();
  private readonly ttlMs: number;
  private readonly maxHits: number;
  private readonly maxProbes: number;
  private sweeper: NodeJS.Timeout;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    opts: OastOptions,
  ) {
    this.ttlMs = opts.ttlMs ?? 3600_000;
    this.maxHits = opts.maxHitsPerProbe ?? 20;
    this.maxProbes = opts.maxProbes ?? 200_000;
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  static async start(opts: OastOptions = {}): Promise<OastServer> {
    const server = createServer();
    // A probe request is tiny; anything slow or large is not ours to wait for.
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    server.maxHeadersCount = 100;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const base = (opts.publicUrl ?? `http://${host}:${addr.port}`).replace(/\/+$/, '');
    const oast = new OastServer(server, base, opts);
    server.on('request', (req, res) => oast.onRequest(req, res));
    server.on('connection', (s) => {
      oast.sockets.add(s);
      s.on('close', () => oast.sockets.delete(s));
    });
    return oast;
  }

  probe(label: string): OastProbe {
    if (this.probes.size >= this.maxProbes) {
      const oldest = this.probes.keys().next().value;
      if (oldest !== undefined) this.probes.delete(oldest);
    }
    const id = randomBytes(12).toString('hex');
    this.probes.set(id, { label, createdAt: Date.now(), hits: [], waiters: new Set() });
    return { id, url: `${this.baseUrl}/o/${id}`, host: new URL(this.baseUrl).host };
  }

  marker(id: string): string {
    return `wsc-oast-${id}`;
  }

  inclusion(id: string): { path: string; element: string; computed: string } {
    const { a, b } = factors(id);
    return { path: '/inc', element: `wsc-i-${id.slice(0, 12)}`, computed: `wsc-x-${a * b}` };
  }

  /** A view whose probes carry a label prefix (job and check), for attribution. */
  scoped(prefix: string): Oast {
    return {
      probe: (label) => this.probe(`${prefix} ${label}`),
      marker: (id) => this.marker(id),
      inclusion: (id) => this.inclusion(id),
      hits: (ids, waitMs) => this.hits(ids, waitMs),
    };
  }

  async hits(ids: readonly string[], waitMs = 0): Promise<OastHit[]> {
    const collect = () => ids.flatMap((id) => this.probes.get(id)?.hits ?? []);
    const now = collect();
    if (now.length > 0 || waitMs <= 0) return now;
    await new Promise<void>((resolve) => {
      const states = ids.map((id) => this.probes.get(id)).filter((s): s is ProbeState => s !== undefined);
      const done = () => {
        clearTimeout(timer);
        for (const s of states) s.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      for (const s of states) s.waiters.add(done);
    });
    return collect();
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
    const path = req.url ?? '/';
    const m = ID_RE.exec(path);
    const state = m?.[1] ? this.probes.get(m[1]) : undefined;
    // The body is not needed: read and drop it (bounded by requestTimeout) so the socket is reusable.
    req.resume();
    if (!m?.[1] || !state) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown probe');
      return;
    }
    const id = m[1];
    if (state.hits.length < this.maxHits) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v.slice(0, 512);
      state.hits.push({
        id,
        label: state.label,
        at: Date.now(),
        method: req.method ?? 'GET',
        path: path.slice(0, 2048),
        remote: req.socket.remoteAddress ?? '',
        headers,
      });
    }
    for (const w of [...state.waiters]) w();
    const marker = this.marker(id);
    // Served as text everywhere; as an XML comment where a parser may be the client (XXE); as
    // markup and a harmless PHP block (prints a product) under /inc, for inclusion tests (RFI).
    if (path.startsWith(`/o/${id}/inc`)) {
      const { a, b } = factors(id);
      const inc = this.inclusion(id);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${marker}<${inc.element}></${inc.element}><?php echo 'wsc-x-' . (${a} * ${b}); ?>`);
    } else if (/\.(dtd|xml)(\?|$)/.test(path)) {
      res.writeHead(200, { 'content-type': 'application/xml' }).end(`<!-- ${marker} -->`);
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(marker);
    }
  }

  private sweep(): void {
    const cutoff = Date.now() - this.ttlMs;
    for (const [id, s] of this.probes) {
      if (s.createdAt >= cutoff) break;
      this.probes.delete(id);
    }
  }
}
