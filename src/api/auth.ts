// Signature v2 authentication and per-key rate limiting, as NCP's API Gateway does them.
import type { FastifyRequest } from 'fastify';
import { safeEqual, type Sealer } from '../core/crypto.js';
import { signatureV2 } from '../core/signature.js';
import type { Clock } from '../core/time.js';
import type { KeyStatus, Store } from '../jobs/store.js';
import { AUTH_MISSING, authFailed, permissionDenied, rateLimited } from './errors.js';

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
}

interface Bucket {
  tokens: number;
  at: number;
}

export class Authenticator {
  private readonly keys = new Map<string, CachedKey>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly cacheMs: number;

  constructor(private readonly opts: AuthOptions) {
    this.cacheMs = opts.cacheMs ?? 1000;
  }

  /** Forget cached keys, e.g. after a revocation made in this process. */
  invalidate(accessKey?: string): void {
    if (accessKey) this.keys.delete(accessKey);
    else this.keys.clear();
  }

  async authenticate(req: FastifyRequest): Promise<Principal> {
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
    this.takeToken(accessKey);
    return { accountId: key.accountId, accessKey };
  }

  private async lookup(accessKey: string): Promise<CachedKey | null> {
    const now = this.opts.clock.now();
    const cached = this.keys.get(accessKey);
    if (cached && now - cached.loadedAt < this.cacheMs) return cached;
    if (accessKey.length > 128) return null;
    const row = await this.opts.store.getKey(accessKey);
    if (!row) return null;
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

  private takeToken(accessKey: string): void {
    const rate = this.opts.ratePerSecond;
    if (rate <= 0) return;
    const now = this.opts.clock.now();
    let b = this.buckets.get(accessKey);
    if (!b) {
      b = { tokens: this.opts.burst, at: now };
      this.buckets.set(accessKey, b);
    }
    b.tokens = Math.min(this.opts.burst, b.tokens + ((now - b.at) / 1000) * rate);
    b.at = now;
    if (b.tokens < 1) throw rateLimited();
    b.tokens -= 1;
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
