// File Upload: on multipart forms with a file field, uploads probe files named wsc-probe-<random>
// (server-executable and active-content types, double extensions, spoofed content types), finds
// where each was stored (the upload answer's links, a redirect's page, predictable folders) and
// fetches it. Proof is evaluated output with the source gone (execution), or our markup served
// intact, inline, as a document type that runs script (active content). No other writes.
import { randomBytes, randomInt } from 'node:crypto';
import { Parser } from 'htmlparser2';
import type { CrawledRequest, FormField, HttpExchange, HttpResponseData } from '../core/model.js';
import { ACTIVE_TYPES, STORAGE_DIRS, VARIANTS, type ProbeVariant } from './definitions/file-upload.js';
import { headerValue, renderRequest, renderResponse, renderResponseHead, trySend } from './support.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';

export const meta: CheckMeta = {
  id: 'file-upload',
  item: 'File Upload',
  title: 'Unrestricted file upload: uploaded code is executed',
  severity: 'high',
  confidence: 'certain',
  cwe: 434,
  references: ['https://cwe.mitre.org/data/definitions/434.html', 'https://cheatsheetseries.owasp.org/cheatsheets/File_Upload_Cheat_Sheet.html'],
  remediation:
    'Store uploads outside the web root under a server-generated name, allowlist extensions and check content, never let the web server execute the upload folder, and serve files through a handler with a fixed safe Content-Type, "X-Content-Type-Options: nosniff" and "Content-Disposition: attachment".',
  requestBudget: 60,
};

const MAX_FILE_FIELDS = 2;
// Predictable folders are tried for the first few probes only: a site that stores none of them
// there will not start doing so for the next extension.
const PREDICTABLE_TRIES = 3;

interface Located {
  url: string;
  fetch: HttpExchange;
}

interface Proof {
  variant: ProbeVariant;
  probeName: string;
  upload: HttpExchange;
  stored: Located;
  text: string;
}

function dirOf(url: string): string {
  const u = new URL(url);
  return u.origin + u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1);
}

/** URLs in a page (attributes and plain text) that name the probe file. */
function linksTo(res: HttpResponseData, name: string, base: string): string[] {
  const out = new Set<string>();
  const add = (raw: string): void => {
    try {
      const u = new URL(raw.trim(), base);
      if ((u.protocol === 'http:' || u.protocol === 'https:') && decodeURIComponent(u.pathname).endsWith(name)) out.add(u.href.split('#')[0] as string);
    } catch {
      // not a URL: nothing to fetch
    }
  };
  const location = headerValue(res, 'location');
  if (location?.includes(name)) add(location);
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const m of res.body.matchAll(new RegExp(`[^\\s"'<>()=]*${escaped}`, 'g'))) add(m[0]);
  return [...out].slice(0, 3);
}

/** Our active markup is there as elements (an id'd element and a script carrying the marker). */
function markupIntact(body: string, marker: string): boolean {
  let element = false;
  let script = false;
  let inScript = false;
  const parser = new Parser({
    onopentag(name, attrs) {
      if (attrs.id === marker) element = true;
      if (name === 'script') inScript = true;
    },
    ontext(text) {
      if (inScript && text.includes(marker)) script = true;
    },
    onclosetag(name) {
      if (name === 'script') inScript = false;
    },
  });
  parser.write(body);
  parser.end();
  return element && script;
}

