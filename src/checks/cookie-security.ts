// Cookie Security (extension item): the attributes of the cookies the site sets, read from the
// Set-Cookie headers of the pages the crawl already fetched (no request of its own). Only cookies
// that carry a session or a secret matter (by name, or a long random-looking value): a theme or
// language cookie without HttpOnly harms nobody. Each cookie is reported once per origin, on the
// first page that set it, with every attribute it lacks.
import type { Severity } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { renderRequest, renderResponseHead } from './support.js';
import { carriesSecret, parseSetCookie, type SetCookie } from './definitions/set-cookie.js';

export { parseSetCookie };

export const meta: CheckMeta = {
  id: 'cookie-security',
  item: 'Cookie Security',
  title: 'Session cookie without Secure, HttpOnly or SameSite',
  severity: 'low',
  confidence: 'certain',
  cwe: 1004,
  references: [
    'https://cwe.mitre.org/data/definitions/1004.html',
    'https://cwe.mitre.org/data/definitions/614.html',
    'https://cwe.mitre.org/data/definitions/1275.html',
    'https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Set-Cookie',
  ],
  remediation:
    'Set session and authentication cookies with Secure (HTTPS only), HttpOnly (no script access) and SameSite=Lax or Strict (not sent on cross-site requests), in the framework\'s session configuration.',
  // Passive: it reads the crawl's pages and sends nothing.
  requestBudget: 0,
};

/** Double-submit anti-CSRF cookies are read by the page's script on purpose. */
const SCRIPT_READ = /xsrf|csrf/i;

export interface CookieWeakness {
  attribute: 'Secure' | 'HttpOnly' | 'SameSite';
  why: string;
  severity: Severity;
}

/** What a secret-carrying cookie lacks; `https` says whether it was set over HTTPS. */
export function cookieWeaknesses(c: SetCookie, https: boolean): CookieWeakness[] {
  const out: CookieWeakness[] = [];
  // an expired cookie is a deletion, not a cookie the browser keeps
  if (c.attributes.get('max-age') === '0' || c.value === '' || c.value === 'deleted') return out;
  const secure = c.attributes.has('secure');
  if (https && !secure) out.push({ attribute: 'Secure', why: 'no Secure: the browser also sends it over plain HTTP, where a network attacker reads it', severity: 'medium' });
  if (!c.attributes.has('httponly') && !SCRIPT_READ.test(c.name)) out.push({ attribute: 'HttpOnly', why: 'no HttpOnly: any script on the page (an XSS payload) can read it', severity: 'low' });
  const sameSite = c.attributes.get('samesite')?.toLowerCase();
  if (sameSite === undefined) out.push({ attribute: 'SameSite', why: 'no SameSite: browsers without a Lax default send it on cross-site requests (CSRF)', severity: 'low' });
  else if (sameSite === 'none') out.push({ attribute: 'SameSite', why: `SameSite=None${secure ? '' : ' without Secure (browsers then drop it or treat it as unrestricted)'}: it goes with every cross-site request (CSRF)`, severity: 'low' });
  else if (sameSite !== 'lax' && sameSite !== 'strict') out.push({ attribute: 'SameSite', why: `SameSite=${sameSite} is not a value browsers know: they apply their default`, severity: 'low' });
  return out;
}

const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2, info: 3 };

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const seen = new Set<string>();
  for (const page of ctx.pages) {
    if (ctx.signal.aborted) return;
    const url = new URL(page.request.url);
    for (const [k, v] of page.response.rawHeaders) {
      if (k.toLowerCase() !== 'set-cookie') continue;
      const c = parseSetCookie(v);
      if (!c || !carriesSecret(c)) continue;
      const key = `${url.origin}\u0000${c.name}`;
      if (seen.has(key)) continue;
      const weak = cookieWeaknesses(c, url.protocol === 'https:');
      if (weak.length === 0) continue;
      seen.add(key);
      const worst = weak.reduce<Severity>((w, x) => (RANK[x.severity] < RANK[w] ? x.severity : w), 'info');
      yield {
        url: page.request.url,
        method: page.request.method,
        parameter: c.name,
        location: 'cookie',
        payload: '',
        title: `Cookie ${c.name} without ${weak.map((w) => w.attribute).join(', ')}`,
        severity: worst,
        evidence: {
          request: renderRequest(ctx.toSpec(page.request)),
          response: renderResponseHead(page.response),
          proof: `Set-Cookie: ${v.replace(/=([^;]{6})[^;]*/, '=$1...')}\nThe cookie ${c.name} carries a session or secret; ${weak.map((w) => w.why).join('; ')}.`,
        },
        extra: { cookie: c.name, missing: weak.map((w) => w.attribute) },
      };
    }
  }
}

export const cookieSecurity: Check = { meta, run };
