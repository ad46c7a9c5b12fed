// Notifications: a job's end (completed, failed) and its high-severity findings become deliveries
// to the account's channels, sent by webhook (JSON signed with HMAC-SHA256) or e-mail (SMTP).
// Everything goes through the store: the node that claims a job's end (one guarded UPDATE)
// creates its deliveries, and each attempt is leased the same way, so a farm sends each once,
// retries survive restarts, and a slow or dead receiver only ever holds one of this process's
// delivery slots, never the job runner, which does not know notifications exist.
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import nodemailer from 'nodemailer';
import { Agent, request } from 'undici';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import type { Finding } from '../core/model.js';
import { STATUS, STATUS_TEXT, type JobStatus } from '../core/status.js';
import type { Clock } from '../core/time.js';
import { addressClass } from '../engine/egress.js';
import { escapeHtml } from '../report/html-escape.js';
import type { ChannelRow, DeliveryAttempt, DeliveryEvent, DeliveryRow, NotifyEvent } from './notify-store.js';
import type { Resolver } from './ownership.js';
import type { JobRow, Store } from './store.js';

export const SMTP_SETTING = 'smtp';

export interface SmtpSettings {
  url: string;
  from: string;
}

export interface NotifyLimits {
  attempts: number;
  backoffMs: number;
  timeoutMs: number;
  maxBodyBytes: number;
  concurrency: number;
  allowPrivate: boolean;
  smtpUrl: string | null;
  smtpFrom: string | null;
}

export function notifyLimits(c: Config): NotifyLimits {
  return {
    attempts: c.notifyAttempts,
    backoffMs: c.notifyBackoffMs,
    timeoutMs: c.notifyTimeoutMs,
    maxBodyBytes: c.notifyMaxBodyBytes,
    concurrency: c.notifyConcurrency,
    allowPrivate: c.webhookAllowPrivate,
    smtpUrl: c.smtpUrl,
    smtpFrom: c.smtpFrom,
  };
}

/** The SMTP URL with its password replaced, for display. */
export function maskSmtpUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '****';
    return u.toString();
  } catch {
    return 'invalid URL';
  }
}

const ENDED: readonly JobStatus[] = [STATUS.DIAG_DONE, STATUS.DIAG_FAILED, STATUS.CRAWL_FAILED, STATUS.CANCELED, STATUS.STOPPED];
const FAILED: readonly JobStatus[] = [STATUS.DIAG_FAILED, STATUS.CRAWL_FAILED];
/** How much of a receiver's answer is read (and kept in the log). */
const RESPONSE_KEEP = 200;

/**
 * Why a webhook URL may not be used, or null. Link-local and cloud metadata addresses are never
 * allowed; loopback and private ones only with WSC_WEBHOOK_ALLOW_PRIVATE=1 (a single-tenant
 * server's own network). The check runs on every address the name resolves to.
 */
export async function webhookRefusal(url: string, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<string | null> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'Url must be an absolute http(s) URL.';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'Url must be an absolute http(s) URL.';
  if (u.username !== '' || u.password !== '') return 'Url must not carry credentials; the delivery is signed with the channel secret.';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    return `Url host ${host} does not resolve.`;
  }
  if (addresses.length === 0) return `Url host ${host} does not resolve.`;
  for (const a of addresses) {
    const cls = addressClass(a);
    if (cls === 'link-local' || cls === 'metadata') return `Url resolves to ${a}, a link-local or cloud metadata address; webhooks never go there.`;
    if (cls === 'unspecified' || cls === 'multicast' || cls === 'reserved') return `Url resolves to ${a}, which is not a unicast address.`;
    if ((cls === 'loopback' || cls === 'private' || cls === 'shared') && !allowPrivate) {
      return `Url resolves to ${a}, a loopback or private address; refused unless the server sets WSC_WEBHOOK_ALLOW_PRIVATE=1.`;
    }
  }
  return null;
}

const systemResolver: Resolver = async (host) => (await dnsLookup(host, { all: true })).map((a) => a.address);

/** X-Wsc-Signature's value for a body sent at `timestamp` (the X-Wsc-Timestamp header, epoch ms). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export interface NotifierOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  limits: NotifyLimits;
  /** Base of report_url in payloads (the API's public URL); null leaves report_url null. */
  baseUrl?: () => string | null;
  resolver?: Resolver;
}

