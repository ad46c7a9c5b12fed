// Anti-CSRF tokens. A form (or a script's request) whose page hands out a token is attacked with a
// token the server accepts, as ZAP does: the engine finds the token once per target, checks once
// that a fresh one is accepted where a made-up one is not, and, when a token is single-use,
// fetches the form page again before each attack submission and puts the new value in. Checks
// never see any of this: they build and send requests as usual, and the engine fills the token in.
//
// Where tokens are looked for, on the page the target was found on (its `referer`):
// - hidden inputs of the same form, by name (csrf, xsrf, _token, authenticity_token, nonce,
//   __RequestVerificationToken, __VIEWSTATE...) or because their value changes between two loads;
// - for a script's unsafe request (POST, PUT, PATCH, DELETE): a <meta name="csrf-token"> (and
//   kin) echoed in a header (the page's <meta name="_csrf_header">, an X-CSRF-Token-like name the
//   page mentions, else X-CSRF-Token), and a double-submit cookie (XSRF-TOKEN, csrftoken...) from
//   the session's jar echoed in its header (X-XSRF-TOKEN, X-CSRFToken...).
import { randomBytes } from 'node:crypto';
import type { CrawledRequest, HttpExchange, HttpRequestSpec, InsertionLocation } from '../core/model.js';
import type { CrawledPage, InsertionPoint, SendOptions } from '../checks/types.js';
import { tokenize } from './crawl/html.js';
import { formEncode } from './insertion-points.js';
import type { EngineHooks } from './types.js';

export interface TokenStats {
  /** Targets found to carry an anti-CSRF token. */
  forms: number;
  /** Fetches of a form page made to get a fresh single-use token before a submission. */
  refreshes: number;
  /** Targets whose fresh token the server still refused: their attacks cannot reach the code behind it. */
  rejected: number;
  /** Every request the token handling sent (detection loads, validation submissions, refreshes). */
  requests: number;
}

type Sender = (spec: HttpRequestSpec, opts?: SendOptions) => Promise<HttpExchange>;

export interface AntiCsrfOptions {
  /** The session's send: these requests count against the job's budget, not a check's. */
  send: Sender;
  /** The session's cookie jar, for double-submit cookies. */
  cookies?: { cookiesFor(url: string): [string, string][] };
  pages: readonly CrawledPage[];
  requests: readonly CrawledRequest[];
  /** Renders a crawled request as it would be sent (toSpec). */
  render(request: CrawledRequest): HttpRequestSpec;
  log?: EngineHooks['log'];
}

/** Hidden input names that carry a token or server state a submission must echo. */
const TOKEN_NAME =
  /csrf|xsrf|anti-?forgery|authenticity_token|requestverificationtoken|^_?token$|_token$|^token_|nonce|^__eventvalidation$|^__viewstate|^form_key$|^form_build_id$|^formhash$/i;
