// The request schemas that validate (zod) and that the OpenAPI document is generated from.
// Field order matters: the first field that fails is the one named in "Param Value Not Define".
import { z } from 'zod';
import { ALL_ITEMS_WORD, EXTENDED_WORD, EXTENSION_ITEMS, USER_AGENTS, VULN_ITEMS, resolveVulnItems } from '../core/items.js';
import { ALL_STATUSES } from '../core/status.js';

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Framing and hop-by-hop headers are the engine's business; letting a job set them would break requests.
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer', 'keep-alive', 'expect']);

const httpUrl = z
  .string()
  .min(1)
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL');

export const limitsSchema = z
  .object({
    maxUrls: z.number().int().min(1).max(1_000_000),
    maxDepth: z.number().int().min(0).max(100),
    maxDurationMs: z.number().int().min(1000).max(7 * 24 * 3600 * 1000),
    requestTimeoutMs: z.number().int().min(100).max(300_000),
    maxResponseBytes: z.number().int().min(1024).max(64 * 1024 * 1024),
    maxRedirects: z.number().int().min(0).max(50),
    maxRequests: z.number().int().min(1).max(10_000_000),
    maxVariantsPerPattern: z.number().int().min(1).max(10_000),
    maxErrorRate: z.number().int().min(1).max(100),
    maxConsecutiveFailures: z.number().int().min(1).max(100_000),
    targetDownAfterMs: z.number().int().min(100).max(3600 * 1000),
    maxBrowserPages: z.number().int().min(1).max(100_000),
    browserPageTimeoutMs: z.number().int().min(1000).max(300_000),
    maxBrowserActions: z.number().int().min(0).max(1000),
  })
  .partial()
  .describe('wsc extension: per-job engine limits; omitted fields use the documented defaults');

const regexSource = z
  .string()
  .min(1)
  .max(1000)
  .refine((r) => {
    try {
      new RegExp(r, 'i');
      return true;
    } catch {
      return false;
    }
  }, 'must be a valid regular expression');
const secret = z.string().min(1).max(4096).refine((v) => !/[\r\n\0]/.test(v), 'must be a single line');
const fieldName = z.string().min(1).max(256);
const sessionUpkeep = {
  loggedInRegex: regexSource.optional(),
  loggedOutRegex: regexSource.optional(),
  verifyUrl: httpUrl.optional(),
  logoutUrls: z.array(z.string().min(1).max(2048)).max(100).optional(),
  verifyEvery: z.number().int().min(1).max(100_000).optional(),
  maxRelogins: z.number().int().min(0).max(10_000).optional(),
};
const headerRecord = z
  .record(z.string(), z.string().max(8192))
  .refine((h) => Object.keys(h).length <= 100, 'at most 100 entries')
  .refine((h) => Object.entries(h).every(([k, v]) => HEADER_NAME.test(k) && !FORBIDDEN_HEADERS.has(k.toLowerCase()) && !/[\r\n\0]/.test(v)), 'names must be tokens, values single-line, and framing headers are not allowed');

