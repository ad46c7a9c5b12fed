// Recurring schedules and their runs, over the store's Kysely handle. A schedule's job input
// (createJob's body, headers and logins included) is sealed at rest like a job's headers.
// claim() is the one guarded UPDATE that lets several nodes on one PostgreSQL fire a run once.
import type { Generated, Kysely, Selectable, Updateable } from 'kysely';
import type { Sealer } from '../core/crypto.js';
import type { Database } from './store-kysely.js';

export interface SchedulesTable {
  id: Generated<number>;
  account_id: number;
  name: string;
  /** JSON of ScheduleSpec: how the cron expression was given (Cron, or Every with its fields). */
  spec: string;
  cron: string;
  timezone: string;
  max_runs: number | null;
  run_count: number;
  skip_if_running: number;
  enabled: number;
  next_run_at: number | null;
  last_run_at: number | null;
  last_instance_id: number | null;
  job_enc: string;
  created_at: number;
}

export interface ScheduleRunsTable {
  id: Generated<number>;
  schedule_id: number;
  due_at: number;
  at: number;
  outcome: string;
  instance_id: number | null;
  error: string | null;
}

export type Every = 'daily' | 'weekly' | 'monthly';

export interface ScheduleSpec {
  Cron?: string;
  Every?: Every;
  At?: string;
  Weekday?: number;
  MonthDay?: number;
}

export interface ScheduleRow {
  id: number;
  accountId: number;
  name: string;
  spec: ScheduleSpec;
  cron: string;
  timezone: string;
  maxRuns: number | null;
  runCount: number;
  skipIfRunning: boolean;
  enabled: boolean;
  nextRunAt: number | null;
  lastRunAt: number | null;
  lastInstanceId: number | null;
  /** createJob's body as accepted (validated by the API). */
  job: Record<string, unknown>;
  createdAt: number;
}

export type NewSchedule = Omit<ScheduleRow, 'id' | 'runCount' | 'lastRunAt' | 'lastInstanceId'>;
export type SchedulePatch = Partial<Pick<ScheduleRow, 'name' | 'spec' | 'cron' | 'timezone' | 'maxRuns' | 'skipIfRunning' | 'enabled' | 'nextRunAt' | 'job'>>;

/** created: a job was made; skipped: the previous run was still running; failed: the job was refused. */
export type RunOutcome = 'created' | 'skipped' | 'failed';

export interface ScheduleRunRow {
  scheduleId: number;
  dueAt: number;
  at: number;
  outcome: RunOutcome;
  instanceId: number | null;
  error: string | null;
}

export interface ScheduleRepo {
  create(s: NewSchedule): Promise<ScheduleRow>;
  /** With accountId, only that account's schedule. */
  get(id: number, accountId?: number): Promise<ScheduleRow | undefined>;
  list(accountId: number): Promise<ScheduleRow[]>;
  update(id: number, accountId: number, patch: SchedulePatch): Promise<ScheduleRow | undefined>;
  remove(id: number, accountId: number): Promise<boolean>;
  /** Enabled schedules whose next run is at or before `now`, soonest first. */
  due(now: number, limit: number): Promise<ScheduleRow[]>;
  /**
   * Takes the run due at `due`: moves next_run_at to `next` (null: no more runs) and counts it
   * when `counted`, only if next_run_at is still `due`. True for exactly one caller.
   */
  claim(id: number, due: number, next: number | null, counted: boolean, now: number): Promise<boolean>;
  setLastInstance(id: number, instanceId: number): Promise<void>;
  recordRun(run: ScheduleRunRow): Promise<void>;
  /** Newest first. */
  runs(scheduleId: number, limit: number): Promise<ScheduleRunRow[]>;
}

type Db = Kysely<Database>;

export class KyselyScheduleRepo implements ScheduleRepo {
  constructor(
    private readonly db: Db,
    private readonly sealer: Sealer,
  ) {}

