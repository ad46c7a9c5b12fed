// Insufficient Authorization: (1) replays what the authenticated crawl reached without the job's
// credentials and reports pages that sit among protected pages yet answer an anonymous visitor with
// the same content; (2) walks object ids +-1 on protected resources and reports another object of
// the same shape handed to our identity; (3) asks anonymously for common management paths and reports
// management pages that are neither a login page nor a redirect; (4) asks for pages that sent the
// crawl to a login page under another spelling of their name (./page.php, /./path) and reports
// those that then answer. A job without credentials does (3) and (4).
import type { HttpExchange, HttpResponseData } from '../core/model.js';
import * as D from './definitions/insufficient-authorization.js';
import { MAX_TAMPERED, TAMPERS } from './definitions/verb-tampering.js';
import { lengthRatio, textSimilarity } from './definitions/similarity.js';
import { applicationRoots, headerValue, renderRequest, renderResponse, trySend } from './support.js';
import { randomToken } from './definitions/injection-points.js';
import type { Check, CheckContext, CheckMeta, CrawledPage, FindingDraft } from './types.js';

export const meta: CheckMeta = {
  id: 'insufficient-authorization',
  item: 'Insufficient Authorization',
  title: 'Insufficient authorization',
  severity: 'high',
  confidence: 'firm',
  cwe: 862,
  references: ['https://cwe.mitre.org/data/definitions/862.html', 'https://cwe.mitre.org/data/definitions/639.html', 'https://owasp.org/Top10/A01_2021-Broken_Access_Control/'],
  remediation:
    'Enforce authentication and authorization on the server for every request (a deny-by-default filter or middleware rather than per-page checks), check that the signed-in user owns the object an id names, and keep management consoles off the public network.',
  requestBudget: 30,
};

const MAX_REPLAY = 400;
const MAX_IDOR = 10;

/** The anonymous visitor is kept out: a denial status, a redirect, a login form or a denial page. */
function denied(res: HttpResponseData): boolean {
  if (res.status === 401 || res.status === 403 || (res.status >= 300 && res.status < 400)) return true;
  if (res.status !== 200) return true;
  return D.LOGIN_PAGE.test(res.body) || D.DENIAL.test(res.body.slice(0, 4000));
}

function dirOf(url: string): string {
  const u = new URL(url);
  return u.origin + u.pathname.replace(/[^/]*$/, '');
}

function same(a: HttpResponseData, b: HttpResponseData): number {
  return lengthRatio(a.body, b.body) < 0.8 ? 0 : textSimilarity(a.body, b.body);
}

function finding(url: string, ex: HttpExchange, proof: string, extra: Record<string, unknown>, over: Partial<FindingDraft> = {}): FindingDraft {
  return { url, method: 'GET', parameter: null, location: 'url', payload: null, evidence: { request: renderRequest(ex.request), response: renderResponse(ex.response), proof }, extra, ...over };
}

function firstLine(body: string): string {
  const title = /<title>[^<]{1,200}<\/title>/i.exec(body)?.[0];
  return title ?? (body.split('\n').find((l) => l.trim() !== '') ?? '').trim().slice(0, 200);
}

