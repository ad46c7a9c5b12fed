// A job's Speed over every process that sends for it (a split job's owner and its helpers), kept
// in PostgreSQL so that adding workers never adds load on the target:
//
// - Requests in flight: each process holds a grant of in-flight slots in farm_slots (one row per
//   process and job, with a lease). A grant is changed only in a transaction that locks the job's
//   rows, and the grants of live rows never add up to more than the Speed's concurrency; a process
//   never has more requests in flight than its grant. Shares follow what each process wants
//   (water-filling), and a process gives back what it does not use at its next renewal. A dead
//   process's grant counts until its lease runs out (WSC_WORKER_STALE_MS); a paused one that
//   comes back sends nothing until it renewed its lease.
// - Requests per second: the job has one schedule of start times in farm_pace, spaced by
//   1000/maxRps ms (plus PACE_MARGIN). A process reserves a few consecutive start times in one
//   UPDATE and starts a request at each of them; a start time missed by more than SLOT_SLACK_MS is
//   dropped, never caught up. Start times come from the database's clock, so the processes of a
//   farm share one time line whatever their own clocks say.
//
// Round trips: one reservation per batch of start times (a batch covers ~BATCH_MS of the job's
// rate), and one grant renewal per heartbeat per process, plus retries every RETRY_MS while a
// process waits for slots another one has not given back yet.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { SpeedProfile } from '../core/items.js';
import type { Logger } from '../core/log.js';
import { AbortError } from '../engine/http.js';
import type { SharedLimiter } from '../engine/scheduler.js';
import type { Database } from '../jobs/store-kysely.js';

/** Start times are spaced this much wider than 1000/maxRps, so timer and network jitter stay within the Speed. */
export const PACE_MARGIN = 0.05;
/** A reserved start time this late is dropped (a process that was slow or paused does not catch up). */
const SLOT_SLACK_MS = 20;
/** A reservation covers about this much of the job's rate. */
const BATCH_MS = 250;
/** How often a process that wants more slots than it holds asks again. */
const RETRY_MS = 150;
/** Requests of the job's budget a process takes at a time (what it has not used goes back at its end). */
const BUDGET_CHUNK = 25;

export interface LimiterOptions {
  db: Kysely<Database>;
  jobId: number;
  profile: SpeedProfile;
  /** The job's maxRequests, counted over every process in farm_budget. */
  maxRequests: number;
  heartbeatMs: number;
  staleMs: number;
  log: Logger;
}

/** Shares of `total` for the given wants: nobody gets more than it wants, the rest is spread evenly. */
export function waterFill(total: number, wants: readonly number[]): number[] {
  const out = wants.map(() => 0);
  let left = total;
  let open = wants.map((w, i) => ({ w, i })).filter((x) => x.w > 0);
  while (left > 0 && open.length > 0) {
    const each = Math.max(1, Math.floor(left / open.length));
    const next: typeof open = [];
    for (const x of open) {
      if (left <= 0) break;
      const give = Math.min(each, x.w - (out[x.i] ?? 0), left);
      out[x.i] = (out[x.i] ?? 0) + give;
      left -= give;
      if ((out[x.i] ?? 0) < x.w) next.push(x);
    }
    open = next;
  }
  return out;
}

interface SlotWaiter {
  resolve(): void;
  reject(err: Error): void;
  signal: AbortSignal;
  onAbort: () => void;
}

export class PgLimiter implements SharedLimiter {
  readonly holder = randomUUID();
  private grant = 0;
  private leaseUntil = 0;
  private wanted = 0;
  /** The most this process wanted since its last renewal: what its share is sized by. */
  private peak = 0;
  private inFlight = 0;
  private allocating: Promise<void> | null = null;
  private again = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly renew: NodeJS.Timeout;
  private readonly listeners: (() => void)[] = [];
  private closed = false;
  /** Reserved start times (local clock), oldest first. */
  private slots: number[] = [];
  private readonly waiters: SlotWaiter[] = [];
  private reserving = false;
  /** Local clock minus the database's, the smallest seen (the closest to the true offset). */
  private offset = Number.POSITIVE_INFINITY;
  private readonly spacing: number;
  private readonly batch: number;
  /** Round trips made, for the bench's and the README's cost figures. */
  readonly trips = { reservations: 0, grants: 0, budget: 0 };
  /** Requests of the job's budget this process holds and has not sent. */
  private budget = 0;
  private budgetTaking: Promise<boolean> | null = null;
  private budgetSpent = false;

