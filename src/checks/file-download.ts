// File Download: download parameters (a handler that answers with Content-Disposition, or a
// parameter named like one) get path traversal values; only the content of a well-known system
// file that the baseline download does not contain proves that the handler reads arbitrary paths.
import type { CrawledRequest, HttpResponseData } from '../core/model.js';
import { DOWNLOAD_PARAM, PAYLOADS, SIGNATURES, looksLikeFileName, type TraversalPayload } from './definitions/file-download.js';
import { headerValue, renderRequest, renderResponse, trySend } from './support.js';
import type { Check, CheckContext, CheckMeta, FindingDraft, InsertionPoint } from './types.js';

export const meta: CheckMeta = {
  id: 'file-download',
  item: 'File Download',
  title: 'Arbitrary file download through path traversal',
  severity: 'high',
  confidence: 'certain',
  cwe: 22,
  references: [
    'https://cwe.mitre.org/data/definitions/22.html',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/05-Authorization_Testing/01-Testing_Directory_Traversal_File_Include',
  ],
  remediation:
    'Never build a file path from a request value. Look the requested document up by an identifier in a server-side table, or take only the base name, check it against an allowlist, resolve the final path and refuse it unless it stays inside the download folder.',
  requestBudget: 28,
};

const MAX_PARAMS_PER_TARGET = 3;
const LOCATIONS = new Set(['query', 'body', 'multipart', 'json']);
// Without a Content-Disposition, only a parameter named for downloading marks a download handler
// (other file parameters that render pages are the LFI check's business).
const STRICT_DOWNLOAD_NAME = /^(?:download|dl|attachment|attach|file_?name|fname|filepath|file_?path)$/i;

function isDownload(res: HttpResponseData): boolean {
  return headerValue(res, 'content-disposition') !== undefined;
}

function isHtml(res: HttpResponseData): boolean {
  return /html/i.test(headerValue(res, 'content-type') ?? '');
}

function candidatePoints(ctx: CheckContext, req: CrawledRequest): InsertionPoint[] {
  return ctx
    .insertionPoints(req)
    .filter((p) => LOCATIONS.has(p.location) && (DOWNLOAD_PARAM.test(p.name.split('.').pop() ?? p.name) || looksLikeFileName(p.value)))
    .slice(0, MAX_PARAMS_PER_TARGET);
}

/** The traversal payloads for one parameter: the fixed list plus one that keeps the value's own folder. */
function payloadsFor(value: string): TraversalPayload[] {
  const slash = Math.max(value.lastIndexOf('/'), value.lastIndexOf('\\'));
  const out = [...PAYLOADS];
  if (slash > 0) out.splice(1, 0, { name: 'traversal after the expected folder', value: `${value.slice(0, slash + 1)}${'../'.repeat(8)}etc/passwd`, target: 'passwd' });
  return out;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const targets = ctx.requests.filter((r) => candidatePoints(ctx, r).length > 0);
  const crawled = new Map<string, HttpResponseData>();
  for (const p of ctx.pages) if (p.request.method.toUpperCase() === 'GET') crawled.set(p.request.url, p.response);
  let done = 0;
  for (const req of targets) {
    ctx.progress?.(done++, targets.length);
    for (const point of candidatePoints(ctx, req)) {
      if (ctx.signal.aborted) return;
      let baseline = req.method.toUpperCase() === 'GET' ? crawled.get(req.url) : undefined;
      if (!baseline) {
        const ex = await trySend(ctx, point.build(point.value));
        if (!ex) continue;
        baseline = ex.response;
      }
      if (!isDownload(baseline) && !(STRICT_DOWNLOAD_NAME.test(point.name) && !isHtml(baseline))) continue;
      const base = baseline;
      for (const payload of payloadsFor(point.value)) {
        if (ctx.signal.aborted) return;
        const sig = SIGNATURES[payload.target];
        // a baseline that already shows the signature cannot tell a traversal apart
        if (sig.pattern.test(base.body)) continue;
        const spec = point.build(payload.value);
        const ex = await trySend(ctx, spec);
        if (!ex) continue;
        const m = sig.pattern.exec(ex.response.body);
        if (!m || ex.response.status >= 400) continue;
        const disposition = headerValue(ex.response, 'content-disposition');
        yield {
          url: req.url,
          method: spec.method,
          parameter: point.name,
          location: point.location,
          payload: payload.value,
          evidence: {
            request: renderRequest(ex.request),
            response: renderResponse(ex.response),
            proof: `${m[0].split(/\r?\n/)[0]}\nThe response carries the content of ${sig.file} (${payload.name}), which the normal download of "${point.value}" does not contain${disposition ? `; served as ${disposition}` : ''}.`,
          },
          extra: { file: sig.file, variant: payload.name, ...(disposition ? { contentDisposition: disposition } : {}) },
        };
        break;
      }
    }
  }
  ctx.progress?.(targets.length, targets.length);
}

export const fileDownload: Check = { meta, run };