async function* replay(ctx: CheckContext, pages: CrawledPage[], protectedUrls: Set<string>): AsyncGenerator<FindingDraft> {
  const open: { page: CrawledPage; ex: HttpExchange; score: number }[] = [];
  for (const page of pages) {
    if (ctx.signal.aborted) return;
    // redirects are followed as the crawl followed them, so a page that merely moved compares alike
    const ex = await trySend(ctx, { method: 'GET', url: page.request.url }, { withoutAuth: true, followRedirects: true });
    if (!ex) continue;
    if (denied(ex.response) || ex.response.url !== page.response.url) {
      // a page that reads as a denial with the credentials too tells nothing about protection
      if (!denied(page.response)) protectedUrls.add(page.request.url);
      continue;
    }
    const score = same(ex.response, page.response);
    if (score >= 0.9) open.push({ page, ex, score });
  }
  const start = new URL(ctx.startUrl);
  const shallow = new Set([start.origin + '/', dirOf(ctx.startUrl)]);
  for (const { page, ex, score } of open) {
    const url = page.request.url;
    // Public pages answer everyone alike too: only a page inside a protected folder (deeper than the
    // StartUrl's), or reached only through a protected page, was meant to need the login.
    const folder = [...protectedUrls].map(dirOf).find((d) => !shallow.has(d) && dirOf(url).startsWith(d));
    const via = page.request.referer !== undefined && protectedUrls.has(page.request.referer) ? page.request.referer : undefined;
    const why = folder ? `other pages of ${folder} require login` : via ? `it is linked from ${via}, which requires login` : null;
    if (!why) continue;
    yield finding(url, ex, `${firstLine(ex.response.body)}\nReachable without credentials: ${url} answered an anonymous request with status ${ex.response.status} and ${Math.round(score * 100)}% the same content as with the job's credentials, although ${why}.`, { reachableBy: 'anonymous', similarity: Math.round(score * 100) / 100 }, { title: 'Page reachable without authentication', confidence: folder ? 'firm' : 'tentative' });
  }
}

interface IdCandidate {
  page: CrawledPage;
  name: string;
  value: number;
  build(v: string): string;
  location: 'path' | 'query';
}

function idCandidates(page: CrawledPage): IdCandidate[] {
  const u = new URL(page.request.url);
  const out: IdCandidate[] = [];
  const segs = u.pathname.split('/');
  segs.forEach((s, i) => {
    if (!D.NUMERIC_SEGMENT.test(s)) return;
    out.push({ page, name: `path[${i - 1}]`, value: Number(s), location: 'path', build: (v) => u.origin + segs.map((x, j) => (j === i ? v : x)).join('/') + u.search });
  });
  for (const [k, v] of u.searchParams) {
    if (!D.ID_PARAM.test(k) || !D.NUMERIC_SEGMENT.test(v)) continue;
    out.push({ page, name: k, value: Number(v), location: 'query', build: (nv) => {
      const c = new URL(u.href);
      c.searchParams.set(k, nv);
      return c.href;
    } });
  }
  return out;
}

async function* idor(ctx: CheckContext, pages: CrawledPage[], protectedUrls: Set<string>): AsyncGenerator<FindingDraft> {
  const crawled = new Set(ctx.pages.map((p) => p.request.url));
  const candidates = pages.filter((p) => protectedUrls.has(p.request.url)).flatMap(idCandidates).slice(0, MAX_IDOR);
  for (const c of candidates) {
    if (ctx.signal.aborted) return;
    // an id far out of range shows how the application answers for an object that is not there
    const control = await trySend(ctx, { method: 'GET', url: c.build(String(c.value + 7_777_777)) }, { followRedirects: false });
    for (const delta of [1, -1]) {
      const other = c.value + delta;
      if (other < 0 || ctx.signal.aborted) continue;
      const url = c.build(String(other));
      const ex = await trySend(ctx, { method: 'GET', url }, { followRedirects: false });
      if (!ex || ex.response.status !== 200 || denied(ex.response) || ctx.soft404.isNotFound(url, ex.response)) continue;
      const shape = textSimilarity(ex.response.body, c.page.response.body);
      if (shape < 0.3 || ex.response.body === c.page.response.body) continue;
      if (control && control.response.status === 200 && same(control.response, ex.response) >= 0.9) continue;
      const offered = crawled.has(url);
      yield finding(url, ex, `${firstLine(ex.response.body)}\nObject ${c.name}=${other} (next to ${c.value}, which the crawl reached with the job's credentials) was returned to the same identity: status 200, ${Math.round(shape * 100)}% the same layout as the original with different content${offered ? '' : '; the application never linked this object for this user'}; an id that does not exist answered ${control ? control.response.status : 'nothing'}.`, { original: c.page.request.url, reachableBy: 'the job identity', offered }, { title: 'Object of another owner reachable by changing its id (IDOR)', parameter: c.name, location: c.location, payload: String(other), confidence: offered ? 'tentative' : 'firm', cwe: 639 });
      break;
    }
  }
}

