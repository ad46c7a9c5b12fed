// LFI: puts traversal and absolute-path variants (and the PHP base64 filter) into every value a
// request carries, and raises a finding only when a file signature (root:x:0:0: of /etc/passwd,
// [fonts]/[extensions] of win.ini) appears in the answer but not in the untouched request's answer.
import type { HttpResponseData } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { headerValue, renderRequest, renderResponse, trySend } from './support.js';
import { decodedBase64Runs, findSignature, findSourceSignature, lfiPayloads, looksFileLike, ownSourcePayloads, type LfiPayload, type SignatureMatch } from './definitions/lfi.js';
import { probeBudget, valuePoints } from './definitions/probe-budget.js';

export const meta: CheckMeta = {
  id: 'lfi',
  item: 'LFI',
  title: 'Local file inclusion (path traversal)',
  severity: 'high',
  confidence: 'certain',
  cwe: 98,
  references: [
    'https://cwe.mitre.org/data/definitions/98.html',
    'https://cwe.mitre.org/data/definitions/22.html',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/11.1-Testing_for_Local_File_Inclusion',
  ],
  remediation:
    'Never build a file path from request input. Map the input to a fixed list of allowed files (an id or basename looked up in an allowlist), or resolve the path and verify it stays inside the intended directory; disable PHP stream wrappers you do not need (allow_url_include=Off) and do not rely on stripping "../".',
  requestBudget: 30,
  perTarget: true,
};

function signatureIn(res: HttpResponseData, p: LfiPayload, baseHasSource: boolean): (SignatureMatch & { run?: string }) | null {
  const find = (text: string): SignatureMatch | null => findSignature(text) ?? (p.own && !baseHasSource ? findSourceSignature(text) : null);
  const plain = find(res.body);
  if (plain) return plain;
  if (!p.base64) return null;
  for (const b of decodedBase64Runs(res.body)) {
    const m = find(b.text);
    if (m) return { ...m, run: b.run };
  }
  return null;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const budget = probeBudget(ctx, meta.requestBudget);
  let done = 0;
  for (const request of ctx.requests) {
    ctx.progress?.(done++, ctx.requests.length);
    if (ctx.signal.aborted || !budget.left()) return;
    const points = valuePoints(ctx.insertionPoints(request));
    if (points.length === 0) continue;
    budget.spend();
    const base = await trySend(ctx, ctx.toSpec(request));
    if (!base) continue;
    // a page that already shows a signature (a tutorial quoting /etc/passwd) proves nothing either way
    const baseline = findSignature(base.response.body) ?? decodedBase64Runs(base.response.body).map((b) => findSignature(b.text)).find((m) => m !== null);
    if (baseline) {
      ctx.log('lfi: baseline already shows a file signature, skipped', { url: request.url, file: baseline.file });
      continue;
    }
    // a page that shows code anyway (a tutorial) cannot prove a read of the application's own source
    const baseHasSource = findSourceSignature(base.response.body) !== null || decodedBase64Runs(base.response.body).some((b) => findSourceSignature(b.text) !== null);
    for (const point of points) {
      const fileLike = looksFileLike(point.name, point.value);
      const payloads = [...lfiPayloads(point.value, fileLike), ...(fileLike ? ownSourcePayloads(request.url, point.value) : [])];
      for (const payload of payloads) {
        if (ctx.signal.aborted || !budget.left()) return;
        const spec = point.build(payload.value);
        budget.spend();
        const ex = await trySend(ctx, spec);
        if (!ex) continue;
        const sig = signatureIn(ex.response, payload, baseHasSource);
        if (!sig) continue;
        // a file served as an attachment is the File Download item (its own check), not an inclusion
        if (/^\s*attachment/i.test(headerValue(ex.response, 'content-disposition') ?? '')) {
          ctx.log('lfi: file came back as an attachment, left to the File Download check', { url: request.url, parameter: point.name });
          break;
        }
        const decoded = sig.run !== undefined;
        const how = decoded ? 'found after base64-decoding the answer (php://filter)' : 'found in the answer';
        yield {
          url: request.url,
          method: request.method,
          parameter: point.name,
          location: point.location,
          payload: payload.value,
          evidence: {
            request: renderRequest(ex.request),
            response: renderResponse(ex.response),
            proof: `${sig.run !== undefined ? sig.run.slice(0, 120) : sig.matched}\nThe contents of ${sig.file} (${sig.matched.slice(0, 80)}) were ${how} after ${payload.technique} in ${point.location} parameter "${point.name}"; the answer to the untouched request does not contain it.`,
          },
          extra: { technique: payload.technique, file: sig.file, base64: decoded, ...(payload.own ? { ownSource: true } : {}) },
        };
        break;
      }
    }
  }
  ctx.progress?.(ctx.requests.length, ctx.requests.length);
}

export const lfi: Check = { meta, run };
