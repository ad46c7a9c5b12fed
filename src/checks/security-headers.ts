// Security Headers (extension item): the browser defences a site turns on with response headers,
// read from the pages the crawl already fetched (no request of its own). A site sets its headers
// in one place, so each weakness is reported once per origin, on the first page that shows it
// (the StartUrl's page first), with how many pages share it; a page section with a policy of its
// own (another CSP value) is a finding of its own.
import type { Severity } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, CrawledPage, FindingDraft } from './types.js';
import { headerValue, renderRequest, renderResponseHead } from './support.js';

export const meta: CheckMeta = {
  id: 'security-headers',
  item: 'Security Headers',
  title: 'Missing or weak security header',
  severity: 'low',
  confidence: 'certain',
  cwe: 693,
  references: [
    'https://owasp.org/www-project-secure-headers/',
    'https://developer.mozilla.org/en-US/docs/Web/HTTP/CSP',
    'https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Headers_Cheat_Sheet.html',
  ],
  remediation:
    'Send on every HTML response: a Content-Security-Policy whose script-src has no unsafe-inline (use nonces or hashes), no wildcard or bare scheme sources, and a frame-ancestors directive (or X-Frame-Options: DENY/SAMEORIGIN); X-Content-Type-Options: nosniff; Referrer-Policy: strict-origin-when-cross-origin or stricter.',
  // Passive: it reads the crawl's pages and sends nothing.
  requestBudget: 0,
};

export interface HeaderWeakness {
  header: string;
  /** "missing" or "weak". */
  kind: 'missing' | 'weak';
  /** What is wrong, for the proof. */
  why: string;
  /** The value seen (weak only): pages sharing a weak value share a finding. */
  value: string;
  severity: Severity;
}

const META_CSP = /<meta\s[^>]*http-equiv\s*=\s*["']?content-security-policy["']?[^>]*>/i;

function metaCsp(body: string): string | undefined {
  const tag = META_CSP.exec(body.slice(0, 65536))?.[0];
  return tag ? /content\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(tag)?.slice(1).find((v) => v !== undefined) : undefined;
}

/** CSP directives by name (first occurrence wins, as browsers do), sources lower-cased. */
function directives(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name && !out.has(name.toLowerCase())) out.set(name.toLowerCase(), sources.map((s) => s.toLowerCase()));
  }
  return out;
}

function cspWeakness(policy: string): string | null {
  const d = directives(policy);
  const script = d.get('script-src') ?? d.get('default-src');
  if (!script) return 'no script-src or default-src: scripts load from anywhere';
  const keyed = script.some((s) => s.startsWith("'nonce-") || s.startsWith("'sha"));
  if (script.includes("'unsafe-inline'") && !keyed) return "script-src allows 'unsafe-inline': injected inline script runs";
  const wide = script.find((s) => s === '*' || s === 'http:' || s === 'https:' || s === 'data:' || /^https?:\/\/\*$/.test(s));
  if (wide) return `script-src allows ${wide}: scripts load from any host`;
  if (script.includes("'unsafe-eval'")) return "script-src allows 'unsafe-eval': strings become code";
  return null;
}

