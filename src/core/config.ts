// Environment configuration, read once and validated, with the documented defaults.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Config {
  dataDir: string;
  /** postgres://... to use PostgreSQL; otherwise SQLite at <dataDir>/wsc.db. */
  databaseUrl: string | null;
  host: string;
  port: number;
  /** IANA zone for start_date/end_date, e.g. Asia/Seoul. */
  timeZone: string;
  maxConcurrentJobs: number;
  /** Signed requests per second allowed per access key (0 = unlimited). */
  rateLimitPerKey: number;
  rateLimitBurst: number;
  /** API requests per second per client address, before authentication (0 = unlimited). */
  rateLimitPerAddress: number;
  rateLimitAddressBurst: number;
  /** Ownership checks (POST /assets/verify/check) per minute per account (0 = unlimited). */
  verifyChecksPerMinute: number;
  /** WSC_REPLAY_GUARD=1: each signature is accepted once within the timestamp window. */
  replayGuard: boolean;
  /** Request body limit for the API, bytes. */
  bodyLimit: number;
  /** Signature timestamp window, ms. */
  clockSkewMs: number;
  rescanMax: number;
  rescanDays: number;
  reportDays: number;
  /** Public base URL of the OAST listener, when deployed behind a public name. */
  oastUrl: string | null;
  /** Where the OAST listener binds, host:port (port 0 = any free port). */
  oastListen: { host: string; port: number };
  templatesDir: string | null;
  logLevel: string;
  /** Job event streams (GET /jobs/{id}/events): store poll interval, open streams per account (0 = no cap), lifetime (0 = none). */
  eventsPollMs: number;
  eventsMaxStreams: number;
  eventsMaxMs: number;
  /** Schedules, reservations and notification deliveries are looked at this often, ms. */
  schedulerTickMs: number;
  /** SMTP for e-mail notifications (smtp://user:pass@host:port or smtps://); the admin API may override it. */
  smtpUrl: string | null;
  smtpFrom: string | null;
  /** WSC_WEBHOOK_ALLOW_PRIVATE=1: webhooks may go to loopback and private addresses (never link-local/metadata). */
  webhookAllowPrivate: boolean;
  /** Attempts per notification delivery before it is marked failed. */
  notifyAttempts: number;
  /** First retry delay; each further retry doubles it, ms. */
  notifyBackoffMs: number;
  /** One webhook or SMTP attempt may take this long, ms. */
  notifyTimeoutMs: number;
  /** Largest webhook body sent (findings are cut to fit), bytes. */
  notifyMaxBodyBytes: number;
  /** Deliveries sent at once by one process. */
  notifyConcurrency: number;
  /** Schedules and notification channels an account may have. */
  maxSchedules: number;
  maxChannels: number;
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m?.[1] || port > 65535) throw new Error(`WSC_OAST_LISTEN must be host:port, got "${value}"`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.WSC_DATA_DIR ?? join(homedir(), '.wsc'));
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const timeZone = env.WSC_TIMEZONE || Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new Error(`WSC_TIMEZONE "${timeZone}" is not a known IANA time zone`);
  }
  if (env.WSC_SMTP_URL && !/^smtps?:\/\/[^/]/.test(env.WSC_SMTP_URL)) throw new Error('WSC_SMTP_URL must be smtp://[user:pass@]host:port or smtps://...');
  const databaseUrl = env.WSC_DATABASE_URL || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('WSC_DATABASE_URL must start with postgres:// (leave it unset for the embedded SQLite store)');
  }
  return {
    dataDir: defaultDataDir(env),
    databaseUrl,
    host: env.WSC_HOST ?? '127.0.0.1',
    port: int(env, 'WSC_PORT', 8080),
    timeZone,
    maxConcurrentJobs: int(env, 'WSC_MAX_CONCURRENT_JOBS', 2, 1),
    rateLimitPerKey: int(env, 'WSC_RATE_LIMIT', 100),
    rateLimitBurst: int(env, 'WSC_RATE_BURST', 200, 1),
    rateLimitPerAddress: int(env, 'WSC_RATE_LIMIT_ADDRESS', 500),
    rateLimitAddressBurst: int(env, 'WSC_RATE_BURST_ADDRESS', 1000, 1),
    verifyChecksPerMinute: int(env, 'WSC_VERIFY_CHECKS_PER_MINUTE', 10),
    replayGuard: env.WSC_REPLAY_GUARD === '1',
    bodyLimit: int(env, 'WSC_BODY_LIMIT', 1024 * 1024, 1024),
    clockSkewMs: int(env, 'WSC_CLOCK_SKEW_MS', 5 * 60 * 1000),
    rescanMax: int(env, 'WSC_RESCAN_MAX', 2),
    rescanDays: int(env, 'WSC_RESCAN_DAYS', 60),
    reportDays: int(env, 'WSC_REPORT_DAYS', 90),
    oastUrl: env.WSC_OAST_URL || null,
    oastListen: parseListen(env.WSC_OAST_LISTEN ?? '127.0.0.1:0'),
    templatesDir: env.WSC_TEMPLATES_DIR || null,
    logLevel: env.WSC_LOG_LEVEL ?? 'info',
    eventsPollMs: int(env, 'WSC_EVENTS_POLL_MS', 500, 50),
    eventsMaxStreams: int(env, 'WSC_EVENTS_MAX_STREAMS', 10),
    eventsMaxMs: int(env, 'WSC_EVENTS_MAX_MS', 60 * 60 * 1000),
    schedulerTickMs: int(env, 'WSC_SCHEDULER_TICK_MS', 1000, 50),
    smtpUrl: env.WSC_SMTP_URL || null,
    smtpFrom: env.WSC_SMTP_FROM || null,
    webhookAllowPrivate: env.WSC_WEBHOOK_ALLOW_PRIVATE === '1',
    notifyAttempts: int(env, 'WSC_NOTIFY_ATTEMPTS', 6, 1),
    notifyBackoffMs: int(env, 'WSC_NOTIFY_BACKOFF_MS', 30_000, 10),
    notifyTimeoutMs: int(env, 'WSC_NOTIFY_TIMEOUT_MS', 10_000, 100),
    notifyMaxBodyBytes: int(env, 'WSC_NOTIFY_MAX_BODY', 256 * 1024, 1024),
    notifyConcurrency: int(env, 'WSC_NOTIFY_CONCURRENCY', 4, 1),
    maxSchedules: int(env, 'WSC_MAX_SCHEDULES', 100, 1),
    maxChannels: int(env, 'WSC_MAX_CHANNELS', 20, 1),
    ...overrides,
  };
}
