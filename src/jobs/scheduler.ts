// The ticker every serving node runs: fires due schedules, starts reservations that came due
// where no runner polls for them (an API node queues them for the farm), and drives the
// notification deliveries. It reads the injected clock on each tick, so time in tests is theirs.
// Several nodes on one PostgreSQL tick at once: each due run is taken by one guarded UPDATE
// (ScheduleRepo.claim), so exactly one node creates its job.
import type { Logger } from '../core/log.js';
import { FINAL_STATUSES } from '../core/status.js';
import type { Clock } from '../core/time.js';
import type { Notifier } from './notify.js';
import type { ScheduleRow } from './schedule-store.js';
import { nextRunAfter } from './schedule-time.js';
import type { Store } from './store.js';

/** Creates a schedule's job under createJob's rules; the error text when they refuse it. */
export type JobMaker = (accountId: number, job: Record<string, unknown>) => Promise<{ id: number } | { error: string }>;

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  tickMs: number;
  /** Null: this node fires no schedules (it cannot apply createJob's rules). */
  makeJob: JobMaker | null;
  /** A reservation came due: have it started (queue it, or let the runner look). */
  kick?: (jobId: number) => void;
  notifier?: Notifier;
}

/** Due schedules handled per tick. */
const BATCH = 100;

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Reservations due up to this time were kicked (0: every due one is kicked on start). */
  private kickedUpTo = 0;
  private closed = false;

  constructor(private readonly o: SchedulerOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.o.tickMs);
    this.timer.unref();
    void this.tick();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.o.notifier?.close();
  }

  /** One pass; overlapping calls share the pass in progress. */
  tick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.running ??= this.pass()
      .catch((err: unknown) => this.o.log.error({ err }, 'scheduler tick failed'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async pass(): Promise<void> {
    const now = this.o.clock.now();
    if (this.o.makeJob) {
      for (const s of await this.o.store.schedules.due(now, BATCH)) await this.fire(s, now);
    }
    if (this.o.kick) {
      for (const j of await this.o.store.reservationsDue(this.kickedUpTo, now)) this.o.kick(j.id);
      this.kickedUpTo = now;
    }
    await this.o.notifier?.tick();
  }

  /** Takes the schedule's due run (once across nodes) and creates its job, or records a skip. */
  private async fire(s: ScheduleRow, now: number): Promise<void> {
    const { store, log } = this.o;
    const due = s.nextRunAt as number;
    // the next run counts from now: runs missed while no node was up become this one run
    let next = nextRunAfter(s.cron, s.timezone, Math.max(now, due));
    let previousRunning = false;
    if (s.skipIfRunning && s.lastInstanceId !== null) {
      const last = await store.getJob(s.lastInstanceId);
      previousRunning = last !== undefined && !FINAL_STATUSES.includes(last.status);
    }
    if (previousRunning) {
      if (!(await store.schedules.claim(s.id, due, next, false, now))) return;
      await store.schedules.recordRun({ scheduleId: s.id, dueAt: due, at: now, outcome: 'skipped', instanceId: null, error: `job ${s.lastInstanceId} was still running` });
      log.info({ scheduleId: s.id, due, previous: s.lastInstanceId }, 'schedule run skipped: the previous run is still running');
      return;
    }
    if (s.maxRuns !== null && s.runCount + 1 >= s.maxRuns) next = null;
    if (!(await store.schedules.claim(s.id, due, next, true, now))) return;
    const made = await (this.o.makeJob as JobMaker)(s.accountId, s.job).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
    if ('error' in made) {
      await store.schedules.recordRun({ scheduleId: s.id, dueAt: due, at: now, outcome: 'failed', instanceId: null, error: made.error });
      log.warn({ scheduleId: s.id, due, error: made.error }, 'schedule run refused');
      return;
    }
    await store.schedules.setLastInstance(s.id, made.id);
    await store.schedules.recordRun({ scheduleId: s.id, dueAt: due, at: now, outcome: 'created', instanceId: made.id, error: null });
    log.info({ scheduleId: s.id, due, jobId: made.id }, 'schedule run created a job');
  }
}
