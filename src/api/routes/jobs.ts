// NCP's five job operations: createJob, getJobs, searchJobs, stopJob, cancelJob.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { PENDING_STATUSES, STATUS, type JobStatus } from '../../core/status.js';
import { ownsUrl, targetsSelf, type ListenAddress } from '../../jobs/ownership.js';
import type { JobQuery, JobRow, JobSettings } from '../../jobs/store.js';
import { healthJson } from '../../report/health.js';
import type { AppDeps } from '../app.js';
import { ApiError, apiCallFail, assetsCheckFail, badRequestException, paramValueNotDefine } from '../errors.js';
import { listeningOf } from '../listening.js';
import { pageBlock, rescanButton, toRecord, type RecordPolicy } from '../records.js';
import {
  createJobSchema,
  firstBadField,
  getJobsQuerySchema,
  instanceIdSchema,
  searchJobsSchema,
  type CreateJobBody,
} from '../schemas.js';

export const ok = (resources: unknown) => ({
  returnCode: '0',
  returnDesc: 'Request Success',
  returnMessage: 'Success',
  resources,
});

/** Stop reaches jobs that are being worked on; cancel reaches jobs that wait. */
export const STOPPABLE: readonly JobStatus[] = [STATUS.CRAWL_RUNNING, STATUS.CRAWL_DONE, STATUS.DIAG_PENDING, STATUS.DIAG_RUNNING];
export const CANCELABLE: readonly JobStatus[] = PENDING_STATUSES;

export function parseBody<S extends z.ZodType>(schema: S, body: unknown, fallbackField: string): z.infer<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequestException('The request body must be a JSON object.');
  }
  const r = schema.safeParse(body);
  if (!r.success) throw paramValueNotDefine(firstBadField(r.error, fallbackField));
  return r.data;
}

export function parseInstanceId(raw: unknown): number {
  const r = instanceIdSchema.safeParse(raw);
  if (!r.success) throw apiCallFail();
  const id = Number(r.data);
  if (!Number.isSafeInteger(id)) throw apiCallFail();
  return id;
}