/** wsc extension `Auth`: how the scan logs in (see README, "Authenticated scans"). */
export const authSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('form'),
        loginUrl: httpUrl,
        username: z.string().min(1).max(1024),
        password: secret,
        usernameField: fieldName.optional(),
        passwordField: fieldName.optional(),
        extraFields: z.record(fieldName, z.string().max(4096)).refine((f) => Object.keys(f).length <= 50, 'at most 50 fields').optional(),
        ...sessionUpkeep,
      })
      .strict(),
    z
      .object({
        type: z.literal('token'),
        tokenUrl: httpUrl,
        grant: z.enum(['client_credentials', 'password', 'json']),
        clientId: z.string().min(1).max(1024).optional(),
        clientSecret: secret.optional(),
        username: z.string().min(1).max(1024).optional(),
        password: secret.optional(),
        scope: z.string().max(1024).optional(),
        body: z.record(z.string(), z.unknown()).refine((b) => JSON.stringify(b).length <= 16_384, 'at most 16 KiB').optional(),
        tokenPath: z.string().min(1).max(256).optional(),
        expiresPath: z.string().min(1).max(256).optional(),
        header: z.string().regex(HEADER_NAME).refine((h) => !FORBIDDEN_HEADERS.has(h.toLowerCase()), 'not a framing header').optional(),
        prefix: z.string().max(64).refine((p) => !/[\r\n\0]/.test(p), 'must be a single line').optional(),
        refreshBeforeSeconds: z.number().int().min(0).max(86_400).optional(),
        ...sessionUpkeep,
      })
      .strict()
      .refine((a) => a.grant !== 'client_credentials' || a.clientId !== undefined, { message: 'client_credentials needs clientId', path: ['clientId'] })
      .refine((a) => a.grant !== 'password' || (a.username !== undefined && a.password !== undefined), { message: 'the password grant needs username and password', path: ['username'] }),
    z
      .object({
        type: z.literal('script'),
        steps: z
          .array(
            z.union([
              z.object({ goto: httpUrl }).strict(),
              z.object({ fill: z.string().min(1).max(1000), value: z.string().max(4096) }).strict(),
              z.object({ click: z.string().min(1).max(1000) }).strict(),
              z.object({ press: z.string().min(1).max(1000), key: z.string().min(1).max(64) }).strict(),
              z.object({ waitFor: z.string().min(1).max(1000) }).strict(),
              z.object({ waitForUrl: regexSource }).strict(),
            ]),
          )
          .min(1)
          .max(50)
          .refine((s) => 'goto' in (s[0] ?? {}), 'the first step must be a goto'),
        username: z.string().min(1).max(1024).optional(),
        password: secret.optional(),
        stepTimeoutMs: z.number().int().min(100).max(120_000).optional(),
        ...sessionUpkeep,
      })
      .strict(),
    z
      .object({
        type: z.literal('headers'),
        headers: headerRecord.optional(),
        cookies: z.record(z.string().regex(HEADER_NAME), z.string().max(4096).refine((v) => !/[;\r\n\0]/.test(v), 'no ; or line breaks')).refine((c) => Object.keys(c).length <= 100, 'at most 100 cookies').optional(),
        logoutUrls: z.array(z.string().min(1).max(2048)).max(100).optional(),
      })
      .strict(),
  ])
  .describe('wsc extension: how the scan logs in (form, token endpoint, or static headers and cookies); secrets are sealed at rest and never reported');
export type AuthBody = z.infer<typeof authSchema>;

/** wsc extension `Seeds`: targets beyond the StartUrl (their size is bounded by the body limit). */
export const seedsSchema = z
  .object({
    openapi: z.array(z.string().min(1)).max(20).optional().describe('OpenAPI 3.x / Swagger 2.0 documents (JSON or YAML text), or http(s) URLs of them on the target'),
    har: z.array(z.string().min(1)).max(20).optional().describe('HAR files (text)'),
    urls: z.array(z.string().min(1).max(2048)).max(10_000).optional().describe('URLs, absolute or relative to the StartUrl'),
  })
  .strict()
  .describe('wsc extension: API descriptions, recorded sessions and URL lists whose requests become attack targets; scope applies');

const pem = (what: string) =>
  z
    .string()
    .max(256 * 1024)
    .regex(/-----BEGIN [A-Z0-9 ]+-----/, `must be PEM (${what})`);

/** ReservedAt: ISO-8601 with an offset (or Z), or epoch milliseconds. */
export const reservedAtSchema = z.union([
  z.number().int().min(0).max(8.64e15),
  z
    .string()
    .max(64)
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/, 'ISO-8601 with an offset, e.g. 2026-12-03T15:00:00+09:00')
    .refine((s) => !Number.isNaN(Date.parse(s)), 'not a real date'),
]);

