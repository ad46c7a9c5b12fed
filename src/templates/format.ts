// The known-vulnerability template format (JSON, one template per file), validated with zod.
// A template is requests plus matchers: every path starts with {{root}} (the origin), {{base}} (the
// StartUrl's directory) or {{dir}} (each discovered directory); random values keep echo and
// arithmetic markers unguessable, and `oast` requests embed a probe URL and match on its hit.
import { z } from 'zod';

/** Variables a template may use; anything else in {{...}} is a validation error. */
export const VARIABLES = ['root', 'base', 'dir', 'host', 'r1', 'r2', 'r1*r2', 'r1+r2', 'rstr', 'md5(rstr)', 'oast.url', 'oast.host', 'oast.id'] as const;
export const PATH_PREFIXES = ['{{root}}', '{{base}}', '{{dir}}'] as const;
const OAST_VARS = new Set(['oast.url', 'oast.host', 'oast.id']);

const part = z.enum(['body', 'header', 'all']).default('body');
const negative = z.boolean().default(false);

function validRegex(s: string): boolean {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}
const regexText = z.string().min(1).refine(validRegex, { message: 'is not a valid JavaScript regular expression' });

const statusMatcher = z.strictObject({ type: z.literal('status'), status: z.array(z.number().int().min(100).max(599)).min(1), negative });
const wordMatcher = z.strictObject({
  type: z.literal('word'),
  part,
  words: z.array(z.string().min(1)).min(1),
  condition: z.enum(['and', 'or']).default('or'),
  caseInsensitive: z.boolean().default(false),
  negative,
});
const regexMatcher = z.strictObject({ type: z.literal('regex'), part, regex: z.array(regexText).min(1), condition: z.enum(['and', 'or']).default('or'), negative });
const headerMatcher = z
  .strictObject({ type: z.literal('header'), name: z.string().min(1), words: z.array(z.string().min(1)).optional(), regex: z.array(regexText).optional(), negative })
  .refine((m) => (m.words?.length ?? 0) + (m.regex?.length ?? 0) > 0 || m.negative, { message: 'a header matcher needs words or regex (or negative: true for "header absent")' });
const hashMatcher = z.strictObject({
  type: z.literal('hash'),
  algorithm: z.enum(['md5', 'sha1', 'sha256']),
  hash: z.array(z.string().regex(/^[0-9a-f]+$/, 'must be lower-case hex')).min(1),
  negative,
});
const oastMatcher = z.strictObject({ type: z.literal('oast'), negative });

export const matcherSchema = z.union([statusMatcher, wordMatcher, regexMatcher, headerMatcher, hashMatcher, oastMatcher]);

const extractorSchema = z.strictObject({ type: z.literal('regex'), name: z.string().min(1).optional(), part, regex: regexText, group: z.number().int().min(0).default(0) });

const pathText = z
  .string()
  .refine((p) => PATH_PREFIXES.some((x) => p.startsWith(x)), { message: `must start with ${PATH_PREFIXES.join(', ')}` })
  .refine((p) => /^\{\{(root|base|dir)\}\}(\/|$)/.test(p), { message: 'the prefix must be followed by "/" or end the path' })
  .refine((p) => !/[\s#]/.test(p), { message: 'must not contain spaces or "#" (percent-encode them)' });

export const requestSchema = z
  .strictObject({
    method: z.string().regex(/^[A-Z]+$/, 'must be an upper-case HTTP method').default('GET'),
    paths: z.array(pathText).min(1).max(10),
    headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a header name'), z.string()).default({}),
    body: z.string().optional(),
    followRedirects: z.boolean().default(false),
    /** Keep answers the soft-404 detector calls "not found" (for matchers on headers of any page). */
    notFoundOk: z.boolean().default(false),
    oast: z.boolean().default(false),
    /**
     * Also send this request to each crawled URL whose path matches (query left out): a CGI
     * template then reaches the *.cgi scripts the crawl found, wherever they are.
     */
    crawled: regexText.optional(),
    condition: z.enum(['and', 'or']).default('and'),
    matchers: z.array(matcherSchema).min(1),
    extractors: z.array(extractorSchema).default([]),
  })
  .superRefine((r, ctx) => {
    const hasOastMatcher = r.matchers.some((m) => m.type === 'oast');
    if (r.oast && !hasOastMatcher) ctx.addIssue({ code: 'custom', path: ['matchers'], message: 'an oast request needs an {"type":"oast"} matcher' });
    if (!r.oast && hasOastMatcher) ctx.addIssue({ code: 'custom', path: ['oast'], message: 'an oast matcher needs "oast": true on its request' });
    if (r.matchers.every((m) => m.negative)) ctx.addIssue({ code: 'custom', path: ['matchers'], message: 'at least one matcher must be positive' });
    const texts: [string, (string | number)[]][] = [...r.paths.map((p, i): [string, (string | number)[]] => [p, ['paths', i]]), ...Object.entries(r.headers).map(([k, v]): [string, (string | number)[]] => [v, ['headers', k]])];
    if (r.body !== undefined) texts.push([r.body, ['body']]);
    for (const [text, path] of texts) {
      for (const m of text.matchAll(/\{\{([^}]*)\}\}/g)) {
        const name = m[1] as string;
        if (!(VARIABLES as readonly string[]).includes(name)) ctx.addIssue({ code: 'custom', path, message: `unknown variable {{${name}}}; known: ${VARIABLES.join(', ')}` });
        else if (OAST_VARS.has(name) && !r.oast) ctx.addIssue({ code: 'custom', path, message: `{{${name}}} needs "oast": true on its request` });
      }
    }
  });

export const templateSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,80}$/, 'must be letters, digits, ".", "_" or "-"'),
  name: z.string().min(3).max(200),
  severity: z.enum(['high', 'medium', 'low', 'info']),
  confidence: z.enum(['certain', 'firm', 'tentative']).default('firm'),
  description: z.string().min(10),
  remediation: z.string().min(10).optional(),
  cve: z.array(z.string().regex(/^CVE-\d{4}-\d{4,}$/, 'must look like CVE-2021-41773')).default([]),
  cwe: z.number().int().positive(),
  references: z.array(z.url()).min(1),
  tags: z.array(z.string()).default([]),
  requests: z.array(requestSchema).min(1).max(5),
});

export type Template = z.output<typeof templateSchema>;
export type TemplateRequest = Template['requests'][number];
export type Matcher = TemplateRequest['matchers'][number];
export type Extractor = TemplateRequest['extractors'][number];