async function* forcedBrowsing(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  // Consoles sit at the root of whatever application they manage, and apps are often mounted in a folder.
  const bases = applicationRoots(ctx);
  for (const base of bases) {
    for (const path of D.ADMIN_PATHS) {
      if (ctx.signal.aborted) return;
      const url = base + path;
      const ex = await trySend(ctx, { method: 'GET', url }, { withoutAuth: true, followRedirects: false });
      if (!ex) continue;
      const res = ex.response;
      if (res.status !== 200 || ctx.soft404.isNotFound(url, res) || denied(res)) continue;
      const json = /json/i.test(headerValue(res, 'content-type') ?? '');
      const m = json ? D.ACTUATOR_INDEX.exec(res.body) : D.ADMIN_HEADING.exec(res.body);
      if (!m) continue;
      yield finding(url, ex, `${m[0].slice(0, 200)}\nManagement page reachable anonymously: ${url} answered status 200 without credentials, is not a login page or a redirect, and presents itself as a management page.`, { reachableBy: 'anonymous', forcedBrowsing: true }, { title: 'Management page reachable without authentication' });
    }
  }
}

const MAX_WALLS = 8;
const LOGIN_URL = /(?:^|[^a-z])(?:log[-_ ]?in|sign[-_ ]?in|log[-_ ]?on|auth(?:enticate)?)(?![a-z])/i;
const PAGE_NAME = /^[\w-]+\.[a-z]{2,5}$/i;

/** A crawled page that sent us to a login page: what access control answered, and the spellings to try. */
function walls(ctx: CheckContext): { page: CrawledPage; name: string; location: 'query' | 'path'; spell: (name: string) => string; value: string }[] {
  const out: ReturnType<typeof walls> = [];
  const keys = new Set<string>();
  for (const page of ctx.pages) {
    if (out.length >= MAX_WALLS) break;
    const res = page.response;
    if (page.request.method.toUpperCase() !== 'GET' || res.redirects.length === 0 || res.status !== 200) continue;
    if (!LOGIN_URL.test(new URL(res.url).pathname + new URL(res.url).search) && !D.LOGIN_PAGE.test(res.body)) continue;
    const u = new URL(page.request.url);
    if (LOGIN_URL.test(u.pathname + u.search)) continue;
    // a page name in the query (index.php?page=admin.php), checked against a list as written
    for (const [k, v] of u.searchParams) {
      const key = `${u.pathname} ${k}`;
      if (!PAGE_NAME.test(v) || keys.has(key)) continue;
      keys.add(key);
      out.push({ page, name: k, location: 'query', value: v, spell: (name) => { const c = new URL(u.href); c.searchParams.set(k, `./${name}`); return c.href; } });
    }
    // the path itself, matched as written by a prefix rule (/admin/...)
    const segs = u.pathname.split('/');
    const last = segs[segs.length - 1] ?? '';
    if (u.search === '' && segs.length > 2 && last !== '' && !keys.has(u.pathname)) {
      keys.add(u.pathname);
      out.push({ page, name: `path[${segs.length - 2}]`, location: 'path', value: last, spell: (name) => `${u.origin}${segs.slice(0, -1).join('/')}/./${name}` });
    }
  }
  return out;
}

/**
 * A login wall that matches page names as written lets "./secret.php" through. Proof: the other
 * spelling answers 200 with a page that is neither the login page nor what the same spelling of a
 * made-up name gets, by more than two made-up names differ from each other.
 */
