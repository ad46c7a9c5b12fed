// RFI: points file- and page-like parameters (and URL values) at a URL on our OAST listener, which
// answers with markup and a harmless PHP block that prints a product. Inclusion needs proof that
// the page interpreted what it fetched: the product in the page (our code ran), or our element
// unescaped in its markup (our markup was rendered as the page's own). A page that only shows the
// fetched text (escaped, as a preview) or a listener hit alone is SSRF, not RFI.
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
  perTarget: true,
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
        const inc = oast.inclusion(probe.id);
        const payload = probe.url + inc.path + suffix;
        budget.spend();
        const ex = await trySend(ctx, point.build(payload));
        if (!ex) continue;
        const body = ex.response.body;
        const ran = body.includes(inc.computed);
        if (!ran && !body.includes(`<${inc.element}>`)) continue;
        const hits = await oast.hits([probe.id], 0);
        const hit = hits[0];
        const fetched = hit ? `; the listener was asked for ${hit.path} by ${hit.remote}${hit.headers['user-agent'] ? ` (${hit.headers['user-agent']})` : ''}` : '';
        const shown = ran
          ? `${inc.computed}\nThe page shows ${inc.computed}, what the PHP block our listener serves at ${payload} prints when it runs (the product is not in the served text): the target executed the remote file`
          : `<${inc.element}>\nThe page holds <${inc.element}>, an element only our listener serves at ${payload}, as markup (not escaped): the target included the remote content into its page`;
        yield {
          url: request.url,
          method: request.method,
          parameter: point.name,
          location: point.location,
          payload,
          evidence: {
            request: renderRequest(ex.request),
            response: renderResponse(ex.response),
            proof: `${shown}, after ${point.location} parameter "${point.name}" was set to that URL${fetched}.`,
          },
          ...(ran ? {} : { confidence: 'firm' as const }),
          extra: { oastId: probe.id, hits: hits.length, executed: ran },
        };
        break;
      }
    }
  }
  ctx.progress?.(ctx.requests.length, ctx.requests.length);
}

export const rfi: Check = { meta, run };
