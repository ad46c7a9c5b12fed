// Personal Information Exposure: Korean resident and foreigner registration numbers, credit card
// numbers, mobile phone numbers and e-mail addresses in bulk, found in the pages the crawl already
// fetched. Values are validated (birth date and checksum, Luhn and issuer range) so look-alike ids
// are not reported, masked values are not matched at all, and the report never holds a full value:
// the evidence response is rebuilt from the page with every recognised value masked.
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { renderRequest, renderResponseHead } from './support.js';
import { findPii, maskPii } from './definitions/personal-information.js';

export const meta: CheckMeta = {
  id: 'personal-information',
  item: 'Personal Information Exposure',
  title: 'Personal information exposed',
  severity: 'high',
  confidence: 'firm',
  cwe: 359,
  references: [
    'https://cwe.mitre.org/data/definitions/359.html',
    'https://www.law.go.kr/LSW/eng/engLsSc.do?menuId=2&query=PERSONAL%20INFORMATION%20PROTECTION%20ACT',
    'https://owasp.org/Top10/A02_2021-Cryptographic_Failures/',
  ],
  remediation:
    'Do not render full registration numbers, card numbers or contact lists: mask them on the server (e.g. 900101-1******, ****-****-****-1234, 010-****-5678), restrict the pages to their owner, and keep them out of public and cached responses.',
  // Passive: it reads the crawl's pages and sends nothing.
  requestBudget: 0,
};

const MAX_SAMPLES = 5;

function withoutQuery(url: string): string {
  return url.split('#')[0] as string;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const total = ctx.pages.length;
  let done = 0;
  const seen = new Set<string>();
  for (const page of ctx.pages) {
    if (ctx.signal.aborted) return;
    ctx.progress?.(done++, total);
    const res = page.response;
    if (res.body === '' || res.status >= 400) continue;
    const url = withoutQuery(res.url || page.request.url);
    const hits = findPii(res.body);
    if (hits.length === 0) continue;
    // Built once per page: the head and body with every recognised value masked.
    const maskedResponse = maskPii(renderResponseHead(res) + res.body);
    for (const hit of hits) {
      const key = `${new URL(url).pathname} ${hit.kind.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const samples = hit.masked.slice(0, MAX_SAMPLES);
      const plural = hit.count === 1 ? '' : 's';
      yield {
        url,
        method: page.request.method.toUpperCase(),
        parameter: hit.kind.label,
        location: 'response',
        payload: null,
        title: `${hit.kind.label[0]!.toUpperCase()}${hit.kind.label.slice(1)}${hit.kind.id === 'email' ? 'es' : 's'} exposed`,
        severity: hit.kind.severity,
        evidence: {
          request: renderRequest(ctx.toSpec(page.request)),
          response: maskedResponse,
          // first line is a masked sample as it appears in the masked response, to centre the excerpt
          proof: `${samples[0]}\n${hit.count} distinct valid ${hit.kind.label}${plural} in the page; masked samples: ${samples.join(', ')}`,
        },
        extra: { kind: hit.kind.id, count: hit.count, samples },
      };
    }
  }
  ctx.progress?.(total, total);
}

export const personalInformation: Check = { meta, run };