/** Proof text when the fetched stored probe shows execution or active content; null otherwise. */
export function judgeStoredFile(variant: ProbeVariant, res: HttpResponseData, a: number, b: number, marker: string, source: string): string | null {
  if (res.status !== 200) return null;
  if (variant.kind === 'execution') {
    const product = String(a * b);
    const expr = `${a}*${b}`;
    if (!res.body.includes(product) || res.body.includes(expr)) return null;
    return `${product}\nThe stored file printed ${product}, the value of ${expr}; its source text "${source.trim().split('\n').pop() ?? ''}" is gone: the server executed the upload.`;
  }
  const type = headerValue(res, 'content-type');
  const disposition = headerValue(res, 'content-disposition') ?? '';
  const csp = headerValue(res, 'content-security-policy') ?? '';
  const nosniff = /nosniff/i.test(headerValue(res, 'x-content-type-options') ?? '');
  const activeType = type === undefined ? !nosniff : ACTIVE_TYPES.test(type);
  if (!activeType || /^\s*attachment/i.test(disposition) || /\bsandbox\b/i.test(csp)) return null;
  if (!markupIntact(res.body, marker)) return null;
  return `id="${marker}"\nThe uploaded ${variant.label} is served inline as ${type ?? 'an unlabelled document (browsers sniff it as HTML)'} with its script element intact: a browser opening it runs attacker script on this origin.`;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const targets = ctx.requests.filter((r) => r.bodyKind === 'multipart' && (r.fields ?? []).some((f) => f.filename !== undefined));
  let done = 0;
  for (const req of targets) {
    ctx.progress?.(done++, targets.length);
    const fields = req.fields ?? [];
    const fileFields = fields.map((f, i) => [f, i] as const).filter(([f]) => f.filename !== undefined).slice(0, MAX_FILE_FIELDS);
    for (const [field, index] of fileFields) {
      if (ctx.signal.aborted) return;
      const found = await probeField(ctx, req, fields, field, index);
      if (!found) continue;
      const { proof, probeFiles, unlocated } = found;
      const exec = proof.variant.kind === 'execution';
      yield {
        url: req.url,
        method: req.method.toUpperCase(),
        parameter: field.name,
        location: 'multipart',
        payload: `${proof.probeName} (${proof.variant.contentType})`,
        ...(exec ? {} : { title: 'Unrestricted file upload: active content served inline', severity: 'medium' as const, confidence: 'firm' as const }),
        evidence: {
          request: renderRequest(proof.upload.request),
          response: renderResponse(proof.stored.fetch.response),
          proof: `${proof.text}\nUploaded as ${proof.variant.label} (upload answered ${proof.upload.response.status}); fetched from ${proof.stored.url}.`,
        },
        extra: {
          probeFiles,
          ...(unlocated.length > 0 ? { unlocatedProbeFiles: unlocated } : {}),
          storedUrl: proof.stored.url,
          kind: proof.variant.kind,
          uploadResponse: renderResponseHead(proof.upload.response),
        },
      };
    }
  }
  ctx.progress?.(targets.length, targets.length);
}

/** Uploads the probes through one file field until one proves the issue; every probe is listed. */
async function probeField(
  ctx: CheckContext,
  req: CrawledRequest,
  fields: FormField[],
  field: FormField,
  index: number,
): Promise<{ proof: Proof; probeFiles: string[]; unlocated: string[] } | null> {
  const probeFiles: string[] = [];
  const unlocated: string[] = [];
  const predictable = [...new Set([...STORAGE_DIRS.slice(0, 2).map((d) => `${new URL(req.url).origin}/${d}`), `${dirOf(req.url)}uploads/`, dirOf(req.url), ...(req.referer ? [`${dirOf(req.referer)}uploads/`] : [])])];
  let learned: string | null = null;
  let tries = 0;
  for (const variant of VARIANTS) {
    if (ctx.signal.aborted) return null;
    const id = randomBytes(6).toString('hex');
    const probeName = `wsc-probe-${id}${variant.suffix}`;
    const marker = `wsc-probe-${id}`;
    const a = randomInt(1000, 9999);
    const b = randomInt(1000, 9999);
    const content = variant.content(a, b, marker);
    const next = fields.map((f, i) => (i === index ? { ...f, filename: probeName, contentType: variant.contentType, value: content } : f.filename === undefined && f.value === '' ? { ...f, value: 'wsc' } : f));
    const upload = await trySend(ctx, ctx.toSpec({ ...req, fields: next }));
    if (!upload) continue;
    unlocated.push(probeName);
    // a refusal stores nothing, so there is nothing to look for
    if (upload.response.status >= 400) continue;
    const base = upload.response.url || upload.request.url;
    const candidates = linksTo(upload.response, probeName, base);
    const location = headerValue(upload.response, 'location');
    if (candidates.length === 0 && location !== undefined && upload.response.status >= 300 && upload.response.status < 400) {
      const page = await trySend(ctx, { method: 'GET', url: new URL(location, base).href });
      if (page) candidates.push(...linksTo(page.response, probeName, page.response.url || page.request.url));
    }
    if (learned) candidates.push(learned + probeName);
    else if (candidates.length === 0 && tries++ < PREDICTABLE_TRIES) candidates.push(...predictable.map((d) => d + probeName));
    for (const url of [...new Set(candidates)]) {
      if (ctx.signal.aborted) return null;
      const fetch = await trySend(ctx, { method: 'GET', url });
      if (!fetch || fetch.response.status !== 200 || ctx.soft404.isNotFound(url, fetch.response)) continue;
      const body = fetch.response.body;
      if (!body.includes(marker) && !body.includes(String(a * b)) && !body.includes(`${a}*${b}`)) continue;
      unlocated.splice(unlocated.indexOf(probeName), 1);
      probeFiles.push(url);
      learned = url.slice(0, url.length - probeName.length);
      const text = judgeStoredFile(variant, fetch.response, a, b, marker, content);
      if (text) return { proof: { variant, probeName, upload, stored: { url, fetch }, text }, probeFiles, unlocated };
      break;
    }
  }
  if (probeFiles.length > 0 || unlocated.length > 0) ctx.log('upload probes left without proof', { url: req.url, field: field.name, probeFiles, unlocated });
  return null;
}

export const fileUpload: Check = { meta, run };