export const createJobSchema = z.object({
  StartUrl: httpUrl.describe('Diagnostic target URL; its host must be an asset of the account'),
  ExcludeUrl: z.array(z.string().min(1).max(2048)).max(500).optional().describe('URL prefixes (with * wildcards) to exclude'),
  Headers: z
    .record(z.string(), z.string().max(8192))
    .optional()
    .refine((h) => h === undefined || Object.keys(h).length <= 100, 'at most 100 headers')
    .refine(
      (h) =>
        h === undefined ||
        Object.entries(h).every(([k, v]) => HEADER_NAME.test(k) && !FORBIDDEN_HEADERS.has(k.toLowerCase()) && !/[\r\n\0]/.test(v)),
      'header names must be tokens, values single-line, and framing headers are not allowed',
    )
    .describe('HTTP headers sent on every request (authentication); never shown in reports'),
  VulnItems: z
    .array(z.string())
    .refine((w) => resolveVulnItems(w) !== null, `known words, or ["${ALL_ITEMS_WORD}"] alone`)
    .describe(
      `Diagnostic items: ["ALL"] or any of ${VULN_ITEMS.join(', ')}. wsc extension: "${EXTENDED_WORD}" adds every extension item, and each may be named (${EXTENSION_ITEMS.join(', ')}); these combine with any list, ALL included`,
    ),
  UserAgent: z.enum(Object.keys(USER_AGENTS) as [keyof typeof USER_AGENTS, ...(keyof typeof USER_AGENTS)[]]),
  Speed: z.enum(['1', '2', '3']).describe('"1" normal, "2" a bit faster, "3" fast'),
  Memo: z.string().max(1000).nullable().optional(),
  MasterInstanceNo: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional()
    .describe('instanceNo of a completed job to re-diagnose (a string); other fields then default to the master'),
  Limits: limitsSchema.optional(),
  Auth: authSchema.optional(),
  Seeds: seedsSchema.optional(),
  Proxy: z
    .string()
    .max(2048)
    .refine((s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
      } catch {
        return false;
      }
    }, 'must be an http:// or https:// proxy URL')
    .optional()
    .describe('wsc extension: a proxy every request of the job goes through (credentials in it are sealed at rest)'),
  Tls: z
    .object({ caCert: pem('CA certificates').optional(), clientCert: pem('a certificate').optional(), clientKey: pem('a private key').optional() })
    .strict()
    .refine((t) => (t.clientCert === undefined) === (t.clientKey === undefined), 'clientCert and clientKey go together')
    .optional()
    .describe('wsc extension: a private CA the TLS check trusts, and a client certificate for mTLS (the key is sealed at rest)'),
  Crawl: z
    .enum(['browser', 'html', 'auto'])
    .optional()
    .describe('wsc extension: "html" the HTML crawler only, "browser" also headless Chromium, "auto" (default) Chromium when it is there and the site needs it'),
  ReservedAt: reservedAtSchema
    .optional()
    .describe('wsc extension: start the job at this time (ISO-8601 with offset, or epoch ms; future, within a year); status 12 until then'),
});
export type CreateJobBody = z.infer<typeof createJobSchema>;

// Numbers may arrive as JSON numbers or numeric strings (the seeds show both); anything else is refused.
const intLike = (min: number, max: number) =>
  z
    .union([z.number(), z.string().regex(/^\d{1,9}$/)])
    .transform((v) => Number(v))
    .pipe(z.number().int().min(min).max(max));

export const MAX_PAGE_LIMIT = 1000;

export const getJobsQuerySchema = z.object({
  limit: intLike(1, MAX_PAGE_LIMIT).describe('Records per page'),
  page: intLike(1, 1_000_000).describe('Page number, from 1'),
});

export const searchJobsSchema = z.object({
  searchType: z.enum(['url', 'memo', '']).describe('url | memo | "" (both)'),
  searchKeyword: z.string().max(2048).describe('Case-insensitive substring; "" matches all'),
  statusCode: z
    .number()
    .int()
    .refine((n) => (ALL_STATUSES as readonly number[]).includes(n), 'one of 2, 3, 4, 5, 12, 13, 14, 15, 91, 92, 93')
    .nullable()
    .optional()
    .describe('null for all, or one status code'),
  limit: intLike(1, MAX_PAGE_LIMIT),
  page: intLike(1, 1_000_000),
});
export type SearchJobsBody = z.infer<typeof searchJobsSchema>;

export const instanceIdSchema = z.string().regex(/^\d{1,18}$/);

export const assetUrlSchema = z.object({ url: httpUrl });
/** method "file" (default): the token file on the URL's origin; "dns": a TXT record for its host. */
export const assetCheckSchema = z.object({ url: httpUrl, method: z.enum(['file', 'dns']).optional() });

const recordSchema = z.object({
  instanceNo: z.string(),
  start_date: z.string().nullable(),
  end_date: z.string().nullable(),
  status: z.string(),
  progress: z.number().int().nullable(),
  start_url: z.string(),
  crawl_cnt: z.string().nullable(),
  scan_cnt: z.string().nullable(),
  memo: z.string().nullable(),
  result_button: z.enum(['report', 'cancel', 'terminate', 'expired', 'cause']).nullable(),
  result_desc: z.string().nullable(),
  rescan_button: z.enum(['possible', 'expired']).nullable(),
  slave_data: z.array(z.record(z.string(), z.unknown())).nullable(),
});