interface JobSummary {
  instance_id: string;
  url: string;
  memo: string | null;
  status_code: number;
  status: string;
  scan_cnt: number;
  high_cnt: number;
  medium_cnt: number;
  low_cnt: number;
  report_url: string | null;
}

interface EventPayload {
  event: DeliveryEvent;
  job: JobSummary | null;
  findings?: Record<string, unknown>[];
}

export class Notifier {
  private readonly inFlight = new Set<number>();
  private closed = false;

  constructor(private readonly o: NotifierOptions) {}

  /** One step: turn ended jobs into deliveries, then start the due attempts (not awaited). */
  async tick(): Promise<void> {
    if (this.closed) return;
    await this.fanOut();
    await this.sendDue();
  }

  /** Stops starting attempts and waits a little for those in flight (they are leased, not lost). */
  async close(): Promise<void> {
    this.closed = true;
    const until = Date.now() + 2000;
    while (this.inFlight.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  }

  /** Creates a test delivery for the channel and makes its first attempt now. */
  async testSend(channel: ChannelRow): Promise<DeliveryRow> {
    const now = this.o.clock.now();
    const payload: EventPayload = { event: 'test', job: null };
    const d = await this.o.store.notify.createDelivery({ channelId: channel.id, event: 'test', instanceId: null, payload: JSON.stringify(payload), createdAt: now, nextAttemptAt: now });
    if (await this.o.store.notify.leaseDelivery(d.id, now, now + this.leaseMs())) await this.attempt(d, channel);
    return (await this.o.store.notify.getDelivery(d.id)) ?? d;
  }

  private leaseMs(): number {
    return this.o.limits.timeoutMs * 2 + 5000;
  }

  private async fanOut(): Promise<void> {
    const { store, clock, log } = this.o;
    for (const job of await store.endedUnnotified(ENDED, 50)) {
      // one node turns a job's end into deliveries; the others see the claim taken
      if (!(await store.claimJobEnd(job.id))) continue;
      const channels = (await store.notify.listChannels(job.accountId)).filter((c) => c.enabled);
      if (channels.length === 0) continue;
      const all = await store.listFindings(job.id);
      const summary = this.summary(job, all);
      const events: { event: NotifyEvent; payload: EventPayload }[] = [];
      if (job.status === STATUS.DIAG_DONE) events.push({ event: 'job.completed', payload: { event: 'job.completed', job: summary } });
      if (FAILED.includes(job.status)) events.push({ event: 'job.failed', payload: { event: 'job.failed', job: summary } });
      const high = all.filter((f) => f.severity === 'high');
      // every high finding of the job in one delivery, not one per finding
      if (high.length > 0) events.push({ event: 'finding.high', payload: { event: 'finding.high', job: summary, findings: high.map(findingBrief) } });
      const now = clock.now();
      for (const c of channels) {
        for (const e of events) {
          if (!c.events.includes(e.event)) continue;
          await store.notify.createDelivery({ channelId: c.id, event: e.event, instanceId: job.id, payload: JSON.stringify(e.payload), createdAt: now, nextAttemptAt: now });
        }
      }
      log.debug({ jobId: job.id, events: events.map((e) => e.event), channels: channels.length }, 'notifications queued');
    }
  }

  private async sendDue(): Promise<void> {
    const free = this.o.limits.concurrency - this.inFlight.size;
    if (free <= 0) return;
    const now = this.o.clock.now();
    for (const d of await this.o.store.notify.dueDeliveries(now, free * 2)) {
      if (this.inFlight.size >= this.o.limits.concurrency || this.closed) return;
      if (this.inFlight.has(d.id)) continue;
      if (!(await this.o.store.notify.leaseDelivery(d.id, d.nextAttemptAt, now + this.leaseMs()))) continue;
      const channel = await this.o.store.notify.getChannel(d.channelId);
      if (!channel) continue;
      this.inFlight.add(d.id);
      void this.attempt(d, channel)
        .catch((err: unknown) => this.o.log.warn({ err, deliveryId: d.id }, 'delivery attempt failed unexpectedly'))
        .finally(() => this.inFlight.delete(d.id));
    }
  }

  /** One attempt, recorded with its outcome; a failure is retried later with back-off. */
  private async attempt(d: DeliveryRow, channel: ChannelRow): Promise<void> {
    const { clock, limits } = this.o;
    const startedAt = clock.now();
    let result: { ok: boolean; response: string | null; error: string | null };
    try {
      result = channel.kind === 'webhook' ? await this.sendWebhook(d, channel) : await this.sendEmail(d, channel);
    } catch (err) {
      result = { ok: false, response: null, error: err instanceof Error ? err.message : String(err) };
    }
    const attempt = d.attempt + 1;
    const log: DeliveryAttempt = { at: startedAt, response: result.response, error: result.error };
    const attempts = [...d.attempts, log].slice(-limits.attempts);
    const now = clock.now();
    if (result.ok) {
      await this.o.store.notify.finishAttempt(d.id, { status: 'delivered', attempt, response: result.response, error: null, attempts, nextAttemptAt: null, deliveredAt: now });
      return;
    }
    const last = attempt >= limits.attempts;
    // exponential back-off: base, 2x base, 4x base ... after each failed attempt
    const next = last ? null : now + limits.backoffMs * 2 ** (attempt - 1);
    await this.o.store.notify.finishAttempt(d.id, { status: last ? 'failed' : 'pending', attempt, response: result.response, error: result.error, attempts, nextAttemptAt: next, deliveredAt: null });
    this.o.log.info({ deliveryId: d.id, channelId: channel.id, attempt, error: result.error, response: result.response, nextAttemptAt: next }, last ? 'delivery failed for good' : 'delivery failed; will retry');
  }

  private body(d: DeliveryRow, sentAt: number): string {
    const payload = JSON.parse(d.payload) as EventPayload;
    const full = { event: payload.event, delivery_id: d.id, sent_at: sentAt, job: payload.job, ...(payload.findings ? { findings: payload.findings } : {}) };
    let text = JSON.stringify(full);
    if (Buffer.byteLength(text) <= this.o.limits.maxBodyBytes || !payload.findings) return text;
    // too big: keep as many findings as fit and say how many were left out
    const findings = payload.findings;
    let keep = findings.length;
    while (keep > 0) {
      keep = Math.floor(keep / 2);
      text = JSON.stringify({ ...full, findings: findings.slice(0, keep), findings_truncated: findings.length - keep });
      if (Buffer.byteLength(text) <= this.o.limits.maxBodyBytes) return text;
    }
    return text;
  }

  private async sendWebhook(d: DeliveryRow, channel: ChannelRow): Promise<{ ok: boolean; response: string | null; error: string | null }> {
    const { limits } = this.o;
    if (!channel.url || !channel.secret) return { ok: false, response: null, error: 'the channel has no URL or secret' };
    const u = new URL(channel.url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    // resolved once, checked, and that very address connected to: a name that re-resolves
    // elsewhere between the check and the connection (DNS rebinding) cannot move the request
    const addresses = isIP(host) ? [host] : await (this.o.resolver ?? systemResolver)(host);
    const refusal = await webhookRefusal(channel.url, limits.allowPrivate, async () => addresses);
    if (refusal) return { ok: false, response: null, error: refusal };
    const pinned = addresses[0] as string;
    const lookup: LookupFunction = (_name, opts, cb) => {
      if (opts.all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: pinned, family: isIP(pinned) }]);
      else cb(null, pinned, isIP(pinned));
    };
    const sentAt = this.o.clock.now();
    const body = this.body(d, sentAt);
    const timestamp = String(sentAt);
    const agent = new Agent({ connect: { lookup, timeout: limits.timeoutMs }, headersTimeout: limits.timeoutMs, bodyTimeout: limits.timeoutMs });
    try {
      const res = await request(channel.url, {
        method: 'POST',
        dispatcher: agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'wsc-webhook/1',
          'x-wsc-event': d.event,
          'x-wsc-delivery': String(d.id),
          'x-wsc-timestamp': timestamp,
          'x-wsc-signature': webhookSignature(channel.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(limits.timeoutMs),
      });
      // read a little of the answer for the log, never all of it
      let kept = '';
      for await (const chunk of res.body) {
        if (kept.length < RESPONSE_KEEP) kept += (chunk as Buffer).toString('utf8');
        else break;
      }
      res.body.destroy();
      const response = `HTTP ${res.statusCode}${kept.trim() ? ' ' + kept.trim().replace(/\s+/g, ' ').slice(0, RESPONSE_KEEP) : ''}`;
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return { ok, response, error: ok ? null : `the receiver answered HTTP ${res.statusCode}` };
    } finally {
      await agent.close().catch((err: unknown) => this.o.log.debug({ err }, 'webhook agent close failed'));
    }
  }

  private async smtp(): Promise<SmtpSettings | null> {
    const raw = await this.o.store.notify.getSetting(SMTP_SETTING);
    if (raw !== undefined) return JSON.parse(raw) as SmtpSettings;
    if (this.o.limits.smtpUrl && this.o.limits.smtpFrom) return { url: this.o.limits.smtpUrl, from: this.o.limits.smtpFrom };
    return null;
  }

  private async sendEmail(d: DeliveryRow, channel: ChannelRow): Promise<{ ok: boolean; response: string | null; error: string | null }> {
    const settings = await this.smtp();
    if (!settings) return { ok: false, response: null, error: 'SMTP is not configured (WSC_SMTP_URL and WSC_SMTP_FROM, or PUT /api/v1/settings/smtp)' };
    const u = new URL(settings.url);
    const t = this.o.limits.timeoutMs;
    const transport = nodemailer.createTransport({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : u.protocol === 'smtps:' ? 465 : 587,
      secure: u.protocol === 'smtps:',
      ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
      connectionTimeout: t,
      greetingTimeout: t,
      socketTimeout: t,
    });
    try {
      const payload = JSON.parse(d.payload) as EventPayload;
      const mail = emailContent(payload, d.id);
      const info = (await transport.sendMail({ from: settings.from, to: channel.to, subject: mail.subject, text: mail.text, html: mail.html })) as { response?: string };
      return { ok: true, response: info.response ?? 'sent', error: null };
    } catch (err) {
      const e = err as { response?: string; message?: string };
      return { ok: false, response: e.response ?? null, error: e.message ?? String(err) };
    } finally {
      transport.close();
    }
  }

  private summary(job: JobRow, findings: readonly Finding[]): JobSummary {
    const count = (s: string) => findings.filter((f) => f.severity === s).length;
    const base = this.o.baseUrl?.() ?? null;
    return {
      instance_id: String(job.id),
      url: job.startUrl,
      memo: job.memo,
      status_code: job.status,
      status: STATUS_TEXT[job.status],
      scan_cnt: findings.length,
      high_cnt: count('high'),
      medium_cnt: count('medium'),
      low_cnt: count('low'),
      report_url: base && job.status === STATUS.DIAG_DONE ? `${base}/api/v1/jobs/${job.id}/report` : null,
    };
  }
}

function findingBrief(f: Finding): Record<string, unknown> {
  return { item: f.item, title: f.title, severity: f.severity, url: f.url, method: f.method, parameter: f.parameter, cwe: f.cwe };
}

/** One line, no control characters: a subject carries target-controlled text (URL, memo). */
function oneLine(s: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, max);
}

