// The scan plan file (wsc scan --plan plan.yaml): one YAML document that describes a whole scan,
// after ZAP's automation plans. Keys are the `wsc scan` flags (kebab-case), so a plan and a command
// line say the same thing the same way. The zod schema validates; schemas/plan.schema.json is
// generated from it (npm run schemas) for editors and other tools.
import { z } from 'zod';
import { ALL_ITEMS_WORD, VULN_ITEMS, USER_AGENTS } from '../core/items.js';

export const PLAN_VERSION = 1;

function validRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}

const httpUrl = z
  .string()
  .regex(/^https?:\/\//i, 'must be an absolute http:// or https:// URL')
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an absolute http:// or https:// URL');

const scopeRule = z.union(
  [
  z.strictObject({ prefix: z.string().min(1).describe('URL prefix: absolute (http://host/path), a path (/admin/), or with * wildcards, as ExcludeUrl entries') }),
  z.strictObject({ regex: z.string().min(1).refine(validRegex, 'is not a valid JavaScript regular expression').describe('regular expression tested against the whole URL') }),
  ],
  { error: 'must be {prefix: ...} or {regex: ...}' },
);

const seconds = z.number().positive();
const count = z.number().int().positive();

export const planSchema = z
  .strictObject({
    version: z.literal(PLAN_VERSION).describe('plan format version'),
    targets: z
      .array(z.union([httpUrl, z.strictObject({ url: httpUrl })], { error: 'must be an absolute http:// or https:// URL (or {url: ...})' }))
      .min(1)
      .max(20)
      .describe('StartUrls, scanned one after the other with the same settings'),
    scope: z
      .strictObject({
        include: z.array(scopeRule).default([]).describe('when given, a URL must match one of these (the target itself included)'),
        exclude: z.array(scopeRule).default([]).describe('URLs matching any of these are never requested'),
      })
      .default({ include: [], exclude: [] }),
    auth: z
      .strictObject({
        headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a header name'), z.string().refine((v) => !/[\r\n]/.test(v), 'must not contain line breaks')).default({}),
      })
      .default({ headers: {} })
      .describe('sent on every request; values may name environment variables as ${NAME} and are never reported'),
    seeds: z.array(z.string().min(1)).max(1000).default([]).describe('more URLs (absolute or relative to the target) the crawl starts from'),
    items: z
      .array(z.enum([ALL_ITEMS_WORD, ...VULN_ITEMS]))
      .min(1)
      .default([ALL_ITEMS_WORD])
      .refine((a) => !a.includes(ALL_ITEMS_WORD) || a.length === 1, 'ALL must stand alone')
      .describe('VulnItems words'),
    speed: z.union([z.enum(['1', '2', '3']), z.literal(1), z.literal(2), z.literal(3)], { error: 'must be 1, 2 or 3' }).default('2'),
    'user-agent': z.enum(Object.keys(USER_AGENTS) as [keyof typeof USER_AGENTS, ...(keyof typeof USER_AGENTS)[]]).default('PC Chrome'),
    limits: z
      .strictObject({
        'max-urls': count.optional(),
        'max-depth': z.number().int().min(0).optional(),
        'max-duration': seconds.optional().describe('whole scan, seconds'),
        timeout: seconds.optional().describe('one request, seconds'),
        'max-requests': count.optional(),
        'max-response-bytes': count.optional(),
        'max-redirects': z.number().int().min(0).optional(),
        'max-variants-per-pattern': count.optional(),
      })
      .default({}),
    templates: z.string().min(1).optional().describe('directory of extra Specific Vulnerability templates (wsc JSON, Nuclei YAML)'),
    outputs: z
      .array(
        z.strictObject({
          format: z.enum(['json', 'sarif', 'html', 'pdf']),
          file: z.string().min(1).describe('path, relative to the plan file; {target} is replaced by the target host_port'),
        }),
      )
      .max(10)
      .default([]),
    'fail-on': z.enum(['high', 'medium', 'low']).optional().describe('exit 1 when a finding of this severity or worse exists'),
    'i-own-this-target': z.boolean().default(false).describe('confirm that targets not on this machine may be scanned'),
  })
  .superRefine((p, ctx) => {
    if (p.targets.length > 1) {
      p.outputs.forEach((o, i) => {
        if (!o.file.includes('{target}')) ctx.addIssue({ code: 'custom', path: ['outputs', i, 'file'], message: 'with several targets, each output file must contain {target}' });
      });
    }
  });

export type Plan = z.output<typeof planSchema>;

/** The published JSON Schema (draft 2020-12), generated from planSchema. */
export function planJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(planSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...s, title: 'wsc scan plan', description: 'wsc scan --plan FILE; validate with wsc plan validate FILE' };
}