  private readonly openedAt = Date.now();

  constructor(private readonly o: LimiterOptions) {
    this.spacing = o.profile.maxRps > 0 ? (1000 / o.profile.maxRps) * (1 + PACE_MARGIN) : 0;
    this.batch = o.profile.maxRps > 0 ? Math.max(1, Math.ceil((o.profile.maxRps * BATCH_MS) / 1000)) : 0;
    this.renew = setInterval(() => this.allocate(), o.heartbeatMs);
    this.renew.unref();
  }

  inFlightLimit(): number {
    // a grant is good only while its lease is: a process paused past it may have lost it
    return Date.now() < this.leaseUntil ? this.grant : 0;
  }

  demand(wanted: number, inFlight: number): void {
    this.inFlight = inFlight;
    const before = this.wanted;
    this.wanted = wanted;
    this.peak = Math.max(this.peak, wanted);
    if (wanted > this.inFlightLimit() && wanted > before) this.allocate();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  spend(): boolean | Promise<boolean> {
    if (this.budget > 0) {
      this.budget--;
      return true;
    }
    if (this.budgetSpent) return false;
    this.budgetTaking ??= this.takeBudget().finally(() => {
      this.budgetTaking = null;
    });
    return this.budgetTaking.then((ok) => {
      if (!ok) return false;
      // another request may have taken the last of the chunk while this one waited
      if (this.budget <= 0) return this.spend();
      this.budget--;
      return true;
    });
  }

  private async takeBudget(): Promise<boolean> {
    const max = this.o.maxRequests;
    const r = await sql<{ spent: string }>`INSERT INTO farm_budget AS b (job_id, spent) VALUES (${this.o.jobId}, ${Math.min(BUDGET_CHUNK, max)})
      ON CONFLICT (job_id) DO UPDATE SET spent = LEAST(b.spent + ${BUDGET_CHUNK}, ${max}) WHERE b.spent < ${max}
      RETURNING spent, (SELECT spent FROM farm_budget WHERE job_id = ${this.o.jobId}) AS before`.execute(this.o.db);
    this.trips.budget++;
    const row = r.rows[0] as { spent: string; before: string | null } | undefined;
    if (!row) {
      this.budgetSpent = true;
      return false;
    }
    const before = row.before === null ? 0 : Number(row.before);
    const got = Number(row.spent) - before;
    if (got <= 0) {
      this.budgetSpent = true;
      return false;
    }
    this.budget += got;
    return true;
  }

  startSlot(signal: AbortSignal): Promise<void> {
    if (this.spacing === 0) return Promise.resolve();
    if (signal.aborted) return Promise.reject(new AbortError());
    return new Promise<void>((resolve, reject) => {
      const w: SlotWaiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiters.indexOf(w);
          if (i !== -1) this.waiters.splice(i, 1);
          reject(new AbortError());
        },
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
      this.waiters.push(w);
      this.hand();
    });
  }

  /** Gives reserved start times to waiting requests; reserves more when they run out. */
  private hand(): void {
    const now = Date.now();
    while (this.waiters.length > 0 && this.slots.length > 0) {
      const at = this.slots.shift()!;
      if (at < now - SLOT_SLACK_MS) continue;
      const w = this.waiters.shift()!;
      const go = (): void => {
        w.signal.removeEventListener('abort', w.onAbort);
        if (w.signal.aborted) w.reject(new AbortError());
        else w.resolve();
      };
      if (at <= now) go();
      else setTimeout(go, at - now);
    }
    if (this.waiters.length > 0 && !this.reserving && !this.closed) void this.reserve();
  }

  private async reserve(): Promise<void> {
    this.reserving = true;
    // as many as are waiting plus what the grant lets run meanwhile, at most a batch: start
    // times a process reserves and does not use are lost to the others
    const k = Math.max(1, Math.min(this.batch, this.waiters.length + this.grant));
    const span = k * this.spacing;
    try {
      const r = await sql<{ next_at: number; now: number }>`
        WITH t AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::double precision AS now)
        INSERT INTO farm_pace AS p (job_id, next_at) SELECT ${this.o.jobId}, t.now + ${span}::double precision FROM t
        ON CONFLICT (job_id) DO UPDATE SET next_at = GREATEST(p.next_at, (SELECT now FROM t)) + ${span}::double precision
        RETURNING p.next_at, (SELECT now FROM t) AS now`.execute(this.o.db);
      this.trips.reservations++;
      const row = r.rows[0];
      if (!row) throw new Error('the pace reservation returned no row');
      this.offset = Math.min(this.offset, Date.now() - Number(row.now));
      const first = Number(row.next_at) - span + this.offset;
      for (let i = 0; i < k; i++) this.slots.push(first + i * this.spacing);
    } catch (err) {
      // the waiting requests stay queued; the next reservation is tried after a pause
      this.o.log.warn({ err, jobId: this.o.jobId }, 'could not reserve start times; trying again');
      await new Promise((r) => setTimeout(r, RETRY_MS));
    } finally {
      this.reserving = false;
    }
    this.hand();
  }

