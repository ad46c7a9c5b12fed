// Signature v2 authentication and per-key rate limiting, as NCP's API Gateway does them; plus what
// the gateway does not promise: a per-address limit taken before any key is looked up, unknown keys
// remembered as unknown (a flood of made-up keys costs one lookup per distinct key), and an
// optional replay guard (each signature accepted once within the timestamp window).
import type { FastifyRequest } from 'fastify';
import { safeEqual, type Sealer } from '../core/crypto.js';
import { signatureV2 } from '../core/signature.js';
import type { Clock } from '../core/time.js';
import type { KeyStatus, Store } from '../jobs/store.js';
import { AUTH_MISSING, authFailed, permissionDenied, rateLimited } from './errors.js';
import { RateLimiter } from './rate-limit.js';

export interface Principal {
  accountId: number;
  accessKey: string;
}

interface CachedKey {
  accountId: number;
  secret: string;
  status: KeyStatus;
  loadedAt: number;
}

export interface AuthOptions {
  store: Store;
  sealer: Sealer;
  clock: Clock;
  clockSkewMs: number;
  /** Requests per second per key; 0 disables the limit. */
  ratePerSecond: number;
  burst: number;
  /** How long a looked-up key is trusted before the store is asked again (revocations land then). */
  cacheMs?: number;
  /** Requests per second per client address, counted before authentication; 0 disables it. */
  ratePerAddress?: number;
  burstPerAddress?: number;
  /** How long an access key the store does not know is answered as unknown without asking again. */
  unknownCacheMs?: number;
  /** Refuse a signature seen before within the timestamp window (stricter than NCP). */
  replayGuard?: boolean;
}

const MAX_CACHED = 100_000;

export class Authenticator {
  private readonly keys = new Map<string, CachedKey>();
  /** Access keys the store did not know, with when it was asked. */
  private readonly unknown = new Map<string, number>();
  /** Lookups in flight, so concurrent requests with one key share a single query. */
  private readonly pending = new Map<string, Promise<CachedKey | null>>();
  /** Accepted signatures and until when a replay of each would still pass the timestamp check. */
  private readonly seen = new Map<string, number>();
  private lastSweep = 0;
  private readonly perKey: RateLimiter;
  private readonly perAddress: RateLimiter;
  private readonly cacheMs: number;
  private readonly unknownCacheMs: number;

  constructor(private readonly opts: AuthOptions) {
    this.cacheMs = opts.cacheMs ?? 1000;
    this.unknownCacheMs = opts.unknownCacheMs ?? 60_000;
    this.perKey = new RateLimiter(opts.ratePerSecond, opts.burst, opts.clock);
    this.perAddress = new RateLimiter(opts.ratePerAddress ?? 0, opts.burstPerAddress ?? 1, opts.clock);
  }

  /** Forget cached keys, e.g. after a revocation made in this process. */
  invalidate(accessKey?: string): void {
    if (accessKey) {
      this.keys.delete(accessKey);
      this.unknown.delete(accessKey);
    } else {
      this.keys.clear();
      this.unknown.clear();
    }
  }

  async authenticate(req: FastifyRequest): Promise<Principal> {
    if (!this.perAddress.take(req.ip)) throw rateLimited(RATE_ADDRESS);
    const ts = header(req, 'x-ncp-apigw-timestamp');
    const accessKey = header(req, 'x-ncp-iam-access-key');
    const signature = header(req, 'x-ncp-apigw-signature-v2');
    if (!ts || !accessKey || !signature) throw authFailed(AUTH_MISSING);
    if (!/^\d{1,16}$/.test(ts) || Math.abs(this.opts.clock.now() - Number(ts)) > this.opts.clockSkewMs) {
      req.log.info({ accessKey }, 'signature timestamp outside the allowed window');
      throw authFailed();
    }
    const key = await this.lookup(accessKey);
    if (!key) throw authFailed();
    // The gateway signs the URI as the client sent it: path plus raw query string.
    const expected = signatureV2(req.method, req.raw.url ?? req.url, ts, accessKey, key.secret);
    if (!safeEqual(expected, signature)) throw authFailed();
    if (key.status !== 'active') throw permissionDenied();
    if (!this.perKey.take(accessKey)) throw rateLimited();
    if (this.opts.replayGuard && this.replayed(signature, Number(ts))) {
      req.log.info({ accessKey }, 'signature replayed');
      throw authFailed();
    }
    return { accountId: key.accountId, accessKey };
  }

  /** Records the signature; true when it was already accepted inside the window. */
  private replayed(signature: string, ts: number): boolean {
    const now = this.opts.clock.now();
    if (now - this.lastSweep > 1000 || this.seen.size >= MAX_CACHED) {
      this.lastSweep = now;
      for (const [sig, until] of this.seen) if (until < now) this.seen.delete(sig);
    }
    if (this.seen.has(signature)) return true;
    // a full table of live signatures must not open the door to replays: refuse until some expire
    if (this.seen.size >= MAX_CACHED) return true;
    this.seen.set(signature, ts + this.opts.clockSkewMs);
    return false;
  }

  private async lookup(accessKey: string): Promise<CachedKey | null> {
    const now = this.opts.clock.now();
    const cached = this.keys.get(accessKey);
    if (cached && now - cached.loadedAt < this.cacheMs) return cached;
    if (accessKey.length > 128) return null;
    const unknownAt = this.unknown.get(accessKey);
    if (unknownAt !== undefined && now - unknownAt < this.unknownCacheMs) return null;
    let p = this.pending.get(accessKey);
    if (!p) {
      p = this.load(accessKey, now).finally(() => this.pending.delete(accessKey));
      this.pending.set(accessKey, p);
    }
    return p;
  }

  private async load(accessKey: string, now: number): Promise<CachedKey | null> {
    const row = await this.opts.store.getKey(accessKey);
    if (!row) {
      if (this.unknown.size >= MAX_CACHED) this.unknown.clear();
      this.unknown.set(accessKey, now);
      return null;
    }
    this.unknown.delete(accessKey);
    const entry: CachedKey = {
      accountId: row.accountId,
      secret: this.opts.sealer.open(row.secretEnc),
      status: row.status,
      loadedAt: now,
    };
    if (this.keys.size > 10_000) this.keys.clear();
    this.keys.set(accessKey, entry);
    return entry;
  }
}

const RATE_ADDRESS = 'Too many requests from this address; retry later.';

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
