// wsc extension: recurring schedules of an account. A schedule holds a createJob body (sealed at
// rest, its secrets masked in answers) and when to create it: a 5-field cron expression, or
// Every daily/weekly/monthly compiled to one, read in an IANA time zone. The scheduler
// (src/jobs/scheduler.ts) creates each run's job under createJob's own rules.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { STATUS_TEXT, type JobStatus } from '../../core/status.js';
import type { ScheduleRow, ScheduleSpec } from '../../jobs/schedule-store.js';
import { compileSpec, isTimeZone, nextRunAfter } from '../../jobs/schedule-time.js';
import type { AppDeps } from '../app.js';
import { ApiError, apiCallFail, badRequestException } from '../errors.js';
import { listeningOf } from '../listening.js';
import { badFieldMessage, badFieldPath, scheduleInSchema, schedulePatchSchema, type ScheduleIn } from '../schemas.js';
import { checkJob, ok } from './jobs.js';

/** 160433 with the field's path (Job.StartUrl) and what it must be in details. */
export function badField(field: string, details: string): ApiError {
  return new ApiError(400, 160433, `Param Value Not Define - ${field}`, details);
}

export function parseExtension<S extends z.ZodType>(schema: S, body: unknown, fallback: string): z.infer<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequestException('The request body must be a JSON object.');
  const r = schema.safeParse(body);
  if (!r.success) throw badField(badFieldPath(r.error, fallback), badFieldMessage(r.error));
  return r.data;
}

export function parseId(raw: unknown): number {
  const s = String(raw);
  if (!/^\d{1,15}$/.test(s)) throw apiCallFail();
  return Number(s);
}

const MASK = '********';

/** The Job input with its secrets masked: header values, login secrets, the proxy password, the client key. */
export function maskJob(job: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...job };
  if (job.Headers && typeof job.Headers === 'object') out.Headers = Object.fromEntries(Object.keys(job.Headers).map((k) => [k, MASK]));
  if (job.Auth && typeof job.Auth === 'object') {
    const a: Record<string, unknown> = { ...(job.Auth as Record<string, unknown>) };
    for (const k of ['password', 'clientSecret']) if (a[k] !== undefined) a[k] = MASK;
    for (const k of ['headers', 'cookies', 'body', 'extraFields']) if (a[k] && typeof a[k] === 'object') a[k] = Object.fromEntries(Object.keys(a[k] as object).map((x) => [x, MASK]));
    if (Array.isArray(a.steps)) a.steps = (a.steps as Record<string, unknown>[]).map((s) => ('value' in s ? { ...s, value: MASK } : s));
    out.Auth = a;
  }
  if (typeof job.Proxy === 'string') {
    try {
      const u = new URL(job.Proxy);
      if (u.password) u.password = MASK;
      out.Proxy = u.toString();
    } catch {
      out.Proxy = MASK;
    }
  }
  if (job.Tls && typeof job.Tls === 'object' && (job.Tls as Record<string, unknown>).clientKey !== undefined) out.Tls = { ...(job.Tls as object), clientKey: MASK };
  return out;
}

export function scheduleView(s: ScheduleRow) {
  return {
    schedule_id: s.id,
    name: s.name,
    cron: s.cron,
    every: s.spec.Every ?? null,
    at: s.spec.Every ? (s.spec.At ?? '00:00') : null,
    weekday: s.spec.Every === 'weekly' ? (s.spec.Weekday ?? 0) : null,
    month_day: s.spec.Every === 'monthly' ? (s.spec.MonthDay ?? 1) : null,
    timezone: s.timezone,
    max_runs: s.maxRuns,
    run_count: s.runCount,
    skip_if_running: s.skipIfRunning,
    enabled: s.enabled,
    next_run_at: s.nextRunAt,
    last_run_at: s.lastRunAt,
    last_instance_id: s.lastInstanceId === null ? null : String(s.lastInstanceId),
    job: maskJob(s.job),
    created_at: s.createdAt,
  };
}

function specOf(b: Partial<ScheduleIn>): ScheduleSpec {
  const spec: ScheduleSpec = {};
  if (b.Cron !== undefined) spec.Cron = b.Cron;
  if (b.Every !== undefined) spec.Every = b.Every;
  if (b.At !== undefined) spec.At = b.At;
  if (b.Weekday !== undefined) spec.Weekday = b.Weekday;
  if (b.MonthDay !== undefined) spec.MonthDay = b.MonthDay;
  return spec;
}

function compiled(spec: ScheduleSpec, zone: string): string {
  if (!isTimeZone(zone)) throw badField('TimeZone', `"${zone}" is not a known IANA time zone (e.g. Asia/Seoul, UTC)`);
  const c = compileSpec(spec);
  if ('error' in c) throw badField(c.field, c.error);
  return c.cron;
}

/** The next run from `now`, or null when disabled or out of runs. */
function nextOf(cron: string, zone: string, now: number, enabled: boolean, maxRuns: number | null, runCount: number): number | null {
  if (!enabled || (maxRuns !== null && runCount >= maxRuns)) return null;
  return nextRunAfter(cron, zone, now);
}