/** Subject, plain text and HTML of an event's e-mail; every target-controlled string is escaped in the HTML. */
export function emailContent(p: EventPayload, deliveryId: number): { subject: string; text: string; html: string } {
  if (p.event === 'test' || p.job === null) {
    const text = `This is a test notification from wsc (delivery ${deliveryId}). The channel works.`;
    return { subject: '[wsc] test notification', text, html: `<p>${escapeHtml(text)}</p>` };
  }
  const j = p.job;
  const what = p.event === 'job.completed' ? 'completed' : p.event === 'job.failed' ? 'failed' : `has ${p.findings?.length ?? 0} high-severity finding(s)`;
  const subject = oneLine(`[wsc] job ${j.instance_id} ${what}: ${j.url}`);
  const lines = [
    `Job ${j.instance_id} ${what}.`,
    `Target: ${j.url}`,
    ...(j.memo ? [`Memo: ${j.memo}`] : []),
    `Status: ${j.status} (${j.status_code})`,
    `Findings: ${j.scan_cnt} (high ${j.high_cnt}, medium ${j.medium_cnt}, low ${j.low_cnt})`,
    ...(j.report_url ? [`Report: ${j.report_url}`] : []),
  ];
  const findings = (p.findings ?? []).map((f) => `- ${String(f.title)}: ${String(f.method)} ${String(f.url)}${f.parameter ? ` (${String(f.parameter)})` : ''}`);
  const text = [...lines, ...(findings.length ? ['', 'High-severity findings:', ...findings] : [])].join('\n') + '\n';
  const html =
    '<!doctype html><html><body>' +
    lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('') +
    (findings.length ? `<p>High-severity findings:</p><ul>${findings.map((f) => `<li>${escapeHtml(f.slice(2))}</li>`).join('')}</ul>` : '') +
    '</body></html>';
  return { subject, text, html };
}
