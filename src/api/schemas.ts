// The request schemas that validate (zod) and that the OpenAPI document is generated from.
// Field order matters: the first field that fails is the one named in "Param Value Not Define".
import { z } from 'zod';
import { ALL_ITEMS_WORD, USER_AGENTS, VULN_ITEMS, resolveVulnItems } from '../core/items.js';
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
    maxBrowserPages: z.number().int().min(1).max(100_000),
    browserPageTimeoutMs: z.number().int().min(1000).max(300_000),
    maxBrowserActions: z.number().int().min(0).max(1000),
  })
  .partial()
  .describe('wsc extension: per-job engine limits; omitted fields use the documented defaults');

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
    .describe(`Diagnostic items: ["ALL"] or any of ${VULN_ITEMS.join(', ')}`),
  UserAgent: z.enum(Object.keys(USER_AGENTS) as [keyof typeof USER_AGENTS, ...(keyof typeof USER_AGENTS)[]]),
  Speed: z.enum(['1', '2', '3']).describe('"1" normal, "2" a bit faster, "3" fast'),
  Memo: z.string().max(1000).nullable().optional(),
  MasterInstanceNo: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional()
    .describe('instanceNo of a completed job to re-diagnose (a string); other fields then default to the master'),
  Limits: limitsSchema.optional(),
  Crawl: z
    .enum(['browser', 'html', 'auto'])
    .optional()
    .describe('wsc extension: "html" the HTML crawler only, "browser" also headless Chromium, "auto" (default) Chromium when it is there and the site needs it'),
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