export async function jobRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { store, runner, clock, config } = deps;
  const policy = (): RecordPolicy => ({
    timeZone: config.timeZone,
    now: clock.now(),
    rescanMax: config.rescanMax,
    rescanDays: config.rescanDays,
    reportDays: config.reportDays,
  });

  async function renderPage(accountId: number, query: JobQuery, withHealth = false) {
    const { total, rows } = await store.listJobs(accountId, query);
    const slaves = rows.length === 0 ? [] : await store.listSlaves(accountId, rows.map((r) => r.id));
    const byMaster = new Map<number, JobRow[]>();
    for (const s of slaves) {
      if (s.masterId === null) continue;
      const list = byMaster.get(s.masterId) ?? [];
      list.push(s);
      byMaster.set(s.masterId, list);
    }
    const p = policy();
    const records = rows.map((r) => {
      const rec = toRecord(r, byMaster.get(r.id) ?? [], p);
      // wsc extension, only when asked for (?health=1): NCP's record keeps its fields otherwise
      if (withHealth) rec.health = r.stats?.health ? { ...healthJson(r.stats.health), requests: r.stats.requests, elapsed_ms: r.stats.durationMs } : null;
      return rec;
    });
    return { total, records };
  }

  app.put('/job', async (req, reply) => {
    const raw = req.body;
    const isRescan =
      raw !== null && typeof raw === 'object' && !Array.isArray(raw) && (raw as Record<string, unknown>).MasterInstanceNo != null;
    const body: Partial<CreateJobBody> = isRescan
      ? parseBody(createJobSchema.partial(), raw, 'MasterInstanceNo')
      : parseBody(createJobSchema, raw, 'StartUrl');
    const reservedAt = body.ReservedAt === undefined ? null : reservationTime(body.ReservedAt, clock.now());
    const job = await admitJob(deps, listeningOf(app), req.principal.accountId, body, isRescan, reservedAt);
    req.log.info({ jobId: job.id, accountId: job.accountId, masterId: job.masterId, reservedAt }, 'job created');
    // a reservation is started by the runner's (or the scheduler's) tick once its time comes
    if (reservedAt === null) runner.kick(job.id);
    // createJob answers resources: null as NCP does; the new instanceNo travels in a header.
    return reply.header('x-wsc-instance-no', String(job.id)).send(ok(null));
  });

  app.get('/jobs', async (req) => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    // The seeds' Python sample sends "pages=1"; it is read as "page". Both default as NCP's console does.
    const parsed = getJobsQuerySchema.safeParse({ limit: q.limit ?? '10', page: q.page ?? q.pages ?? '1' });
    if (!parsed.success) throw paramValueNotDefine(firstBadField(parsed.error, 'limit'));
    const { limit, page } = parsed.data;
    const withHealth = q.health === '1' || q.health === 'true';
    const { total, records } = await renderPage(req.principal.accountId, { limit, offset: (page - 1) * limit }, withHealth);
    // getJobs serves its page fields as strings, as both of its seed examples do.
    if (total === 0) {
      return ok({ total_cnt: 0, total_page_cnt: '1', current_start_page: '1', current_end_page: '1', record_data: null });
    }
    const b = pageBlock(total, limit, page);
    return ok({
      total_cnt: total,
      total_page_cnt: String(b.totalPages),
      current_start_page: String(b.startPage),
      current_end_page: String(b.endPage),
      record_data: records.length === 0 ? null : records,
    });
  });

  app.post('/jobs/search', async (req) => {
    const body = parseBody(searchJobsSchema, req.body, 'searchType');
    const { total, records } = await renderPage(req.principal.accountId, {
      limit: body.limit,
      offset: (body.page - 1) * body.limit,
      searchType: body.searchType,
      keyword: body.searchKeyword,
      status: (body.statusCode ?? null) as JobStatus | null,
    });
    // searchJobs serves numbers, as its seed examples do; the block ends at the last page.
    if (total === 0) {
      return ok({ total_cnt: 0, total_page_cnt: 0, current_start_page: 0, current_end_page: 0, record_data: null });
    }
    const b = pageBlock(total, body.limit, body.page);
    return ok({
      total_cnt: total,
      total_page_cnt: b.totalPages,
      current_start_page: b.startPage,
      current_end_page: Math.min(b.endPage, b.totalPages),
      record_data: records.length === 0 ? null : records,
    });
  });

  app.patch('/jobs/:instanceId/stop', async (req) => {
    const id = parseInstanceId((req.params as { instanceId: string }).instanceId);
    const job = await store.getJob(id, req.principal.accountId);
    if (!job) throw apiCallFail();
    if (job.status === STATUS.STOPPING || job.status === STATUS.STOPPED) return ok(null);
    const moved = await store.transition(id, STOPPABLE, STATUS.STOPPING);
    if (!moved) {
      const now = await store.getJob(id, req.principal.accountId);
      // A concurrent stop won the race: the job is stopping either way.
      if (now && (now.status === STATUS.STOPPING || now.status === STATUS.STOPPED)) return ok(null);
      throw apiCallFail();
    }
    req.log.info({ jobId: id }, 'job stopping');
    runner.abort(id);
    return ok(null);
  });

  app.patch('/jobs/:instanceId/cancel', async (req) => {
    const id = parseInstanceId((req.params as { instanceId: string }).instanceId);
    const job = await store.getJob(id, req.principal.accountId);
    if (!job) throw apiCallFail();
    if (job.status === STATUS.CANCELED) return ok(null);
    const moved = await store.transition(id, CANCELABLE, STATUS.CANCELED, { endedAt: clock.now() });
    if (!moved) {
      const now = await store.getJob(id, req.principal.accountId);
      if (now?.status === STATUS.CANCELED) return ok(null);
      throw apiCallFail();
    }
    req.log.info({ jobId: id }, 'job canceled');
    // A job canceled between crawl and scan (2) may still hold a runner slot.
    runner.abort(id);
    return ok(null);
  });
}

const RESERVATION_MAX_MS = 366 * 24 * 3600 * 1000;

/** ReservedAt as epoch ms, refused unless it is in the future and within a year. */
export function reservationTime(v: string | number, now: number): number {
  const at = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(at) || at <= now || at > now + RESERVATION_MAX_MS) {
    throw new ApiError(400, 160433, 'Param Value Not Define - ReservedAt', 'ReservedAt must be a time in the future and within one year (ISO-8601 with an offset, or epoch milliseconds).');
  }
  return at;
}

/**
 * createJob's rules, shared by PUT /job and the schedules that create jobs: the settings (a
 * re-diagnosis defaults to its master's), then ownership of every URL the job requests and the
 * refusal to scan the service itself. Throws the API error a client would get.
 */
