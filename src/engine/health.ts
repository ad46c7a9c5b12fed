// Scan health: what the target did with the job's requests, counted where every request passes
// (ScanSession.hop), and the verdict drawn from it. A scan that could not do its work must not read
// as a clean result: a target that stops answering pauses the job while it is probed, then the job
// resumes or ends as "target down"; a job that finished with much of its traffic lost is "degraded".

/** How a request failed without an answer. */
export type TransportKind = 'refused' | 'reset' | 'timeout' | 'tls' | 'other';

export type Verdict = 'healthy' | 'degraded' | 'down';

export interface HealthStats {
  /** Requests handed to the network (probes included), and those that got an HTTP answer. */
  sent: number;
  answered: number;
  /** Answers by status class. */
  status: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** 502, 503 and 504 answers: the target (or what fronts it) saying it cannot serve. */
  unavailable: number;
  /** Answers cut at a byte cap (maxResponseBytes, or less for a path already known to be that large). */
  truncated: number;
  /** Requests that got no answer, by why. */
  errors: Record<TransportKind, number>;
  /** Requests sent again after the target asked us to wait (429, 503 with Retry-After). */
  retries: number;
  /** Times the pace was cut (429/503, timeouts, rising latency) and the wait that added, ms. */
  backoffs: number;
  backoffMs: number;
  /** Sessions re-established by logging in again (0 until the scan logs in itself). */
  relogins: number;
  /** Anti-CSRF token targets whose fresh token was still refused (their attacks reached nothing). */
  tokenRejected: number;
  /** Crawled links not fetched because of a limit (depth, trap quota), and attack targets the scan never reached. */
  pagesSkipped: number;
  targetsSkipped: number;
  /** Times the job paused because the target stopped answering; probes sent while paused; ms paused. */
  pauses: number;
  probes: number;
  pausedMs: number;
  verdict: Verdict;
  /** Why the verdict is not healthy, one sentence each (empty when healthy). */
  reasons: string[];
}

/** What decides that the target stopped answering (EngineLimits fields of the same names). */
export interface HealthLimits {
  /** Percent of failed requests over the last HEALTH_WINDOW that pauses the job. */
  maxErrorRate: number;
  /** Failures in a row that pause the job. */
  maxConsecutiveFailures: number;
  /** How long a paused job probes the target before it ends as "target down", ms. */
  targetDownAfterMs: number;
}

export const DEFAULT_HEALTH_LIMITS: Readonly<HealthLimits> = Object.freeze({ maxErrorRate: 20, maxConsecutiveFailures: 20, targetDownAfterMs: 30_000 });

/** Outcomes the error rate is taken over, and the fewest before a rate means anything. */
export const HEALTH_WINDOW = 50;
const MIN_SAMPLES = 20;
/** Share of failed requests over the whole job above which a finished job is degraded. */
export const DEGRADED_ERROR_SHARE = 0.05;
const DEGRADED_MIN_FAILURES = 5;
const FIRST_PROBE_MS = 250;
const MAX_PROBE_GAP_MS = 8000;

/** The target stopped answering and did not come back within targetDownAfterMs. */
export class TargetDownError extends Error {
  override name = 'TargetDownError';
}

/** Sorts a request failure by what the network said (codes from Node's net/tls and undici). */
export function transportKind(err: unknown): TransportKind {
  if (!(err instanceof Error)) return 'other';
  if (err.name === 'TimeoutError') return 'timeout';
  const code = String((err as { code?: unknown }).code ?? '');
  const text = `${code} ${err.message}`;
  if (/ECONNREFUSED/i.test(text)) return 'refused';
  if (/ETIMEDOUT|timeout/i.test(text)) return 'timeout';
  if (/ERR_TLS|ERR_SSL|EPROTO|SSL|TLS|certificate|handshake|wrong version number/i.test(text)) return 'tls';
  if (/ECONNRESET|EPIPE|ECONNABORTED|socket hang up|other side closed|closed|reset/i.test(text)) return 'reset';
  return 'other';
}

export type Probe = () => Promise<'alive' | string>;

export interface HealthOptions {
  limits?: Partial<HealthLimits>;
  /** Asks the target whether it answers again: 'alive', or what was seen instead. */
  probe?: Probe;
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
  /** Called once when the verdict is "down", with its cause. */
  onDown?(cause: string): void;
  now?(): number;
}

function describeFailures(h: HealthStats): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(h.errors)) if (v > 0) parts.push(`${v} ${k === 'timeout' ? 'timed out' : k === 'other' ? 'failed' : k === 'tls' ? 'TLS failures' : k}`);
  if (h.unavailable > 0) parts.push(`${h.unavailable} answered 502/503/504`);
  return parts.join(', ');
}

