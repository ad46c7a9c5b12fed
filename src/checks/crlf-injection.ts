// CRLF Injection (extension item): appends a line break and a header of our own, with a random
// name, to each parameter's value. A response that then carries that header proves the server
// copied the value into its header block unencoded (HTTP response splitting: Set-Cookie, Location
// or a whole body of the attacker's). A value shown only in the body proves nothing and is not
// reported. Variants: CR LF; %0d%0a for applications that filter, then URL-decode the value once
// more themselves; and U+560D U+560A, whose low bytes are CR LF, for servers that write header
// strings one byte per character.
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { pointKey, pointFinding, trySend } from './support.js';
import { probeBudget, randomTag, valuePoints } from './definitions/probe-budget.js';

export const meta: CheckMeta = {
  id: 'crlf-injection',
  item: 'CRLF Injection',
  title: 'CRLF injection into response headers',
  severity: 'medium',
  confidence: 'certain',
  cwe: 113,
  references: [
    'https://cwe.mitre.org/data/definitions/113.html',
    'https://owasp.org/www-community/vulnerabilities/CRLF_Injection',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/07-Input_Validation_Testing/15-Testing_for_HTTP_Splitting_Smuggling',
  ],
  remediation:
    'Refuse or strip CR and LF (and their encodings) in any value written into a response header (Location, Set-Cookie, custom headers); use the framework\'s header API, which rejects them, and redirect only to allow-listed targets.',
  requestBudget: 12,
  perTarget: true,
};

interface Variant {
  label: string;
  payload(header: string): string;
}

const VARIANTS: Variant[] = [
  { label: 'CR LF', payload: (h) => `\r\n${h}` },
  { label: '%0d%0a decoded by the application', payload: (h) => `%0d%0a${h}` },
  { label: 'U+560D U+560A cut to bytes', payload: (h) => `\u560d\u560a${h}` },
];

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const budget = probeBudget(ctx, meta.requestBudget);
  const reported = new Set<string>();
  let done = 0;
  for (const request of ctx.requests) {
    ctx.progress?.(done++, ctx.requests.length);
    const points = ctx.insertionPoints(request).filter((p) => valuePoints([p]).length === 1 || p.location === 'path');
    for (const point of points) {
      const key = pointKey(ctx, request.url, point.name);
      if (reported.has(key)) continue;
      for (const v of VARIANTS) {
        if (ctx.signal.aborted || !budget.left()) return;
        const name = `X-Wsc-${randomTag(8)}`;
        const header = `${name}: crlf`;
        const payload = v.payload(header);
        budget.spend();
        const ex = await trySend(ctx, point.build(payload, 'append'));
        if (!ex) continue;
        const got = ex.response.rawHeaders.find(([k]) => k.toLowerCase() === name.toLowerCase());
        if (!got) continue;
        reported.add(key);
        yield {
          ...pointFinding(
            point,
            ex,
            payload,
            `${got[0]}: ${got[1]}\nThe value of ${point.location} parameter "${point.name}" with ${v.label} and "${header}" appended came back as a header of its own: the server writes the value into its headers unencoded, so a link can set cookies, redirect or replace the body.`,
            'certain',
            { variant: v.label, header: name },
          ),
          url: request.url,
          method: request.method,
        };
        break;
      }
    }
  }
  ctx.progress?.(ctx.requests.length, ctx.requests.length);
}

export const crlfInjection: Check = { meta, run };