  async create(s: NewSchedule): Promise<ScheduleRow> {
    const row = await this.db
      .insertInto('schedules')
      .values({
        account_id: s.accountId,
        name: s.name,
        spec: JSON.stringify(s.spec),
        cron: s.cron,
        timezone: s.timezone,
        max_runs: s.maxRuns,
        run_count: 0,
        skip_if_running: s.skipIfRunning ? 1 : 0,
        enabled: s.enabled ? 1 : 0,
        next_run_at: s.nextRunAt,
        last_run_at: null,
        last_instance_id: null,
        job_enc: this.sealer.seal(JSON.stringify(s.job)),
        created_at: s.createdAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return this.toRow(row);
  }

  async get(id: number, accountId?: number): Promise<ScheduleRow | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    let q = this.db.selectFrom('schedules').selectAll().where('id', '=', id);
    if (accountId !== undefined) q = q.where('account_id', '=', accountId);
    const row = await q.executeTakeFirst();
    return row && this.toRow(row);
  }

  async list(accountId: number): Promise<ScheduleRow[]> {
    const rows = await this.db.selectFrom('schedules').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
    return rows.map((r) => this.toRow(r));
  }

  async update(id: number, accountId: number, p: SchedulePatch): Promise<ScheduleRow | undefined> {
    const cols: Updateable<SchedulesTable> = {};
    if (p.name !== undefined) cols.name = p.name;
    if (p.spec !== undefined) cols.spec = JSON.stringify(p.spec);
    if (p.cron !== undefined) cols.cron = p.cron;
    if (p.timezone !== undefined) cols.timezone = p.timezone;
    if (p.maxRuns !== undefined) cols.max_runs = p.maxRuns;
    if (p.skipIfRunning !== undefined) cols.skip_if_running = p.skipIfRunning ? 1 : 0;
    if (p.enabled !== undefined) cols.enabled = p.enabled ? 1 : 0;
    if (p.nextRunAt !== undefined) cols.next_run_at = p.nextRunAt;
    if (p.job !== undefined) cols.job_enc = this.sealer.seal(JSON.stringify(p.job));
    if (Object.keys(cols).length > 0) {
      await this.db.updateTable('schedules').set(cols).where('id', '=', id).where('account_id', '=', accountId).execute();
    }
    return this.get(id, accountId);
  }

  async remove(id: number, accountId: number): Promise<boolean> {
    if (!Number.isSafeInteger(id)) return false;
    const r = await this.db.deleteFrom('schedules').where('id', '=', id).where('account_id', '=', accountId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async due(now: number, limit: number): Promise<ScheduleRow[]> {
    const rows = await this.db
      .selectFrom('schedules')
      .selectAll()
      .where('enabled', '=', 1)
      .where('next_run_at', 'is not', null)
      .where('next_run_at', '<=', now)
      .orderBy('next_run_at')
      .limit(limit)
      .execute();
    return rows.map((r) => this.toRow(r));
  }

  async claim(id: number, due: number, next: number | null, counted: boolean, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable('schedules')
      .set((eb) => ({ next_run_at: next, run_count: eb('run_count', '+', counted ? 1 : 0), last_run_at: now }))
      .where('id', '=', id)
      .where('next_run_at', '=', due)
      .where('enabled', '=', 1)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async setLastInstance(id: number, instanceId: number): Promise<void> {
    await this.db.updateTable('schedules').set({ last_instance_id: instanceId }).where('id', '=', id).execute();
  }

  async recordRun(run: ScheduleRunRow): Promise<void> {
    await this.db
      .insertInto('schedule_runs')
      .values({ schedule_id: run.scheduleId, due_at: run.dueAt, at: run.at, outcome: run.outcome, instance_id: run.instanceId, error: run.error })
      .onConflict((oc) => oc.columns(['schedule_id', 'due_at']).doNothing())
      .execute();
  }

  async runs(scheduleId: number, limit: number): Promise<ScheduleRunRow[]> {
    const rows = await this.db.selectFrom('schedule_runs').selectAll().where('schedule_id', '=', scheduleId).orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      scheduleId: Number(r.schedule_id),
      dueAt: Number(r.due_at),
      at: Number(r.at),
      outcome: r.outcome as RunOutcome,
      instanceId: r.instance_id === null ? null : Number(r.instance_id),
      error: r.error,
    }));
  }

  private toRow(r: Selectable<SchedulesTable>): ScheduleRow {
    let job: Record<string, unknown>;
    try {
      job = JSON.parse(this.sealer.open(r.job_enc)) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`schedule ${r.id}: cannot open its sealed job (was the master key changed?)`, { cause: err });
    }
    const n = (v: number | null) => (v === null ? null : Number(v));
    return {
      id: Number(r.id),
      accountId: Number(r.account_id),
      name: r.name,
      spec: JSON.parse(r.spec) as ScheduleSpec,
      cron: r.cron,
      timezone: r.timezone,
      maxRuns: n(r.max_runs),
      runCount: Number(r.run_count),
      skipIfRunning: Number(r.skip_if_running) === 1,
      enabled: Number(r.enabled) === 1,
      nextRunAt: n(r.next_run_at),
      lastRunAt: n(r.last_run_at),
      lastInstanceId: n(r.last_instance_id),
      job,
      createdAt: Number(r.created_at),
    };
  }
}
