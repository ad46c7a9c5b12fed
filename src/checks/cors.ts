// CORS (extension item): asks each crawled page and script endpoint once as if from a foreign
// origin and once from the opaque "null" origin (sandboxed frames, data: URLs, file://). An answer
// that grants exactly that origin in Access-Control-Allow-Origin lets a page there read the
// response; with Access-Control-Allow-Credentials: true it reads it with the visitor's cookies,
// which is the serious case. "*" is not reported: browsers never combine it with credentials.
import { randomBytes } from 'node:crypto';
import type { CrawledRequest, HttpExchange } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { headerValue, renderRequest, renderResponse, trySend } from './support.js';
import { probeBudget } from './definitions/probe-budget.js';

export const meta: CheckMeta = {
  id: 'cors',
  item: 'CORS',
  title: 'CORS policy lets any origin read responses',
  severity: 'high',
  confidence: 'certain',
  cwe: 942,
  references: [
    'https://cwe.mitre.org/data/definitions/942.html',
    'https://portswigger.net/web-security/cors',
    'https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS',
  ],
  remediation:
    'Compare the Origin header with an allow-list of exact origins before echoing it in Access-Control-Allow-Origin; never allow "null"; send Access-Control-Allow-Credentials only for origins that need the user\'s session, and add "Vary: Origin".',
  requestBudget: 2,
};

interface Probe {
  origin: string;
  label: string;
}

/** GET pages and script endpoints, one per method and path: a policy is set per route. */
function targets(ctx: CheckContext): CrawledRequest[] {
  const seen = new Set<string>();
  const out: CrawledRequest[] = [];
  const consider = (r: CrawledRequest): void => {
    const method = r.method.toUpperCase();
    if (method !== 'GET' && r.source !== 'script') return;
    const key = `${method} ${r.url.split(/[?#]/)[0]}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(r);
  };
  for (const p of ctx.pages) consider(p.request);
  for (const r of ctx.requests) consider(r);
  return out;
}

function grant(ex: HttpExchange, origin: string): { granted: boolean; credentials: boolean } {
  const allow = headerValue(ex.response, 'access-control-allow-origin')?.trim();
  const credentials = headerValue(ex.response, 'access-control-allow-credentials')?.trim().toLowerCase() === 'true';
  return { granted: allow === origin, credentials };
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const budget = probeBudget(ctx, meta.requestBudget);
  const list = targets(ctx);
  let done = 0;
  for (const request of list) {
    ctx.progress?.(done++, list.length);
    const host = new URL(request.url).hostname.replace(/[^a-z0-9.-]/gi, '');
    const probes: Probe[] = [
      // a foreign site whose name starts with the target's, which also beats prefix-matching allow-lists
      { origin: `https://${host}.wsc-${randomBytes(4).toString('hex')}.example`, label: 'a foreign origin' },
      { origin: 'null', label: 'the opaque origin "null"' },
    ];
    for (const probe of probes) {
      if (ctx.signal.aborted || !budget.left()) return;
      const base = ctx.toSpec(request);
      budget.spend();
      const ex = await trySend(ctx, { ...base, headers: { ...(base.headers ?? {}), Origin: probe.origin } });
      if (!ex) continue;
      const g = grant(ex, probe.origin);
      if (!g.granted) continue;
      yield {
        url: request.url,
        method: request.method,
        parameter: 'Origin',
        location: 'header',
        payload: probe.origin,
        severity: g.credentials ? 'high' : 'low',
        title: g.credentials ? `CORS grants ${probe.origin === 'null' ? '"null"' : 'any origin'} with credentials` : `CORS grants ${probe.origin === 'null' ? '"null"' : 'any origin'} (no credentials)`,
        evidence: {
          request: renderRequest(ex.request),
          response: renderResponse(ex.response),
          proof: `Access-Control-Allow-Origin: ${probe.origin}${g.credentials ? '\nAccess-Control-Allow-Credentials: true' : ''}\nThe response granted ${probe.label} that the request named in Origin: a page there ${g.credentials ? "reads this response with the visitor's cookies" : 'reads this response (without cookies)'}.`,
        },
        extra: { origin: probe.origin, credentials: g.credentials },
      };
      break;
    }
  }
  ctx.progress?.(list.length, list.length);
}

export const cors: Check = { meta, run };
