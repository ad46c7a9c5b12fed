// Paces one job's requests: a concurrency window and a rate cap from the Speed word, shrunk when the
// target pushes back (429/503, Retry-After, timeouts, rising latency) and regrown slowly after.
import { SPEEDS, type SpeedProfile, type SpeedWord } from '../core/items.js';
import { AbortError } from './http.js';
import { loopGovernor } from './loop-governor.js';

export interface Outcome {
  status?: number;
  /** Parsed Retry-After, ms. */
  retryAfterMs?: number;
  timeMs?: number;
  timeout?: boolean;
  /** A transport error (reset, refused). */
  error?: boolean;
}

export interface SchedulerStats {
  limit: number;
  maxConcurrency: number;
  inFlight: number;
  queued: number;
  delayMs: number;
  pausedUntil: number;
  backoffs: number;
  ewmaMs: number;
  baselineMs: number;
}

export interface SchedulerOptions {
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
  /** Longest pause a Retry-After may impose, ms. */
  maxRetryAfterMs?: number;
  /** Each back-off, with the wait it adds (a Retry-After pause, or the new spacing between requests), ms. */
  onBackoff?(ms: number): void;
  /** The job's Speed shared with other processes that send for the same job (a farm's split job). */
  shared?: SharedLimiter;
}

/**
 * A job's Speed enforced over every process that sends for it (src/farm/limiter.ts keeps it in
 * PostgreSQL). The scheduler keeps its own window and pace on top; this only narrows them.
 */
export interface SharedLimiter {
  /** Requests this process may have in flight now: its share of the job's concurrency. */
  inFlightLimit(): number;
  /** Tells the limiter how many requests this process wants in flight (in flight + queued) and has. */
  demand(wanted: number, inFlight: number): void;
  /** Resolves at the start time of the next request, reserved in the job's shared schedule. */
  startSlot(signal: AbortSignal): Promise<void>;
  /** Called when the limiter's grant grows, so waiting requests may go. */
  onChange(listener: () => void): void;
  /**
   * Takes one request of the job's request budget (maxRequests) counted over every process; false
   * when it is spent. Synchronous while this process holds some of it.
   */
  spend?(): boolean | Promise<boolean>;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** Retry-After as delta-seconds or an HTTP date; null when absent or unparsable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

const BACKOFF_COOLDOWN_MS = 1000;
const RECOVER_EVERY_MS = 500;
// Pipelining (see answersFast) pays on a target that answers within a few milliseconds; a slow
// answer holds up the ones behind it. Hysteresis keeps one slow page from flapping the mode.
const FAST_ENTER_MS = 10;
const FAST_LEAVE_MS = 25;
const FAST_MIN_SAMPLES = 8;

export class Scheduler {
  readonly profile: SpeedProfile;
  private limit: number;
  private inFlight = 0;
  private readonly queue: (Waiter | undefined)[] = [];
  private head = 0;
  private delayMs = 0;
  private pausedUntil = 0;
  private nextStartAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastBackoff = 0;
  private lastRecover = 0;
  private backoffs = 0;
  private ewma = 0;
  private baseline = 0;
  private samples = 0;
  private quick = false;
  /** Waiting for the process's event loop to catch up (loop-governor.ts). */
  private governed = false;
  private readonly onAbort = (): void => this.rejectAll();

  constructor(
    speed: SpeedWord | SpeedProfile,
    private readonly signal: AbortSignal,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.profile = typeof speed === 'string' ? SPEEDS[speed] : speed;
    this.limit = this.profile.concurrency;
    signal.addEventListener('abort', this.onAbort, { once: true });
    opts.shared?.onChange(() => this.pump());
  }

  get maxConcurrency(): number {
    return this.profile.concurrency;
  }

  /**
   * The target answers fast (EWMA latency under 10 ms after 8 answers, until it passes 25 ms) and
   * nothing holds the job back (no back-off, pause or delay): the crawler may pipeline.
   */
  get answersFast(): boolean {
    return this.quick && this.limit >= this.profile.concurrency && this.delayMs === 0 && this.pausedUntil <= Date.now();
  }

  stats(): SchedulerStats {
    return {
      limit: this.limit,
      maxConcurrency: this.profile.concurrency,
      inFlight: this.inFlight,
      queued: this.queue.length - this.head,
      delayMs: this.delayMs,
      pausedUntil: this.pausedUntil,
      backoffs: this.backoffs,
      ewmaMs: Math.round(this.ewma),
      baselineMs: Math.round(this.baseline),
    };
  }

  /** Runs `fn` when a slot and the pace allow; rejects with AbortError at once when the job stops. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /**
   * Takes a slot at once when one is free and nothing paces or queues the job (Speed "3" on a
   * healthy target): the caller then skips the promise and the tick that acquire() costs.
   */
  tryAcquire(): boolean {
    if (this.opts.shared) return false;
    if (this.signal.aborted || this.head < this.queue.length || this.inFlight >= this.limit) return false;
    if (this.profile.maxRps > 0 || this.delayMs > 0 || loopGovernor.busy) return false;
    const gate = Math.max(this.pausedUntil, this.nextStartAt);
    if (gate > 0 && gate > Date.now()) return false;
    this.inFlight++;
    return true;
  }