async function* bypass(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  for (const w of walls(ctx)) {
    if (ctx.signal.aborted) return;
    const ext = w.value.includes('.') ? w.value.slice(w.value.lastIndexOf('.')) : '';
    const url = w.spell(w.value);
    const ex = await trySend(ctx, { method: 'GET', url }, { followRedirects: false });
    if (!ex || ex.response.status !== 200 || ctx.soft404.isNotFound(url, ex.response)) continue;
    const [a, b] = [await trySend(ctx, { method: 'GET', url: w.spell(`wsc${randomToken(8)}${ext}`) }, { followRedirects: false }), await trySend(ctx, { method: 'GET', url: w.spell(`wsc${randomToken(8)}${ext}`) }, { followRedirects: false })];
    const noise = a && b && a.response.status === 200 && b.response.status === 200 ? textSimilarity(a.response.body, b.response.body) : null;
    const bar = (noise ?? 1) - 0.05;
    const vsControl = a && a.response.status === 200 ? textSimilarity(ex.response.body, a.response.body) : 0;
    const vsLogin = textSimilarity(ex.response.body, w.page.response.body);
    if (vsControl >= bar || vsLogin >= bar) continue;
    yield finding(url, ex, `${firstLine(ex.response.body)}\nAccess control bypassed: ${w.page.request.url} sent us to the login page (${w.page.response.url}), but ${url}, the same ${w.location === 'query' ? `page named "./${w.value}"` : 'path with "/./"'}, answered 200 with another page (${Math.round(vsLogin * 100)}% like the login page, ${Math.round(vsControl * 100)}% like the answer for a made-up name; two made-up names are ${Math.round((noise ?? 1) * 100)}% alike): the check compares the name as written, the server resolves it.`, { wall: w.page.request.url, loginPage: w.page.response.url }, { title: 'Login check bypassed by another spelling of the page name', parameter: w.name, location: w.location, payload: w.location === 'query' ? `./${w.value}` : `/./${w.value}`, cwe: 288 });
  }
}

/**
 * Resources the crawl was refused (401/403) asked with other verbs; a finding needs a 200 that is
 * not a denial, a login page or the site's not-found page, and unlike the refusal; HEAD (no body)
 * only where a made-up path does not answer HEAD with 200 too.
 */
async function* verbTampering(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const refused = ctx.pages.filter((p) => p.request.method.toUpperCase() === 'GET' && (p.response.status === 401 || p.response.status === 403)).slice(0, MAX_TAMPERED);
  let headNoise: boolean | null = null;
  for (const page of refused) {
    const url = page.request.url;
    for (const t of TAMPERS) {
      if (ctx.signal.aborted) return;
      const ex = await trySend(ctx, t.spec(url), { followRedirects: false });
      if (!ex || ex.response.status !== 200) continue;
      if (t.bodiless) {
        headNoise ??= (await trySend(ctx, t.spec(new URL(`wsc${randomToken(10)}`, url).href), { followRedirects: false }))?.response.status === 200;
        if (headNoise) continue;
      } else if (denied(ex.response) || ctx.soft404.isNotFound(url, ex.response) || ex.response.body.trim() === '' || textSimilarity(ex.response.body, page.response.body) >= 0.9) continue;
      const what = t.bodiless ? 'answered 200 (HEAD shows no content, so this is tentative)' : `answered 200 with the resource (${firstLine(ex.response.body)})`;
      yield finding(url, ex, `${t.bodiless ? `HEAD ${new URL(url).pathname} -> 200` : firstLine(ex.response.body)}\nVerb tampering: GET ${url} was refused with ${page.response.status}, but ${t.name} ${what}: the access rule is bound to the method, not the resource.`, { tamper: t.name, refusedWith: page.response.status }, { title: 'Access control bypassed by another HTTP method', method: ex.request.method, confidence: t.bodiless ? 'tentative' : 'firm', cwe: 650 });
      break;
    }
  }
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  if (ctx.authenticated) {
    const pages = ctx.pages.filter((p) => p.request.method.toUpperCase() === 'GET' && p.response.status === 200 && !ctx.soft404.isNotFound(p.request.url, p.response)).slice(0, MAX_REPLAY);
    const protectedUrls = new Set<string>();
    yield* replay(ctx, pages, protectedUrls);
    yield* idor(ctx, pages, protectedUrls);
  }
  // the few login walls first: forced browsing may spend the rest of the budget on guesses
  yield* bypass(ctx);
  yield* verbTampering(ctx);
  yield* forcedBrowsing(ctx);
}

export const insufficientAuthorization: Check = { meta, run };
