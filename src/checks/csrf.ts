// CSRF (extension item): a state-changing form or script endpoint that another site can make a
// visitor's browser send. Proof by replay: the request as a browser on the site sends it (the
// engine puts in a fresh anti-CSRF token where it found one), then the same request as a
// cross-site page would forge it: no token field or header, a foreign Origin and Referer, and for
// a JSON body the text/plain type a cross-site form can send. The forgery is reported when it is
// answered like the genuine request (same status, same redirect, the same page with tokens
// masked, no refusal words). Tokens are the engine's (CheckContext.antiCsrfTokens). What is
// state-changing: an unsafe method whose path or field names say change (update, password,
// transfer, comment...), not a search, a preview or a login; and not when every session cookie the
// site set is SameSite=Lax or Strict (browsers then leave it off cross-site POSTs).
import { randomBytes } from 'node:crypto';
import type { CrawledRequest, HttpExchange, HttpRequestSpec } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { headerValue, renderRequest, renderResponse, trySend } from './support.js';
import { probeBudget } from './definitions/probe-budget.js';
import { textSimilarity } from './definitions/similarity.js';
import { carriesSecret, parseSetCookie } from './definitions/set-cookie.js';

export const meta: CheckMeta = {
  id: 'csrf',
  item: 'CSRF',
  title: 'Cross-site request forgery',
  severity: 'medium',
  confidence: 'firm',
  cwe: 352,
  references: [
    'https://cwe.mitre.org/data/definitions/352.html',
    'https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html',
    'https://owasp.org/www-community/attacks/csrf',
  ],
  remediation:
    'Require an unpredictable token bound to the session in every state-changing request and refuse the request without it (the framework\'s CSRF protection); also refuse a foreign Origin (or Referer), accept JSON only as application/json, and set session cookies SameSite=Lax or Strict.',
  requestBudget: 2,
};

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const CHANGE = /update|change|edit|save|setting|profile|account|passw|e-?mail|transfer|amount|pay|order|cart|checkout|add|create|comment|message|post|delete|remove|vote|subscri|follow|invite|role|admin|register|signup|address|phone|config|prefer/i;
const READ_ONLY = /search|query|find|lookup|filter|preview|calc|convert|log-?in|sign-?in|auth|captcha/i;
const REFUSAL = /csrf|xsrf|token|forg|origin|referr?er|cross-site|forbidden|denied|refused|rejected|not allowed|invalid request/gi;

function fieldNames(r: CrawledRequest): string[] {
  if (r.fields) return r.fields.map((f) => f.name);
  if (r.bodyKind === 'json' && r.rawBody) {
    try {
      const v: unknown = JSON.parse(r.rawBody);
      return v !== null && typeof v === 'object' ? Object.keys(v) : [];
    } catch {
      // a body that is not JSON has no names to read
      return [];
    }
  }
  return [];
}

/** Whether the request changes state as far as its path and field names tell. */
export function stateChanging(r: CrawledRequest): boolean {
  if (!UNSAFE.has(r.method.toUpperCase()) || (r.source !== 'form' && r.source !== 'script')) return false;
  const path = new URL(r.url).pathname;
  if (READ_ONLY.test(path)) return false;
  const names = fieldNames(r);
  if (names.length > 0 && names.every((n) => /^(?:q|query|search|keywords?|term|s)$/i.test(n))) return false;
  return CHANGE.test(path) || names.some((n) => CHANGE.test(n));
}

/** Every session-like cookie the crawl saw set is SameSite=Lax or Strict (and there is one). */
function sameSiteDefended(ctx: CheckContext, origin: string): boolean {
  let any = false;
  for (const p of ctx.pages) {
    if (new URL(p.request.url).origin !== origin) continue;
    for (const [k, v] of p.response.rawHeaders) {
      if (k.toLowerCase() !== 'set-cookie') continue;
      const c = parseSetCookie(v);
      if (!c || !carriesSecret(c)) continue;
      const s = c.attributes.get('samesite')?.toLowerCase();
      if (s !== 'lax' && s !== 'strict') return false;
      any = true;
    }
  }
  return any;
}

