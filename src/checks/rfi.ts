// RFI: points file- and page-like parameters (and URL values) at a URL on our OAST listener. The
// listener answers with the text wsc-oast-<id>; that text in the page proves the target fetched our
// URL and included what it got. A fetch alone (a listener hit without the text) is SSRF, not RFI.
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { renderRequest, renderResponse, trySend } from './support.js';
import { probeBudget, valuePoints } from './definitions/probe-budget.js';
import { rfiCandidate } from './definitions/ssrf.js';

export const meta: CheckMeta = {
  id: 'rfi',
  item: 'RFI',
  title: 'Remote file inclusion',
  severity: 'high',
  confidence: 'certain',
  cwe: 98,
  references: [
    'https://cwe.mitre.org/data/definitions/98.html',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/11.2-Testing_for_Remote_File_Inclusion',
  ],
  remediation:
    'Never include or render a file named by request input; map the input to a fixed allowlist of local templates. In PHP set allow_url_include=Off and allow_url_fopen=Off; never fetch and embed remote content chosen by the client.',
  requestBudget: 6,
};

// "?" ends the path when the application appends an extension (include($page . '.php'))
const SUFFIXES = ['', '?'];

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const oast = ctx.oast;
  if (!oast) {
    ctx.log('rfi: no OAST listener, nothing to include');
    return;
  }
  const budget = probeBudget(ctx, meta.requestBudget);
  let done = 0;
  for (const request of ctx.requests) {
    ctx.progress?.(done++, ctx.requests.length);
    const path = new URL(request.url).pathname;
    for (const point of valuePoints(ctx.insertionPoints(request)).filter(rfiCandidate)) {
      for (const suffix of SUFFIXES) {
        if (ctx.signal.aborted || !budget.left()) return;
        const probe = oast.probe(`${request.method} ${path} ${point.location}:${point.name}`);
        const payload = probe.url + suffix;
        budget.spend();
        const ex = await trySend(ctx, point.build(payload));
        if (!ex) continue;
        const marker = oast.marker(probe.id);
        if (!ex.response.body.includes(marker)) continue;
        const hits = await oast.hits([probe.id], 0);
        const hit = hits[0];
        const fetched = hit ? `; the listener was asked for ${hit.path} by ${hit.remote}${hit.headers['user-agent'] ? ` (${hit.headers['user-agent']})` : ''}` : '';
        yield {
          url: request.url,
          method: request.method,
          parameter: point.name,
          location: point.location,
          payload,
          evidence: {
            request: renderRequest(ex.request),
            response: renderResponse(ex.response),
            proof: `${marker}\nThe page includes ${marker}, the text only our listener serves at ${probe.url}, after ${point.location} parameter "${point.name}" was set to that URL${fetched}.`,
          },
          extra: { oastId: probe.id, hits: hits.length },
        };
        break;
      }
    }
  }
  ctx.progress?.(ctx.requests.length, ctx.requests.length);
}

export const rfi: Check = { meta, run };
