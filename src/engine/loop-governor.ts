// Keeps a share of the event loop for whoever else runs in the process. `wsc serve` runs jobs in
// the process that answers the API: a crawl of fast pages fills every turn of the loop with
// responses to read and links to queue, and a getJobs then waits behind all of them. The governor
// watches how late a short timer fires (the loop's lag) and, while it is late, holds back the
// requests the schedulers would start next; requests in flight finish, so the backlog drains and
// an API call waits for a few milliseconds of crawl work, not for a whole burst of it.
// Off by default: a CLI scan, a farm worker or a benchmark has the loop to itself.

export interface LoopGovernorOptions {
  /** Lag of the watch timer above which new requests wait, ms. */
  maxLagMs: number;
  /** How often the loop is sampled, ms. */
  everyMs?: number;
}

export interface LoopGovernorStats {
  enabled: boolean;
  maxLagMs: number;
  /** Times a scheduler held its next request back. */
  holds: number;
  /** Total time requests were held, ms (counted once per congested sample). */
  heldMs: number;
  /** Worst lag seen, ms. */
  worstLagMs: number;
}

class LoopGovernor {
  private timer: NodeJS.Timeout | null = null;
  private maxLagMs = 0;
  private everyMs = 10;
  private expected = 0;
  private congested = false;
  private waiters: (() => void)[] = [];
  private holds = 0;
  private heldMs = 0;
  private worstLagMs = 0;
  private users = 0;

  /**
   * Turns the watch on for one user (a server); the returned function turns it off again when no
   * other user holds it. Several servers in a process (tests) share the one loop.
   */
  hold(opts: LoopGovernorOptions): () => void {
    if (this.users++ === 0 || opts.maxLagMs < this.maxLagMs) this.enable(opts);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.users === 0) this.stop();
    };
  }

  private enable(opts: LoopGovernorOptions): void {
    this.stop();
    this.maxLagMs = Math.max(1, opts.maxLagMs);
    this.everyMs = Math.max(1, opts.everyMs ?? Math.min(10, this.maxLagMs));
    this.expected = performance.now() + this.everyMs;
    this.timer = setInterval(() => this.tick(), this.everyMs);
    // the watch must never be what keeps a process alive
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.congested = false;
    this.release();
  }

  get enabled(): boolean {
    return this.timer !== null;
  }

  /** True while the loop runs late: a scheduler should not start another request now. */
  get busy(): boolean {
    return this.congested;
  }

  /** Calls `fn` once the loop has caught up (at once when it has). */
  whenCalm(fn: () => void): void {
    if (!this.congested) {
      fn();
      return;
    }
    this.holds++;
    this.waiters.push(fn);
    // held work is what keeps the process going now: the watch must fire to let it go
    this.timer?.ref();
  }

  stats(): LoopGovernorStats {
    return { enabled: this.enabled, maxLagMs: this.maxLagMs, holds: this.holds, heldMs: Math.round(this.heldMs), worstLagMs: Math.round(this.worstLagMs) };
  }

  private tick(): void {
    const now = performance.now();
    const lag = Math.max(0, now - this.expected);
    this.expected = now + this.everyMs;
    if (lag > this.worstLagMs) this.worstLagMs = lag;
    const late = lag > this.maxLagMs;
    if (late) {
      this.heldMs += lag;
      this.congested = true;
      return;
    }
    if (this.congested) {
      this.congested = false;
      this.release();
    }
  }

  private release(): void {
    const ws = this.waiters;
    this.waiters = [];
    this.timer?.unref();
    for (const w of ws) w();
  }
}

/** One per process: the loop is the process's, whatever number of jobs share it. */
export const loopGovernor = new LoopGovernor();