function dropField(spec: HttpRequestSpec, r: CrawledRequest, name: string): HttpRequestSpec {
  if (typeof spec.body !== 'string') return spec;
  if (r.bodyKind === 'urlencoded') {
    const keep = spec.body.split('&').filter((pair) => {
      const raw = pair.split('=')[0] ?? '';
      let n = raw;
      try {
        n = decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        // a malformed escape is compared as written
      }
      return n !== name;
    });
    return { ...spec, body: keep.join('&') };
  }
  if (r.bodyKind === 'multipart') {
    const parts = spec.body.split(/(?=--[^\r\n]+\r\nContent-Disposition)/);
    return { ...spec, body: parts.filter((p) => !p.includes(`Content-Disposition: form-data; name="${name}"\r\n`)).join('') };
  }
  return spec;
}

/** The request as a page on another site would make the browser send it. */
function forge(spec: HttpRequestSpec, r: CrawledRequest, tokens: { kind: 'field' | 'header'; name: string }[], foreign: string): HttpRequestSpec {
  let out: HttpRequestSpec = { ...spec };
  for (const t of tokens) if (t.kind === 'field') out = dropField(out, r, t.name);
  const drop = new Set(['origin', 'referer', ...tokens.filter((t) => t.kind === 'header').map((t) => t.name.toLowerCase())]);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(out.headers ?? {})) if (!drop.has(k.toLowerCase())) headers[k] = v;
  // a cross-site form cannot send application/json: text/plain is what it can send
  if (r.bodyKind === 'json') for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-type') headers[k] = 'text/plain';
  headers['Origin'] = foreign;
  headers['Referer'] = `${foreign}/offer.html`;
  return { ...out, headers };
}

const mask = (s: string): string => s.replace(/[A-Za-z0-9+/=_.-]{16,}/g, '*');

function answeredAlike(genuine: HttpExchange, forged: HttpExchange): boolean {
  const a = genuine.response;
  const b = forged.response;
  if (b.status >= 400 || a.status !== b.status) return false;
  if ((headerValue(a, 'location') ?? '') !== (headerValue(b, 'location') ?? '')) return false;
  const own = new Set([...a.body.matchAll(REFUSAL)].map((m) => m[0].toLowerCase()));
  for (const m of b.body.slice(0, 8192).matchAll(REFUSAL)) if (!own.has(m[0].toLowerCase())) return false;
  const x = mask(a.body);
  const y = mask(b.body);
  return x === y || textSimilarity(x, y) >= 0.9;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const budget = probeBudget(ctx, meta.requestBudget);
  const targets = ctx.requests.filter(stateChanging);
  const defended = new Map<string, boolean>();
  let done = 0;
  for (const r of targets) {
    ctx.progress?.(done++, targets.length);
    if (ctx.signal.aborted || !budget.left()) return;
    const origin = new URL(r.url).origin;
    if (!defended.has(origin)) defended.set(origin, sameSiteDefended(ctx, origin));
    if (defended.get(origin)) continue;
    if (r.bodyKind === 'xml') continue;
    const tokens = (await ctx.antiCsrfTokens?.(r)) ?? [];
    budget.spend();
    const genuine = await trySend(ctx, ctx.toSpec(r));
    if (!genuine || genuine.response.status >= 400) continue;
    const foreign = `https://wsc-${randomBytes(4).toString('hex')}.example`;
    if (!budget.left()) return;
    budget.spend();
    const forged = await trySend(ctx, forge(ctx.toSpec(r), r, tokens, foreign));
    if (!forged || !answeredAlike(genuine, forged)) continue;
    const without = tokens.length ? `without its anti-CSRF token${tokens.length > 1 ? 's' : ''} (${tokens.map((t) => t.name).join(', ')})` : 'which carries no anti-CSRF token';
    yield {
      url: r.url,
      method: r.method,
      parameter: null,
      location: null,
      payload: `Origin: ${foreign}`,
      evidence: {
        request: renderRequest(forged.request),
        response: renderResponse(forged.response),
        proof: `The state-changing ${r.method.toUpperCase()} ${new URL(r.url).pathname} sent as another site would forge it, ${without}, with Origin and Referer ${foreign}${r.bodyKind === 'json' ? ' and its JSON body as text/plain' : ''}, was answered like the genuine request (HTTP ${forged.response.status}, the same page): any site can make a signed-in visitor's browser send it.`,
      },
      extra: { tokens: tokens.map((t) => t.name), foreignOrigin: foreign, genuineStatus: genuine.response.status },
    };
  }
  ctx.progress?.(targets.length, targets.length);
}

export const csrf: Check = { meta, run };