  /** Renews this process's grant and resizes it to its share; coalesced. */
  private allocate(): void {
    if (this.closed) return;
    if (this.allocating) {
      this.again = true;
      return;
    }
    this.allocating = this.allocateOnce()
      .catch((err: unknown) => this.o.log.warn({ err, jobId: this.o.jobId }, 'could not renew the in-flight grant; trying again'))
      .finally(() => {
        this.allocating = null;
        if (this.again) {
          this.again = false;
          this.allocate();
        } else if (!this.closed && this.wanted > this.grant && !this.retry) {
          // another process has not given back its share yet: ask again soon, not at the next beat
          this.retry = setTimeout(() => {
            this.retry = null;
            this.allocate();
          }, RETRY_MS);
          this.retry.unref();
        }
      });
  }

  private async allocateOnce(): Promise<void> {
    const cap = this.o.profile.concurrency;
    const wanted = this.peak;
    this.peak = this.wanted;
    const inFlight = this.inFlight;
    const granted = await this.o.db.transaction().execute(async (tx) => {
      const now = Date.now();
      await sql`INSERT INTO farm_slots (job_id, holder, slots, want, lease_until) VALUES (${this.o.jobId}, ${this.holder}, 0, 0, ${now})
        ON CONFLICT (job_id, holder) DO NOTHING`.execute(tx);
      const rows = (
        await sql<{ holder: string; slots: number; want: number; lease_until: string }>`
          SELECT holder, slots, want, lease_until FROM farm_slots WHERE job_id = ${this.o.jobId} ORDER BY holder FOR UPDATE`.execute(tx)
      ).rows;
      const others = rows.filter((r) => r.holder !== this.holder && Number(r.lease_until) >= now);
      const othersGranted = others.reduce((n, r) => n + Number(r.slots), 0);
      const shares = waterFill(cap, [...others.map((r) => Number(r.want)), wanted]);
      const share = shares[shares.length - 1] ?? 0;
      // never below what is in flight (it is out already), never past what the others leave
      const grant = Math.max(Math.min(inFlight, this.grant), Math.min(share, cap - othersGranted));
      await sql`UPDATE farm_slots SET slots = ${grant}, want = ${wanted}, lease_until = ${now + this.o.staleMs}
        WHERE job_id = ${this.o.jobId} AND holder = ${this.holder}`.execute(tx);
      await sql`DELETE FROM farm_slots WHERE job_id = ${this.o.jobId} AND lease_until < ${now - this.o.staleMs}`.execute(tx);
      return { grant, leaseUntil: now + this.o.staleMs };
    });
    this.trips.grants++;
    const grew = granted.grant > this.inFlightLimit();
    this.grant = granted.grant;
    this.leaseUntil = granted.leaseUntil;
    if (grew) for (const l of this.listeners) l();
  }

  /** Gives the grant back (the others may use it at once) and stops renewing. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.renew);
    if (this.retry) clearTimeout(this.retry);
    await this.allocating;
    for (const w of this.waiters.splice(0)) {
      w.signal.removeEventListener('abort', w.onAbort);
      w.reject(new AbortError());
    }
    await sql`DELETE FROM farm_slots WHERE job_id = ${this.o.jobId} AND holder = ${this.holder}`.execute(this.o.db);
    await this.budgetTaking?.catch((err: unknown) => this.o.log.debug({ err }, 'a budget request failed as the limiter closed'));
    // what this process took and did not send goes back to the job's other processes
    if (this.budget > 0) await sql`UPDATE farm_budget SET spent = GREATEST(0, spent - ${this.budget}) WHERE job_id = ${this.o.jobId}`.execute(this.o.db);
    this.budget = 0;
    this.o.log.info({ jobId: this.o.jobId, reservations: this.trips.reservations, grants: this.trips.grants, budget: this.trips.budget, ms: Date.now() - this.openedAt }, 'shared limiter closed');
  }
}