export async function admitJob(
  deps: Pick<AppDeps, 'store' | 'clock' | 'config' | 'resolver'>,
  listening: readonly ListenAddress[],
  accountId: number,
  body: Partial<CreateJobBody>,
  isRescan: boolean,
  reservedAt: number | null,
): Promise<JobRow> {
  const checked = await checkJob(deps, listening, accountId, body, isRescan);
  return deps.store.createJob({ accountId, startUrl: checked.settings.startUrl, memo: checked.memo, settings: checked.settings, masterId: checked.masterId, createdAt: deps.clock.now(), reservedAt });
}

/** createJob's settings and refusals without creating the job (schedules check their Job with it). */
export async function checkJob(
  deps: Pick<AppDeps, 'store' | 'clock' | 'config' | 'resolver'>,
  listening: readonly ListenAddress[],
  accountId: number,
  body: Partial<CreateJobBody>,
  isRescan: boolean,
): Promise<{ settings: JobSettings; masterId: number | null; memo: string | null }> {
  const { store, clock, config } = deps;
  let masterId: number | null = null;
  let base: Partial<JobSettings> & { memo?: string | null } = {};
  if (isRescan) {
    const master = await store.getJob(parseInstanceId(body.MasterInstanceNo), accountId);
    if (!master) throw apiCallFail();
    const slaves = await store.listSlaves(accountId, [master.id]);
    const policy: RecordPolicy = { timeZone: config.timeZone, now: clock.now(), rescanMax: config.rescanMax, rescanDays: config.rescanDays, reportDays: config.reportDays };
    if (rescanButton(master, slaves.length, policy) !== 'possible') throw apiCallFail();
    masterId = master.id;
    base = { ...master.settings, memo: master.memo };
  }
  const settings: JobSettings = {
    startUrl: body.StartUrl ?? base.startUrl ?? '',
    excludeUrls: body.ExcludeUrl ?? base.excludeUrls ?? [],
    headers: body.Headers ?? base.headers ?? {},
    vulnItems: body.VulnItems ?? base.vulnItems ?? [],
    userAgent: body.UserAgent ?? base.userAgent ?? '',
    speed: body.Speed ?? base.speed ?? '',
  };
  const limits = body.Limits ?? base.limits;
  if (limits) settings.limits = limits;
  const auth = body.Auth ?? base.auth;
  if (auth) settings.auth = auth;
  const seeds = body.Seeds ?? base.seeds;
  if (seeds) settings.seeds = seeds;
  const transport = body.Proxy !== undefined || body.Tls !== undefined ? transportOf(body.Proxy, body.Tls) : base.transport;
  if (transport) settings.transport = transport;
  const crawlMode = body.Crawl ?? base.crawl;
  if (crawlMode) settings.crawl = crawlMode;

  const assets = await store.listAssets(accountId);
  if (!(await ownsUrl(assets, settings.startUrl, deps.resolver))) throw assetsCheckFail();
  // a login goes to its own URLs: they must be the account's too, like the StartUrl
  for (const url of loginUrls(settings.auth)) if (!(await ownsUrl(assets, url, deps.resolver))) throw assetsCheckFail();
  // No account scans the service itself, whatever its assets say (admin's 127.0.0.0/8 included).
  if (await targetsSelf(settings.startUrl, listening, deps.resolver)) throw assetsCheckFail();

  const memo = body.Memo !== undefined ? body.Memo : (base.memo ?? null);
  return { settings, masterId, memo };
}

/** The URLs a login requests besides the crawl's. */
function loginUrls(auth: JobSettings['auth']): string[] {
  if (auth === undefined || auth.type === 'headers') return [];
  const out = auth.type === 'form' ? [auth.loginUrl] : auth.type === 'token' ? [auth.tokenUrl] : auth.steps.flatMap((s) => ('goto' in s ? [s.goto] : []));
  if (auth.verifyUrl !== undefined) out.push(auth.verifyUrl);
  return out;
}

function transportOf(proxy: string | undefined, tls: { caCert?: string; clientCert?: string; clientKey?: string } | undefined): JobSettings['transport'] {
  const out: NonNullable<JobSettings['transport']> = {};
  if (proxy !== undefined) out.proxy = proxy;
  if (tls?.caCert !== undefined) out.caCerts = [tls.caCert];
  if (tls?.clientCert !== undefined) out.clientCert = tls.clientCert;
  if (tls?.clientKey !== undefined) out.clientKey = tls.clientKey;
  return out;
}