/** Counts one job's requests and watches for a target that stopped answering. */
export class HealthMonitor {
  readonly limits: HealthLimits;
  private readonly s: HealthStats = {
    sent: 0,
    answered: 0,
    status: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    unavailable: 0,
    truncated: 0,
    errors: { refused: 0, reset: 0, timeout: 0, tls: 0, other: 0 },
    retries: 0,
    backoffs: 0,
    backoffMs: 0,
    relogins: 0,
    tokenRejected: 0,
    pagesSkipped: 0,
    targetsSkipped: 0,
    pauses: 0,
    probes: 0,
    pausedMs: 0,
    verdict: 'healthy',
    reasons: [],
  };
  private readonly ring = new Uint8Array(HEALTH_WINDOW);
  private ringAt = 0;
  private ringFilled = 0;
  private ringFails = 0;
  private consecutive = 0;
  /** Set while paused: requests wait on it. */
  private gateP: Promise<void> | null = null;
  private downCause: string | null = null;
  private lastSeen = '';
  private pauseStarted: number | null = null;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly opts: HealthOptions = {}) {
    const given = opts.limits ?? {};
    this.limits = { ...DEFAULT_HEALTH_LIMITS };
    for (const k of Object.keys(DEFAULT_HEALTH_LIMITS) as (keyof HealthLimits)[]) {
      const v = given[k];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) this.limits[k] = v;
    }
    this.now = opts.now ?? Date.now;
  }

  /** True while the job waits for the target (or once it is down): callers await gate() first. */
  get blocked(): boolean {
    return this.gateP !== null || this.downCause !== null;
  }

  /** The verdict's cause once the target is down, else null. */
  get down(): string | null {
    return this.downCause;
  }

  /** Resolves when requests may go on; rejects with TargetDownError once the target is down. */
  async gate(): Promise<void> {
    if (this.downCause !== null) throw new TargetDownError(this.downCause);
    if (this.gateP !== null) await this.gateP;
    if (this.downCause !== null) throw new TargetDownError(this.downCause);
  }

  sent(): void {
    this.s.sent++;
  }

  truncated(): void {
    this.s.truncated++;
  }

  retried(): void {
    this.s.retries++;
  }

  /** Wait a back-off added (the count of back-offs is the scheduler's: see set('backoffs')). */
  backedOff(ms: number): void {
    this.s.backoffMs += Math.max(0, Math.round(ms));
  }

  /** Adds to the counters kept elsewhere (crawler, anti-CSRF handling, login). */
  add(field: 'relogins' | 'tokenRejected' | 'pagesSkipped' | 'targetsSkipped', n: number): void {
    if (n > 0) this.s[field] += n;
  }

  set(field: 'relogins' | 'tokenRejected' | 'pagesSkipped' | 'targetsSkipped' | 'backoffs', n: number): void {
    this.s[field] = Math.max(0, n);
  }

  answer(status: number): void {
    this.s.answered++;
    const cls = status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : status >= 200 ? '2xx' : '1xx';
    this.s.status[cls]++;
    const unavailable = status === 502 || status === 503 || status === 504;
    if (unavailable) {
      this.s.unavailable++;
      this.lastSeen = `answers ${status}`;
    }
    this.outcome(unavailable);
  }

  error(err: unknown): TransportKind {
    const kind = transportKind(err);
    this.s.errors[kind]++;
    this.lastSeen = kind === 'timeout' ? 'requests time out' : kind === 'refused' ? 'connections refused' : kind === 'reset' ? 'connections reset' : kind === 'tls' ? 'TLS handshakes fail' : `requests fail (${err instanceof Error ? err.message.slice(0, 120) : String(err)})`;
    this.outcome(true);
    return kind;
  }

  private outcome(failed: boolean): void {
    const old = this.ring[this.ringAt] as number;
    if (this.ringFilled === HEALTH_WINDOW) this.ringFails -= old;
    else this.ringFilled++;
    this.ring[this.ringAt] = failed ? 1 : 0;
    this.ringFails += failed ? 1 : 0;
    this.ringAt = (this.ringAt + 1) % HEALTH_WINDOW;
    this.consecutive = failed ? this.consecutive + 1 : 0;
    // while paused, answers to what was already in flight do not start another pause
    if (!failed || this.gateP !== null || this.downCause !== null || this.closed) return;
    const rate = (this.ringFails / this.ringFilled) * 100;
    if (this.consecutive >= this.limits.maxConsecutiveFailures) this.pause(`${this.consecutive} requests in a row failed (${this.lastSeen})`);
    else if (this.ringFilled >= MIN_SAMPLES && rate > this.limits.maxErrorRate) this.pause(`${Math.round(rate)} % of the last ${this.ringFilled} requests failed (${this.lastSeen})`);
  }

  private pause(why: string): void {
    this.s.pauses++;
    this.opts.log?.('warn', `the target stopped answering: ${why}; the scan pauses and probes it`, { pauses: this.s.pauses });
    this.gateP = this.probeLoop(why);
  }

  private async probeLoop(why: string): Promise<void> {
    const started = this.now();
    this.pauseStarted = started;
    const end = started + this.limits.targetDownAfterMs;
    let gap = FIRST_PROBE_MS;
    let seen = this.lastSeen;
    try {
      for (;;) {
        const wait = Math.min(gap, Math.max(0, end - this.now()));
        await this.sleep(wait);
        if (this.closed) return;
        if (this.opts.probe) {
          this.s.probes++;
          let answer: string;
          try {
            answer = await this.opts.probe();
          } catch (err) {
            answer = err instanceof Error ? err.message : String(err);
          }
          if (this.closed) return;
          if (answer === 'alive') {
            this.opts.log?.('info', 'the target answers again: the scan resumes', { pausedMs: this.now() - started });
            this.ringFilled = 0;
            this.ringFails = 0;
            this.ringAt = 0;
            this.consecutive = 0;
            return;
          }
          seen = answer;
        }
        if (this.now() >= end) {
          const secs = Math.round(this.limits.targetDownAfterMs / 100) / 10;
          this.downCause = `the target stopped answering: ${why}, and ${this.opts.probe ? `${this.s.probes} probe(s) over ${secs} s saw ${seen}` : `it was given ${secs} s`}`;
          this.opts.log?.('error', this.downCause);
          this.opts.onDown?.(this.downCause);
          return;
        }
        gap = Math.min(gap * 2, MAX_PROBE_GAP_MS);
      }
    } finally {
      this.s.pausedMs += this.now() - started;
      this.pauseStarted = null;
      this.gateP = null;
    }
  }

  private sleeper: { timer: NodeJS.Timeout; wake(): void } | null = null;

  /** A wait that close() cuts short (not unref'd: while paused, it may be all that keeps the scan alive). */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        this.sleeper = null;
        resolve();
      };
      this.sleeper = { timer: setTimeout(wake, ms), wake };
    });
  }

  /** Ends probing (the job is over). */
  close(): void {
    this.closed = true;
    const s = this.sleeper;
    if (s !== null) {
      clearTimeout(s.timer);
      s.wake();
    }
  }

  /** Failed requests over the job: no answer, or 502/503/504. */
  failures(): number {
    const e = this.s.errors;
    return e.refused + e.reset + e.timeout + e.tls + e.other + this.s.unavailable;
  }

  /**
   * The counters with the verdict as of now. `limitReached` names a limit that cut the job short
   * (its coverage is partial); trap quotas and depth are the crawl's design, not a degradation.
   */
  snapshot(limitReached?: string): HealthStats {
    const out: HealthStats = { ...this.s, status: { ...this.s.status }, errors: { ...this.s.errors }, reasons: [] };
    if (this.pauseStarted !== null) out.pausedMs += this.now() - this.pauseStarted;
    const failed = this.failures();
    if (this.downCause !== null) {
      out.verdict = 'down';
      out.reasons.push(this.downCause);
    } else {
      if (out.pauses > 0) out.reasons.push(`the target stopped answering ${out.pauses} time(s); the scan paused ${Math.round(out.pausedMs / 100) / 10} s and resumed`);
      if (failed >= DEGRADED_MIN_FAILURES && failed > out.sent * DEGRADED_ERROR_SHARE) {
        out.reasons.push(`${failed} of ${out.sent} requests (${Math.round((failed / Math.max(1, out.sent)) * 100)} %) got no usable answer: ${describeFailures(out)}`);
      }
      if (limitReached === 'maxRequests' || limitReached === 'maxDurationMs' || limitReached === 'maxUrls') {
        out.reasons.push(`the ${limitReached} limit ended the job early${out.targetsSkipped > 0 ? `: ${out.targetsSkipped} attack target(s) were not reached` : ''}`);
      }
      out.verdict = out.reasons.length > 0 ? 'degraded' : 'healthy';
    }
    return out;
  }
}

/** One line for a job's result_desc or a CLI summary: the verdict and its reasons. */
export function verdictLine(h: Pick<HealthStats, 'verdict' | 'reasons'>): string {
  if (h.verdict === 'healthy') return 'scan health: healthy';
  return `scan health: ${h.verdict === 'down' ? 'target down' : 'degraded coverage'}: ${h.reasons.join('; ')}`;
}
