// getReport: GET /api/v1/jobs/{instanceId}/report. NCP's report fields in the usual envelope by
// default; ?format=json|sarif|html|pdf (our extension) answers the file itself.
//
// A report exists only for a completed job (4) whose result_button is "report": any other status
// answers 160452 Not_Ready (a stopped job, 93, keeps its findings but gets no report, as in NCP's
// console, where its result_button is "terminate"); past WSC_REPORT_DAYS it answers 160453
// Report_Expired. An unknown id or another account's job answers 901, as every job call does.
import type { FastifyInstance } from 'fastify';
import { STATUS, STATUS_TEXT } from '../../core/status.js';
import { allChecks } from '../../checks/registry.js';
import type { JobRow, Store } from '../../jobs/store.js';
import { diffFindings } from '../../report/diff.js';
import { redactFinding, type ReportInput } from '../../report/json.js';
import { buildNcpReport } from '../../report/ncp.js';
import { isReportFormat, renderReport } from '../../report/render.js';
import type { AppDeps } from '../app.js';
import { apiCallFail, notReady, paramValueNotDefine, reportExpired } from '../errors.js';
import { resultButton } from '../records.js';
import { ok, parseInstanceId } from './jobs.js';

/** Everything a report is rendered from, for a stored job (findings of a re-diagnosis compared). */
export async function reportInputForJob(store: Store, job: JobRow, timeZone: string, now: number): Promise<ReportInput> {
  const [findings, urls] = await Promise.all([store.listFindings(job.id), store.listUrls(job.id)]);
  const s = job.settings;
  const input: ReportInput = {
    target: job.startUrl,
    options: { items: s.vulnItems, userAgent: s.userAgent, speed: s.speed, excludeUrls: s.excludeUrls, headers: s.headers, ...(s.limits ? { limits: s.limits } : {}), ...(s.crawl ? { crawl: s.crawl } : {}) },
    stats: {
      requests: job.stats?.requests ?? 0,
      durationMs: job.stats?.durationMs ?? (job.startedAt !== null && job.endedAt !== null ? job.endedAt - job.startedAt : 0),
      urls: job.stats?.urls ?? urls.length,
      ...(job.stats?.tokenForms !== undefined ? { tokenForms: job.stats.tokenForms, tokenRejected: job.stats.tokenRejected ?? 0 } : {}),
      ...(job.stats?.browser !== undefined ? { browser: job.stats.browser } : {}),
    },
    urls,
    findings,
    generatedAt: now,
    checks: allChecks.map((c) => c.meta),
    job: {
      id: String(job.id),
      memo: job.memo,
      startedAt: job.startedAt,
      endedAt: job.endedAt,
      crawlMs: job.stats?.crawlMs ?? null,
      scanMs: job.stats?.scanMs ?? null,
      timeZone,
      masterId: job.masterId === null ? null : String(job.masterId),
    },
  };
  if (job.masterId !== null) {
    const master = await store.getJob(job.masterId, job.accountId);
    if (master) {
      // The master may have run with other header values: hide both sets before comparing.
      const masterFindings = (await store.listFindings(master.id)).map((f) => redactFinding(redactFinding(f, master.settings.headers), s.headers));
      input.comparison = diffFindings(String(master.id), masterFindings, findings.map((f) => redactFinding(f, s.headers)));
    }
  }
  return input;
}

export async function reportRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { store, clock, config } = deps;

  app.get('/jobs/:instanceId/report', async (req, reply) => {
    const id = parseInstanceId((req.params as { instanceId: string }).instanceId);
    const format = (req.query as Record<string, unknown> | undefined)?.format;
    if (format !== undefined && format !== 'ncp' && !isReportFormat(format)) throw paramValueNotDefine('format');
    const job = await store.getJob(id, req.principal.accountId);
    if (!job) throw apiCallFail();
    const now = clock.now();
    if (job.status !== STATUS.DIAG_DONE) {
      throw notReady(`Job ${id} is "${STATUS_TEXT[job.status]}" (${job.status}); a report exists once diagnostics completed (4).`);
    }
    const policy = { timeZone: config.timeZone, now, rescanMax: config.rescanMax, rescanDays: config.rescanDays, reportDays: config.reportDays };
    if (resultButton(job, policy) === 'expired') {
      throw reportExpired(`The report of job ${id} expired ${config.reportDays} days after the job ended.`);
    }
    const input = await reportInputForJob(store, job, config.timeZone, now);
    if (format === undefined || format === 'ncp') return ok(buildNcpReport(input));
    const file = await renderReport(format, input);
    req.log.info({ jobId: id, format, bytes: file.body.length }, 'report served');
    return reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="wsc-report-${id}.${file.extension}"`)
      .send(file.body);
  });
}