export async function scheduleRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { store, clock, config } = deps;
  const repo = store.schedules;

  async function checkScheduleJob(accountId: number, job: Record<string, unknown>): Promise<void> {
    // the job of every run must be one createJob would accept now; it is checked again at each run
    try {
      await checkJob(deps, listeningOf(app), accountId, job, false);
    } catch (err) {
      if (err instanceof ApiError && err.errorCode === 160451) {
        throw new ApiError(400, 160451, 'Assets_Check_Fail', 'Job.StartUrl (or a login URL) is not an asset of the account, or is this service itself.');
      }
      throw err;
    }
  }

  async function owned(req: { params: unknown; principal: { accountId: number } }): Promise<ScheduleRow> {
    const s = await repo.get(parseId((req.params as { id: string }).id), req.principal.accountId);
    if (!s) throw apiCallFail();
    return s;
  }

  app.get('/schedules', async (req) => {
    const rows = await repo.list(req.principal.accountId);
    return ok({ schedules: rows.map(scheduleView) });
  });

  app.put('/schedules', async (req) => {
    const body = parseExtension(scheduleInSchema, req.body, 'Name');
    const accountId = req.principal.accountId;
    const spec = specOf(body);
    const timezone = body.TimeZone ?? 'UTC';
    const cron = compiled(spec, timezone);
    if ((await repo.list(accountId)).length >= config.maxSchedules) {
      throw badRequestException(`An account may have at most ${config.maxSchedules} schedules (WSC_MAX_SCHEDULES).`);
    }
    const job = body.Job as Record<string, unknown>;
    await checkScheduleJob(accountId, job);
    const enabled = body.Enabled ?? true;
    const maxRuns = body.MaxRuns ?? null;
    const now = clock.now();
    const s = await repo.create({
      accountId,
      name: body.Name,
      spec,
      cron,
      timezone,
      maxRuns,
      skipIfRunning: body.SkipIfRunning ?? true,
      enabled,
      nextRunAt: nextOf(cron, timezone, now, enabled, maxRuns, 0),
      job,
      createdAt: now,
    });
    req.log.info({ scheduleId: s.id, accountId, cron, timezone }, 'schedule created');
    return ok({ schedule: scheduleView(s) });
  });

  app.get('/schedules/:id', async (req) => {
    const s = await owned(req);
    const runs = await repo.runs(s.id, 100);
    const statuses = new Map<number, JobStatus>();
    for (const r of runs) {
      if (r.instanceId === null || statuses.has(r.instanceId)) continue;
      const j = await store.getJob(r.instanceId, s.accountId);
      if (j) statuses.set(r.instanceId, j.status);
    }
    return ok({
      schedule: scheduleView(s),
      runs: runs.map((r) => {
        const code = r.instanceId === null ? null : (statuses.get(r.instanceId) ?? null);
        return {
          instance_id: r.instanceId === null ? null : String(r.instanceId),
          at: r.at,
          due_at: r.dueAt,
          outcome: r.outcome,
          status_code: code,
          status: code === null ? null : STATUS_TEXT[code],
          error: r.error,
        };
      }),
    });
  });

  app.patch('/schedules/:id', async (req) => {
    const s = await owned(req);
    const body = parseExtension(schedulePatchSchema, req.body, 'Name');
    const timingGiven = body.Cron !== undefined || body.Every !== undefined;
    const partsGiven = body.At !== undefined || body.Weekday !== undefined || body.MonthDay !== undefined;
    // Cron or Every replace the timing whole; At/Weekday/MonthDay alone adjust an Every schedule
    const spec = timingGiven ? specOf(body) : partsGiven ? { ...s.spec, ...specOf(body) } : s.spec;
    const timezone = body.TimeZone ?? s.timezone;
    const cron = compiled(spec, timezone);
    const enabled = body.Enabled ?? s.enabled;
    const maxRuns = body.MaxRuns !== undefined ? body.MaxRuns : s.maxRuns;
    if (body.Job !== undefined) await checkScheduleJob(s.accountId, body.Job as Record<string, unknown>);
    const retime = timingGiven || partsGiven || body.TimeZone !== undefined || enabled !== s.enabled || body.MaxRuns !== undefined;
    const updated = await repo.update(s.id, s.accountId, {
      ...(body.Name !== undefined ? { name: body.Name } : {}),
      spec,
      cron,
      timezone,
      maxRuns,
      enabled,
      ...(body.SkipIfRunning !== undefined ? { skipIfRunning: body.SkipIfRunning } : {}),
      ...(body.Job !== undefined ? { job: body.Job as Record<string, unknown> } : {}),
      // a resumed schedule runs next at its next time from now, not for the runs it missed paused
      ...(retime ? { nextRunAt: nextOf(cron, timezone, clock.now(), enabled, maxRuns, s.runCount) } : {}),
    });
    if (!updated) throw apiCallFail();
    req.log.info({ scheduleId: s.id, enabled }, 'schedule changed');
    return ok({ schedule: scheduleView(updated) });
  });

  app.delete('/schedules/:id', async (req) => {
    const s = await owned(req);
    await repo.remove(s.id, s.accountId);
    req.log.info({ scheduleId: s.id }, 'schedule deleted');
    return ok({});
  });
}