const pageNumber = z.union([z.number(), z.string()]);
export const jobListSchema = z.object({
  total_cnt: z.number(),
  total_page_cnt: pageNumber,
  current_start_page: pageNumber,
  current_end_page: pageNumber,
  record_data: z.array(recordSchema).nullable(),
});

export const envelopeSchema = (resources: z.ZodType) =>
  z.object({
    returnCode: z.literal('0'),
    returnDesc: z.literal('Request Success'),
    returnMessage: z.literal('Success'),
    resources,
  });

export const errorSchema = z.object({
  error: z.object({
    errorCode: z.union([z.number(), z.string()]),
    message: z.string(),
    details: z.string().optional(),
  }),
});

/** Name of the first field that failed, for "Param Value Not Define - <Field>". */
export function firstBadField(error: z.ZodError, fallback: string): string {
  const first = error.issues[0];
  const key = first?.path[0];
  return typeof key === 'string' ? key : fallback;
}

// wsc extensions: reservations, schedules, notifications, admin.

/** A schedule's Job: createJob's body without ReservedAt (a schedule says when) nor MasterInstanceNo. */
export const scheduleJobSchema = createJobSchema.omit({ MasterInstanceNo: true, ReservedAt: true }).strict();

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 00:00 to 23:59');

export const scheduleInSchema = z
  .object({
    Name: z.string().trim().min(1).max(100),
    Cron: z.string().min(1).max(200).optional(),
    Every: z.enum(['daily', 'weekly', 'monthly']).optional(),
    At: hhmm.optional(),
    Weekday: z.number().int().min(0).max(6).optional(),
    MonthDay: z.number().int().min(1).max(28).optional(),
    TimeZone: z.string().min(1).max(100).optional(),
    MaxRuns: z.number().int().min(1).max(1_000_000).nullable().optional(),
    SkipIfRunning: z.boolean().optional(),
    Enabled: z.boolean().optional(),
    Job: scheduleJobSchema,
  })
  .strict();
export type ScheduleIn = z.infer<typeof scheduleInSchema>;
/** PATCH: every field optional; Cron/Every given replace the timing as a whole. */
export const schedulePatchSchema = scheduleInSchema.partial().strict();

export const channelInSchema = z
  .object({
    Kind: z.enum(['webhook', 'email']),
    Name: z.string().trim().max(100).optional(),
    Url: z.string().min(1).max(2048).optional(),
    Secret: z.string().min(16).max(256).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional(),
    To: z.array(z.string().max(254).regex(/^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/, 'an e-mail address')).min(1).max(20).optional(),
    Events: z.array(z.enum(['job.completed', 'job.failed', 'finding.high'])).min(1).max(3).optional(),
    Enabled: z.boolean().optional(),
  })
  .strict();
export type ChannelIn = z.infer<typeof channelInSchema>;
export const channelPatchSchema = channelInSchema.omit({ Kind: true }).partial().strict();

export const keyCreateSchema = z.object({ Account: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, '1-64 letters, digits, ".", "_", "@" or "-"') }).strict();

export const smtpSettingsSchema = z
  .object({
    Url: z
      .string()
      .max(2048)
      .refine((s) => {
        try {
          const u = new URL(s);
          return (u.protocol === 'smtp:' || u.protocol === 'smtps:') && u.hostname !== '';
        } catch {
          return false;
        }
      }, 'smtp://[user:pass@]host:port or smtps://...'),
    From: z.string().min(3).max(254).regex(/^[^\r\n]+$/, 'a single line'),
  })
  .strict();

/** The path of the first failing field, nested with dots (Job.StartUrl); unknown keys are named too. */
export function badFieldPath(error: z.ZodError, fallback: string): string {
  const first = error.issues[0];
  if (!first) return fallback;
  const path = first.path.filter((p) => typeof p === 'string' || typeof p === 'number').map(String);
  if (first.code === 'unrecognized_keys') path.push(...first.keys.slice(0, 1));
  return path.length > 0 ? path.join('.') : fallback;
}

/** The first failure's message, to tell the client what the field must be. */
export function badFieldMessage(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return 'invalid';
  return first.code === 'unrecognized_keys' ? 'unknown field' : first.message;
}
