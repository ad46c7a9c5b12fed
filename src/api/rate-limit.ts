// Token buckets keyed by a string (an access key, a client address, an account): `rate` tokens a
// second up to `burst`. Memory is bounded: when the table is full, buckets that have refilled
// (which behave exactly like new ones) are dropped first.
import type { Clock } from '../core/time.js';

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly clock: Clock,
    private readonly max = 100_000,
  ) {}

  /** Takes one token for `key`; false when its bucket is empty. A rate of 0 never limits. */
  take(key: string): boolean {
    if (this.rate <= 0) return true;
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.max) this.prune(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private prune(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.rate >= this.burst) this.buckets.delete(k);
    }
    // every bucket still draining: forgetting them all is the only bound left
    if (this.buckets.size >= this.max) this.buckets.clear();
  }
}