const META_NAME = /^(?:csrf[-_]?token|_csrf|xsrf[-_]?token|csrf|_token|__requestverificationtoken)$/i;
const HEADER_IN_PAGE = /['"](x-(?:csrf|xsrf)[-_]?token|x-csrftoken)['"]/i;
/** Double-submit cookies and the header their framework reads the echo from. */
const COOKIE_HEADERS: [RegExp, string][] = [
  [/^xsrf-token$/i, 'X-XSRF-TOKEN'],
  [/^csrftoken$/i, 'X-CSRFToken'],
  [/^(?:csrf[-_]token|_csrf|x-csrf-token)$/i, 'X-CSRF-Token'],
];
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** A refused submission says so in a status or in its text. */
const REFUSAL_STATUS = new Set([400, 401, 403, 419, 422, 440, 498]);
const REFUSAL_WORDS = /csrf|xsrf|token|forg|expired|invalid|verif|security|denied|forbidden|session|refused|rejected/gi;

interface PageInput {
  name: string;
  type: string;
  value: string;
}

interface PageForm {
  /** Absolute action URL, fragment removed. */
  action: string;
  method: string;
  inputs: PageInput[];
}

interface ReadPage {
  forms: PageForm[];
  metas: Map<string, string>;
  /** A CSRF header name the page's markup or scripts mention. */
  headerName: string | null;
}

function resolve(href: string, base: string): string | null {
  try {
    const u = new URL(href, base);
    u.hash = '';
    return u.href;
  } catch {
    // an action that is not a URL names no form target
    return null;
  }
}

/** Forms (with every input's type), meta tags and a mentioned CSRF header name, from one page. */
export function readPage(html: string, pageUrl: string): ReadPage {
  const out: ReadPage = { forms: [], metas: new Map(), headerName: HEADER_IN_PAGE.exec(html)?.[1] ?? null };
  let base = pageUrl;
  let current: PageForm | null = null;
  tokenize(html, {
    onopentag(name, attrs) {
      if (name === 'base' && attrs.href !== undefined) base = resolve(attrs.href, pageUrl) ?? base;
      else if (name === 'meta' && attrs.name !== undefined && attrs.content !== undefined) {
        if (!out.metas.has(attrs.name.toLowerCase())) out.metas.set(attrs.name.toLowerCase(), attrs.content);
      } else if (name === 'form') {
        const action = attrs.action ? resolve(attrs.action, base) : resolve(pageUrl, pageUrl);
        current = { action: action ?? pageUrl, method: (attrs.method ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET', inputs: [] };
        out.forms.push(current);
      } else if (name === 'input' && current && attrs.name && attrs.disabled === undefined) {
        current.inputs.push({ name: attrs.name, type: (attrs.type ?? 'text').toLowerCase(), value: attrs.value ?? '' });
      }
    },
    ontext() {
      // only tags and attributes matter here
    },
    onclosetag(name) {
      if (name === 'form') current = null;
    },
    wantsText: () => false,
  });
  return out;
}

/** The URL a GET form's fields are not part of, or the URL itself for any other request. */
function targetUrl(method: string, url: string): string {
  const noHash = url.split('#')[0] as string;
  return method === 'GET' ? (noHash.split('?')[0] as string) : noHash;
}

/** Field names and values of a crawled form submission (body fields, or a GET form's query). */
function fieldsOf(r: CrawledRequest): { name: string; value: string }[] {
  if (r.bodyKind === 'urlencoded' || r.bodyKind === 'multipart') return (r.fields ?? []).filter((f) => f.filename === undefined);
  if (r.method.toUpperCase() !== 'GET') return [];
  const q = r.url.split('#')[0]?.split('?')[1];
  return q ? [...new URLSearchParams(q)].map(([name, value]) => ({ name, value })) : [];
}

/** The form of `page` that `r` submits: same method and action, most field names in common. */
function formFor(page: ReadPage, r: CrawledRequest): PageForm | null {
  const method = r.method.toUpperCase();
  const target = targetUrl(method, r.url);
  const names = new Set(fieldsOf(r).map((f) => f.name));
  let best: PageForm | null = null;
  let bestScore = -1;
  for (const f of page.forms) {
    if (f.method !== method || targetUrl(method, f.action) !== target) continue;
    const score = f.inputs.filter((i) => names.has(i.name)).length;
    if (score > bestScore) {
      best = f;
      bestScore = score;
    }
  }
  return best;
}

interface Slot {
  /** Where the value goes: a form field (body or a GET form's query) or a request header. */
  kind: 'field' | 'header';
  /** Field or header name. */
  name: string;
  /** Where a fresh value comes from: the form's hidden input, a meta tag, or the cookie jar. */
  from: 'hidden' | 'meta' | 'cookie';
  /** Input name, meta name or cookie name. */
  key: string;
  /** The value the crawled request carries (fields only). */
  crawled: string;
}

interface Profile {
  key: string;
  /** The page the token comes from. */
  page: string;
  request: CrawledRequest;
  slots: Slot[];
  /** Fetch the page again before each submission (a single-use token). */
  refresh: boolean;
  /** Latest page-sourced values, by slot key. */
  values: Map<string, string>;
  /** The jar's cookies for the page when `values` were loaded: a new session cookie means new tokens. */
  jar: string;
  /** Serialises refresh-and-submit on one page, so that two checks do not spend each other's token. */
  lock: Promise<void>;
}

interface Origin {
  request: CrawledRequest;
  /** The insertion point the spec was built for: a token field under test is left as the check built it. */
  point?: { location: InsertionLocation; name: string };
}

function headerGet(h: Record<string, string> | undefined, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(h ?? {})) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function withHeader(h: Record<string, string> | undefined, name: string, value: string): Record<string, string> {
  const lower = name.toLowerCase();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (k.toLowerCase() !== lower) out[k] = v;
  out[name] = value;
  return out;
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    // a malformed escape is compared as written
    return s;
  }
}

/** Reads or replaces `name` in urlencoded text; `set` undefined only reads. */
function urlencodedField(text: string, name: string, set?: string): { text: string; value: string | undefined } {
  let value: string | undefined;
  const pairs = text.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const n = formDecode(eq === -1 ? pair : pair.slice(0, eq));
    if (n !== name) return pair;
    if (value === undefined) value = formDecode(eq === -1 ? '' : pair.slice(eq + 1));
    return set === undefined ? pair : `${eq === -1 ? pair : pair.slice(0, eq)}=${formEncode(set)}`;
  });
  return { text: pairs.join('&'), value };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Reads or replaces a text part of a multipart body (as insertion-points.ts renders it). */
function multipartField(body: string, name: string, set?: string): { text: string; value: string | undefined } {
  const quoted = name.replace(/"/g, '%22').replace(/\r|\n/g, ' ');
  const re = new RegExp(`(Content-Disposition: form-data; name="${escapeRegExp(quoted)}"\\r\\n\\r\\n)([\\s\\S]*?)(\\r\\n--)`);
  const m = re.exec(body);
  if (!m) return { text: body, value: undefined };
  if (set === undefined) return { text: body, value: m[2] };
  return { text: body.slice(0, m.index) + (m[1] as string) + set + body.slice(m.index + (m[1] as string).length + (m[2] as string).length), value: m[2] };
}

/** Reads or replaces a form field in a spec built from `r`; `set` undefined only reads. */
function specField(r: CrawledRequest, spec: HttpRequestSpec, name: string, set?: string): { spec: HttpRequestSpec; value: string | undefined } {
  if ((r.bodyKind === 'urlencoded' || r.bodyKind === 'multipart') && typeof spec.body === 'string') {
    const res = r.bodyKind === 'urlencoded' ? urlencodedField(spec.body, name, set) : multipartField(spec.body, name, set);
    return { spec: set === undefined ? spec : { ...spec, body: res.text }, value: res.value };
  }
  const q = spec.url.indexOf('?');
  if (q === -1) return { spec, value: undefined };
  const res = urlencodedField(spec.url.slice(q + 1), name, set);
  return { spec: set === undefined ? spec : { ...spec, url: spec.url.slice(0, q + 1) + res.text }, value: res.value };
}

/** Answers alike once long random-looking runs (tokens, ids) are masked: line overlap of 90 %. */
function alike(a: HttpExchange, b: HttpExchange): boolean {
  if (a.response.status !== b.response.status) return false;
  if ((a.response.headers['location'] ?? '') !== (b.response.headers['location'] ?? '')) return false;
  const mask = (s: string): string[] => s.replace(/[A-Za-z0-9+/=_.-]{16,}/g, '*').split(/\r?\n|(?=<)/);
  const la = mask(a.response.body);
  const lb = mask(b.response.body);
  if (la.join('\n') === lb.join('\n')) return true;
  const counts = new Map<string, number>();
  for (const l of la) counts.set(l, (counts.get(l) ?? 0) + 1);
  let common = 0;
  for (const l of lb) {
    const n = counts.get(l) ?? 0;
    if (n > 0) {
      common++;
      counts.set(l, n - 1);
    }
  }
  return common / Math.max(la.length, lb.length) >= 0.9;
}

function visibleText(html: string): string {
  return html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/gi, ' ').replace(/<[^<>]*>/g, ' ');
}

/**
 * A refusal status, or refusal words the form's own page does not hold: a site whose every page
 * says "security level" or "session" in its header does not refuse each submission.
 */
function looksRefused(ex: HttpExchange, formPage: string): boolean {
  if (REFUSAL_STATUS.has(ex.response.status)) return true;
  const own = new Set([...visibleText(formPage).matchAll(REFUSAL_WORDS)].map((m) => m[0].toLowerCase()));
  for (const m of visibleText(ex.response.body).slice(0, 4096).matchAll(REFUSAL_WORDS)) if (!own.has(m[0].toLowerCase())) return true;
  return false;
}

// Errors about one request only (see session.ts); anything else (abort, the job's budget) ends the check.
const PER_REQUEST_ERRORS = new Set(['OutOfScopeError', 'TimeoutError', 'TransportError']);

function perRequest(err: unknown): boolean {
  return err instanceof Error && PER_REQUEST_ERRORS.has(err.name);
}

/** The anti-CSRF token handling of one scan phase; runChecks wires it into every check's context. */
export class AntiCsrf {
  readonly stats: TokenStats = { forms: 0, refreshes: 0, rejected: 0, requests: 0 };
  private readonly origins = new WeakMap<HttpRequestSpec, Origin>();
  private readonly profiles = new Map<string, Promise<Profile | null>>();
  private byPath: Map<string, CrawledRequest[]> | null = null;

  constructor(private readonly o: AntiCsrfOptions) {}

  /** Whether a target can carry a token we know how to refresh. */
  private candidate(r: CrawledRequest): boolean {
    if (r.referer === undefined) return false;
    if (r.source === 'form') return true;
    return r.source === 'script' && UNSAFE.has(r.method.toUpperCase());
  }

  /**
   * The anti-CSRF tokens found for a target (form fields or request headers); empty when it carries
   * none. Detection is the one every check's submissions get (and shares its cost and cache).
   */
  async tokensOf(r: CrawledRequest): Promise<{ kind: 'field' | 'header'; name: string }[]> {
    if (!this.candidate(r)) return [];
    const profile = await this.profile(r);
    return profile ? profile.slots.map((s) => ({ kind: s.kind, name: s.name })) : [];
  }

  /** Wraps a request's insertion points so the specs they build are known to come from it. */
  points(request: CrawledRequest, points: InsertionPoint[]): InsertionPoint[] {
    if (!this.candidate(request)) return points;
    return points.map((p) => ({
      ...p,
      build: (payload: string, mode?: 'replace' | 'append') => {
        const spec = p.build(payload, mode);
        this.origins.set(spec, { request, point: { location: p.location, name: p.name } });
        return spec;
      },
    }));
  }

  /** Records that `spec` renders `request` as a whole (ctx.toSpec). */
  spec(request: CrawledRequest, spec: HttpRequestSpec): HttpRequestSpec {
    if (this.candidate(request)) this.origins.set(spec, { request });
    return spec;
  }

  /**
   * A spec a check copied or changed after building it: the crawled target with its method and
   * URL (a GET form's without the query) whose page its Referer names (every rendered target
   * carries one; a check's own plain GET of the same URL does not).
   */
  private guess(spec: HttpRequestSpec): Origin | null {
    if (this.byPath === null) {
      this.byPath = new Map();
      for (const r of this.o.requests) {
        if (!this.candidate(r)) continue;
        const k = `${r.method.toUpperCase()} ${targetUrl(r.method.toUpperCase(), r.url)}`;
        const list = this.byPath.get(k) ?? [];
        list.push(r);
        this.byPath.set(k, list);
      }
    }
    const method = spec.method.toUpperCase();
    const list = this.byPath.get(`${method} ${targetUrl(method, spec.url)}`);
    if (!list) return null;
    const referer = headerGet(spec.headers, 'referer');
    const request = referer === undefined ? undefined : list.find((r) => r.referer === referer);
    return request ? { request } : null;
  }

  /** Sends a check's request with fresh token values where its target carries a token. */
  async send(spec: HttpRequestSpec, opts: SendOptions | undefined, send: Sender): Promise<HttpExchange> {
    // an anonymous request has no session for a token to belong to
    if (opts?.withoutAuth === true) return send(spec, opts);
    const origin = this.origins.get(spec) ?? this.guess(spec);
    if (!origin) return send(spec, opts);
    const profile = await this.profile(origin.request);
    if (!profile) return send(spec, opts);
    const pageSourced = profile.slots.some((s) => s.from !== 'cookie');
    if (!profile.refresh && (!pageSourced || this.jarState(profile.page) === profile.jar)) return send(this.fill(profile, origin, spec, profile.values), opts);
    // a single-use token, or a session cookie that changed since the values were loaded (an attack
    // on the session cookie can make the site start a new session): a fresh load right before the
    // submission, one at a time per page
    const previous = profile.lock;
    let release!: () => void;
    profile.lock = new Promise((r) => (release = r));
    try {
      await previous;
      const stale = profile.refresh || this.jarState(profile.page) !== profile.jar;
      const values = (stale ? await this.load(profile, true) : null) ?? profile.values;
      return await send(this.fill(profile, origin, spec, values), opts);
    } finally {
      release();
    }
  }

  private jarState(url: string): string {
    return (this.o.cookies?.cookiesFor(url) ?? []).map(([n, v]) => `${n}=${v}`).join('; ');
  }

  /** Puts token values into a spec, leaving alone a token field the check is testing. */
  private fill(profile: Profile, origin: Origin, spec: HttpRequestSpec, values: Map<string, string>): HttpRequestSpec {
    let out = spec;
    const tracked = this.origins.has(spec);
    for (const s of profile.slots) {
      const value = this.valueOf(profile, s, values);
      if (value === undefined) continue;
      const p = origin.point;
      const fieldPoint = p !== undefined && (p.location === 'body' || p.location === 'multipart' || p.location === 'query');
      if (s.kind === 'header') {
        if (p?.location === 'header' && p.name.toLowerCase() === s.name.toLowerCase()) continue;
        out = { ...out, headers: withHeader(out.headers, s.name, value) };
        continue;
      }
      if (fieldPoint && p.name === s.name) continue;
      // a spec we did not see built: only a token still holding the crawled value is ours to replace
      if (!tracked && specField(profile.request, out, s.name).value !== s.crawled) continue;
      out = specField(profile.request, out, s.name, value).spec;
    }
    return out;
  }

  private valueOf(profile: Profile, s: Slot, values: Map<string, string>): string | undefined {
    if (s.from !== 'cookie') return values.get(s.key);
    for (const [n, v] of this.o.cookies?.cookiesFor(profile.request.url) ?? []) if (n === s.key) return v;
    return undefined;
  }

  /** The page a target's token comes from: its referer, or the page that loaded the script it was found in. */
  private pageOf(r: CrawledRequest): string {
    const referer = r.referer as string;
    if (r.source !== 'script') return referer;
    const script = this.o.requests.find((q) => q.source === 'script' && q.url === referer) ?? this.o.pages.find((p) => p.request.source === 'script' && p.request.url === referer)?.request;
    return script?.referer ?? referer;
  }

  private keyOf(r: CrawledRequest): string {
    const method = r.method.toUpperCase();
    return `${method} ${targetUrl(method, r.url)} ${r.referer ?? ''}`;
  }

  private profile(r: CrawledRequest): Promise<Profile | null> {
    const key = this.keyOf(r);
    let p = this.profiles.get(key);
    if (!p) {
      // detection reads the crawled target, not the copy a check rendered (Information Disclosure
      // renames fields to name[], the stored-XSS pass appends canaries): the first to ask must not
      // decide the token away for every check after it
      const crawled = this.o.requests.includes(r) ? r : (this.o.requests.find((q) => this.candidate(q) && this.keyOf(q) === key) ?? r);
      p = this.detect(key, crawled);
      this.profiles.set(key, p);
    }
    return p;
  }

  /** One GET of the page through the session, counted; null when that one request failed. */
  private async fetchPage(url: string): Promise<string | null> {
    this.stats.requests++;
    try {
      const ex = await this.o.send({ method: 'GET', url }, { followRedirects: true });
      return ex.response.body;
    } catch (err) {
      if (!perRequest(err)) throw err;
      this.o.log?.('debug', 'anti-CSRF: the form page could not be loaded', { url, error: err instanceof Error ? err.message : String(err) });
      return null;
    }
  }

  /** Page-sourced token values from a fresh load; null when the page or the form could not be read. */
  private async load(profile: Profile, counted: boolean): Promise<Map<string, string> | null> {
    const body = await this.fetchPage(profile.page);
    if (counted) this.stats.refreshes++;
    if (body === null) return null;
    const values = this.valuesFrom(readPage(body, profile.page), profile.request, profile.slots);
    if (values) {
      profile.values = values;
      profile.jar = this.jarState(profile.page);
    }
    return values;
  }

  private valuesFrom(page: ReadPage, r: CrawledRequest, slots: Slot[]): Map<string, string> | null {
    const values = new Map<string, string>();
    const form = slots.some((s) => s.from === 'hidden') ? formFor(page, r) : null;
    for (const s of slots) {
      if (s.from === 'hidden') {
        const v = form?.inputs.find((i) => i.name === s.key)?.value;
        if (v === undefined) return null;
        values.set(s.key, v);
      } else if (s.from === 'meta') {
        const v = page.metas.get(s.key);
        if (v === undefined) return null;
        values.set(s.key, v);
      }
    }
    return values;
  }

  private async detect(key: string, r: CrawledRequest): Promise<Profile | null> {
    const page = this.pageOf(r);
    const crawled = this.o.pages.find((p) => p.request.url === page && p.response.body !== '');
    const firstBody = crawled ? crawled.response.body : await this.fetchPage(page);
    if (firstBody === null) return null;
    const first = readPage(firstBody, page);
    const fields = new Map(fieldsOf(r).map((f) => [f.name, f.value]));
    const slots: Slot[] = [];
    let second: ReadPage | null = null;
    const again = async (): Promise<ReadPage | null> => {
      if (second === null) {
        const body = await this.fetchPage(page);
        if (body !== null) second = readPage(body, page);
      }
      return second;
    };
    let rotating = false;
    if (r.source === 'form') {
      const form = formFor(first, r);
      const hidden = (form?.inputs ?? []).filter((i) => i.type === 'hidden' && fields.has(i.name));
      // a form without hidden inputs it submits has nowhere to carry a token: no second load
      if (hidden.length === 0) return null;
      const next = await again();
      const nextForm = next ? formFor(next, r) : null;
      for (const h of hidden) {
        const later = nextForm?.inputs.find((i) => i.name === h.name)?.value;
        const changes = later !== undefined && later !== h.value;
        if (!changes && !TOKEN_NAME.test(h.name)) continue;
        rotating ||= changes;
        slots.push({ kind: 'field', name: h.name, from: 'hidden', key: h.name, crawled: fields.get(h.name) ?? '' });
      }
    } else {
      const metaKey = [...first.metas.keys()].find((k) => META_NAME.test(k));
      if (metaKey !== undefined) {
        const header = first.metas.get('_csrf_header') ?? first.headerName ?? 'X-CSRF-Token';
        const next = await again();
        rotating = next !== null && next.metas.get(metaKey) !== first.metas.get(metaKey);
        slots.push({ kind: 'header', name: header, from: 'meta', key: metaKey, crawled: '' });
      }
      for (const [name] of this.o.cookies?.cookiesFor(r.url) ?? []) {
        const header = COOKIE_HEADERS.find(([re]) => re.test(name))?.[1];
        if (header && !slots.some((s) => s.name.toLowerCase() === header.toLowerCase())) slots.push({ kind: 'header', name: header, from: 'cookie', key: name, crawled: '' });
      }
    }
    if (slots.length === 0) return null;
    const latest: ReadPage = second ?? first;
    const profile: Profile = { key, page, request: r, slots, refresh: rotating, values: this.valuesFrom(latest, r, slots) ?? new Map(), jar: this.jarState(page), lock: Promise.resolve() };
    this.stats.forms++;
    await this.validate(profile);
    this.o.log?.('info', 'anti-CSRF token found', {
      page,
      target: `${r.method.toUpperCase()} ${targetUrl(r.method.toUpperCase(), r.url)}`,
      tokens: slots.map((s) => `${s.kind} ${s.name} (${s.from})`),
      refreshEachSubmission: profile.refresh,
    });
    return profile;
  }

  /**
   * One submission of the crawled values with the token of the latest load, the same again (a
   * single-use token is then refused), and one with a made-up token. Fresh like made-up: either
   * the token is not checked, or it is refused however fresh, which a refusal-looking answer tells
   * apart; neither is helped by refreshing. Fresh accepted, its reuse refused: single-use, so each
   * submission gets a fresh load. Fresh and reused accepted: the token is kept as it is.
   */
  private async validate(profile: Profile): Promise<void> {
    const base = this.o.render(profile.request);
    const origin: Origin = { request: profile.request };
    const garbage = new Map([...profile.values].map(([k, v]) => [k, randomBytes(Math.max(8, Math.ceil(v.length / 2))).toString('hex').slice(0, Math.max(16, v.length))]));
    const submit = async (values: Map<string, string>, madeUp: boolean): Promise<HttpExchange | null> => {
      let spec = this.fill(profile, origin, base, values);
      if (madeUp) for (const s of profile.slots) if (s.from === 'cookie') spec = { ...spec, headers: withHeader(spec.headers, s.name, randomBytes(16).toString('hex')) };
      this.stats.requests++;
      try {
        return await this.o.send(spec, { followRedirects: false });
      } catch (err) {
        if (!perRequest(err)) throw err;
        return null;
      }
    };
    const fresh = await submit(profile.values, false);
    const pageSourced = profile.slots.some((s) => s.from !== 'cookie');
    const reused = pageSourced ? await submit(profile.values, false) : null;
    const madeUp = await submit(garbage, true);
    // a submission that failed on the wire proves nothing: refreshing each time is the safe guess
    if (!fresh || !madeUp || (pageSourced && !reused)) {
      profile.refresh = pageSourced;
      return;
    }
    if (alike(fresh, madeUp)) {
      profile.refresh = false;
      if (looksRefused(fresh, this.o.pages.find((p) => p.request.url === profile.page)?.response.body ?? '')) {
        this.stats.rejected++;
        this.o.log?.('warn', 'anti-CSRF token refused even when fresh: attacks on this form cannot reach the code behind it, so it is not shown safe', {
          page: profile.page,
          target: `${profile.request.method.toUpperCase()} ${profile.request.url}`,
          status: fresh.response.status,
          tokens: profile.slots.map((s) => s.name),
        });
      }
      return;
    }
    profile.refresh = reused !== null && !alike(reused, fresh);
  }
}