/** What is missing or weak in one HTML response's headers (and <meta> CSP). */
export function headerWeaknesses(page: CrawledPage): HeaderWeakness[] {
  const res = page.response;
  const out: HeaderWeakness[] = [];
  const csp = headerValue(res, 'content-security-policy') ?? metaCsp(res.body);
  if (csp === undefined) out.push({ header: 'Content-Security-Policy', kind: 'missing', why: 'no Content-Security-Policy: nothing limits what an injected script can do', value: '', severity: 'low' });
  else {
    const why = cspWeakness(csp);
    if (why) out.push({ header: 'Content-Security-Policy', kind: 'weak', why, value: csp, severity: 'low' });
  }
  const ancestors = csp === undefined ? undefined : directives(csp).get('frame-ancestors');
  const xfo = headerValue(res, 'x-frame-options')?.trim();
  if (ancestors !== undefined) {
    if (ancestors.includes('*')) out.push({ header: 'Content-Security-Policy', kind: 'weak', why: 'frame-ancestors * lets any site frame the page (clickjacking)', value: `frame-ancestors ${ancestors.join(' ')}`, severity: 'medium' });
  } else if (xfo === undefined) out.push({ header: 'X-Frame-Options', kind: 'missing', why: 'neither X-Frame-Options nor CSP frame-ancestors: any site can frame the page (clickjacking)', value: '', severity: 'medium' });
  else if (!/^(?:deny|sameorigin)$/i.test(xfo)) out.push({ header: 'X-Frame-Options', kind: 'weak', why: `X-Frame-Options "${xfo}" is not DENY or SAMEORIGIN: browsers ignore it and allow framing`, value: xfo, severity: 'medium' });
  const xcto = headerValue(res, 'x-content-type-options')?.trim();
  if (xcto === undefined) out.push({ header: 'X-Content-Type-Options', kind: 'missing', why: 'no X-Content-Type-Options: nosniff: browsers may sniff uploads and text as script or HTML', value: '', severity: 'info' });
  else if (xcto.toLowerCase() !== 'nosniff') out.push({ header: 'X-Content-Type-Options', kind: 'weak', why: `X-Content-Type-Options "${xcto}" is not nosniff`, value: xcto, severity: 'info' });
  const rp = headerValue(res, 'referrer-policy')?.trim().toLowerCase();
  // the last recognised token is the one browsers apply
  const policy = rp?.split(',').map((s) => s.trim()).filter((s) => s !== '').at(-1);
  if (policy === undefined) out.push({ header: 'Referrer-Policy', kind: 'missing', why: 'no Referrer-Policy: older browsers send the full URL (with its tokens) to other sites', value: '', severity: 'info' });
  else if (policy === 'unsafe-url' || policy === 'no-referrer-when-downgrade') out.push({ header: 'Referrer-Policy', kind: 'weak', why: `Referrer-Policy ${policy} sends the full URL, query included, to other sites`, value: policy, severity: 'low' });
  return out;
}

function isDocument(page: CrawledPage): boolean {
  const type = headerValue(page.response, 'content-type') ?? '';
  return page.response.status >= 200 && page.response.status < 300 && /text\/html|application\/xhtml\+xml/i.test(type);
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const groups = new Map<string, { page: CrawledPage; w: HeaderWeakness; count: number; samples: string[] }>();
  // the StartUrl's page first: the finding then sits on the page the job was pointed at
  const pages = [...ctx.pages].sort((a, b) => Number(b.request.url === ctx.startUrl) - Number(a.request.url === ctx.startUrl));
  for (const page of pages) {
    if (ctx.signal.aborted) return;
    if (!isDocument(page)) continue;
    const origin = new URL(page.request.url).origin;
    for (const w of headerWeaknesses(page)) {
      const key = `${origin}\u0000${w.header}\u0000${w.kind}\u0000${w.value}`;
      const g = groups.get(key);
      if (g) {
        g.count++;
        if (g.samples.length < 5) g.samples.push(page.request.url);
      } else groups.set(key, { page, w, count: 1, samples: [page.request.url] });
    }
  }
  for (const { page, w, count, samples } of groups.values()) {
    const others = count > 1 ? ` The same holds on ${count - 1} other page${count > 2 ? 's' : ''} of this origin (e.g. ${samples.slice(1).join(', ')}).` : '';
    yield {
      url: page.request.url,
      method: page.request.method,
      parameter: w.header,
      location: 'header',
      payload: '',
      title: w.kind === 'missing' ? `${w.header} header missing` : `Weak ${w.header}`,
      severity: w.severity,
      evidence: {
        request: renderRequest(ctx.toSpec(page.request)),
        response: renderResponseHead(page.response),
        proof: `${w.why}.${others}`,
      },
      extra: { kind: w.kind, value: w.value, pages: count, samples },
    };
  }
}

export const securityHeaders: Check = { meta, run };