  acquire(): Promise<void> {
    if (this.signal.aborted) return Promise.reject(new AbortError());
    const local = new Promise<void>((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.pump();
    });
    const shared = this.opts.shared;
    if (!shared) return local;
    // the slot is held while the shared schedule's start time comes: counted in flight here, so
    // the process never has more requests between its turn and its answer than its share
    return local.then(() =>
      shared.startSlot(this.signal).catch((err: unknown) => {
        this.release();
        throw err;
      }),
    );
  }

  release(): void {
    this.inFlight--;
    this.pump();
  }

  /** The window as the shared limiter narrows it: this process's share of the job's concurrency. */
  private window(): number {
    const shared = this.opts.shared;
    if (!shared) return this.limit;
    return Math.min(this.limit, shared.inFlightLimit());
  }

  /** Feeds one response (or failure) back, so the window can shrink or grow. */
  report(o: Outcome): void {
    const now = Date.now();
    const pushBack = o.status === 429 || o.status === 503;
    if (pushBack || o.timeout) {
      if (o.retryAfterMs !== undefined && o.retryAfterMs > 0) {
        const wait = Math.min(o.retryAfterMs, this.opts.maxRetryAfterMs ?? 60_000);
        const added = now + wait - Math.max(this.pausedUntil, now);
        if (added > 0) this.opts.onBackoff?.(added);
        this.pausedUntil = Math.max(this.pausedUntil, now + wait);
      }
      this.backoff(now, pushBack ? `status ${o.status}` : 'timeout');
      return;
    }
    if (o.timeMs !== undefined && !o.error) {
      this.samples++;
      if (this.samples === 1) {
        this.ewma = o.timeMs;
        this.baseline = o.timeMs;
      } else {
        this.ewma = this.ewma * 0.8 + o.timeMs * 0.2;
        // The baseline is the best sustained latency seen; it drifts up slowly so one lucky sample
        // does not make every later response look slow for the rest of the job.
        if (this.ewma < this.baseline) this.baseline = this.ewma;
        else this.baseline += (this.ewma - this.baseline) * 0.001;
      }
      if (this.quick) {
        if (this.ewma > FAST_LEAVE_MS) this.quick = false;
      } else if (this.samples >= FAST_MIN_SAMPLES && this.ewma < FAST_ENTER_MS) {
        this.quick = true;
      }
      if (this.samples > 20 && this.ewma > this.baseline * 4 + 100) {
        this.backoff(now, 'latency');
        return;
      }
    }
    if (now - this.lastBackoff > BACKOFF_COOLDOWN_MS && now - this.lastRecover > RECOVER_EVERY_MS) {
      this.lastRecover = now;
      if (this.delayMs > 0) this.delayMs = this.delayMs < 10 ? 0 : Math.floor(this.delayMs / 2);
      if (this.limit < this.profile.concurrency) this.limit++;
      this.pump();
    }
  }

  private backoff(now: number, why: string): void {
    if (now - this.lastBackoff < BACKOFF_COOLDOWN_MS && this.pausedUntil <= now) return;
    this.lastBackoff = now;
    this.backoffs++;
    this.quick = false;
    this.limit = Math.max(1, Math.floor(this.limit / 2));
    this.delayMs = Math.min(2000, this.delayMs === 0 ? 50 : this.delayMs * 2);
    this.opts.onBackoff?.(this.delayMs);
    this.opts.log?.('debug', 'scheduler back-off', { why, limit: this.limit, delayMs: this.delayMs });
  }

  private rejectAll(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const err = new AbortError();
    while (this.head < this.queue.length) {
      const w = this.queue[this.head];
      this.queue[this.head++] = undefined;
      w?.reject(err);
    }
    this.queue.length = 0;
    this.head = 0;
  }

  private pump(): void {
    if (this.signal.aborted) return this.rejectAll();
    this.opts.shared?.demand(Math.min(this.limit, this.inFlight + this.queue.length - this.head), this.inFlight);
    while (this.head < this.queue.length && this.inFlight < this.window()) {
      if (loopGovernor.busy) {
        if (!this.governed) {
          this.governed = true;
          loopGovernor.whenCalm(() => {
            this.governed = false;
            this.pump();
          });
        }
        return;
      }
      const now = Date.now();
      const gate = Math.max(this.pausedUntil, this.nextStartAt);
      if (gate > now) {
        if (!this.timer) {
          this.timer = setTimeout(() => {
            this.timer = null;
            this.pump();
          }, gate - now);
        }
        return;
      }
      const w = this.queue[this.head];
      this.queue[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.inFlight++;
      const spacing = this.profile.maxRps > 0 ? 1000 / this.profile.maxRps : 0;
      const pace = Math.max(spacing, this.delayMs);
      if (pace > 0) this.nextStartAt = Math.max(now, this.nextStartAt) + pace;
      w?.resolve();
    }
  }

  /** Stops timers and detaches from the job signal; queued work is rejected. */
  close(): void {
    this.signal.removeEventListener('abort', this.onAbort);
    this.rejectAll();
  }
}
