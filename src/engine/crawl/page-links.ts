// Everything an HTML page or a script says about further URLs, worked out without any crawl state:
// links, forms and script calls resolved to absolute URLs, each with the hash the crawler's
// seen-set is keyed by. Pure and plain-data in and out, so it can run in a worker thread
// (see extractor.ts) while the crawler's event loop keeps fetching.
import type { BodyKind, FormField } from '../../core/model.js';
import { formEntries, formSubmissions, postbackForms, type FormSkip, type FoundForm } from './forms.js';
import { DANGEROUS } from '../scope.js';
import { httpExamples } from './examples.js';
import { extractHtml } from './html.js';
import { extractJs } from './js.js';
import { fetchHash, hash53, resolveUrl, resolveUrlObject } from './normalize.js';

export type PageKind = 'html' | 'js';

export interface LinkCandidate {
  method: string;
  /** Absolute URL, fragment removed. */
  url: string;
  /** link, redirect (meta refresh), form, script */
  source: string;
  linkText?: string;
  bodyKind?: BodyKind;
  fields?: FormField[];
  rawBody?: string;
  /** Headers the request needs (a documented example's Content-Type, SOAPAction). */
  headers?: Record<string, string>;
  /** A GET form's unsent names (see CrawledRequest.absentQuery). */
  absentQuery?: string[];
  /** GET pages are fetched to find more; POST targets are only recorded. */
  fetch: boolean;
  /** fetchHash(GET, url) for plain GET candidates: the crawler's seen-set key, so a link it has seen costs no URL parsing. */
  seenKey?: number;
  /** rawLinkKey of the href, when the caller passed `known` (see pageLinks). */
  rawKey?: number;
  /**
   * `url` parsed, only when read on the caller's thread (`known` given): a URL object cannot
   * cross to another thread, and the crawler would otherwise parse a new link a second time.
   */
  parsed?: URL;
}

export interface PageLinks {
  /** The base URL links were resolved against (<base href> or the page URL). */
  base: string;
  candidates: LinkCandidate[];
  /** External scripts and modules (absolute URLs) to fetch and read. */
  scripts: string[];
  /** Form submissions left out on purpose (a destructive-looking button), for the crawl's log. */
  skipped: FormSkip[];
}

/** The fields a script's form reference sends: the page's form of that id ('' = the first form). */
type FormLookup = (ref: string, multipart: boolean) => FormField[] | null;

function fromScript(source: string, base: string, out: LinkCandidate[], scripts: string[], formFields?: FormLookup): void {
  for (const e of extractJs(source)) {
    const u = resolveUrlObject(e.url, base);
    if (!u) continue;
    if (e.via === 'import') {
      scripts.push(u.href);
      continue;
    }
    const fromForm = e.formRef !== undefined ? (formFields?.(e.formRef, e.bodyKind === 'multipart') ?? null) : null;
    if (fromForm && e.method.toUpperCase() === 'GET') {
      for (const f of fromForm) if (f.unsent !== true) u.searchParams.append(f.name, f.value);
    }
    const c: LinkCandidate = { method: e.method, url: u.href, source: 'script', fetch: e.method === 'GET' };
    if (e.bodyKind !== undefined && !(fromForm && e.method.toUpperCase() === 'GET')) c.bodyKind = e.bodyKind;
    if (fromForm && e.method.toUpperCase() !== 'GET') c.fields = fromForm;
    if (e.fields !== undefined) c.fields = e.fields;
    if (e.rawBody !== undefined) c.rawBody = e.rawBody;
    if (c.method.toUpperCase() === 'GET' && c.fields === undefined && c.rawBody === undefined) c.seenKey = fetchHash('GET', u);
    out.push(c);
  }
}

/** "scheme://authority" of an absolute URL string: all that a path-absolute href takes from its base. */
function authorityOf(base: string): string {
  const i = base.indexOf('/', base.indexOf('://') + 3);
  return i < 0 ? base : base.slice(0, i);
}

/**
 * A hash that identifies what `href` resolves to against a base: resolution is a pure function of
 * the two, of the base's authority alone for a path-absolute href ("/x", but not "//x" or "/\\x",
 * which name another host), and of nothing for an absolute one.
 */
function rawLinkKey(href: string, baseSeed: number, authoritySeed: number): number {
  const c1 = href.charCodeAt(1);
  if (href.charCodeAt(0) === 0x2f && c1 !== 0x2f && c1 !== 0x5c) return hash53(href, authoritySeed);
  if (/^https?:\/\//i.test(href)) return hash53(href, 1);
  return hash53(href, baseSeed);
}

/**
 * The URLs `body` (fetched from `pageUrl`) leads to, at most `maxCandidates` of them (the crawl
 * passes its maxUrls: one page cannot usefully name more). `known`, when given, is asked about
 * each link's raw key first: menus and footers repeat on every page, and a link the caller has
 * already resolved to a seen URL is dropped before paying for URL parsing. Candidates then carry
 * rawKey.
 */
export function pageLinks(kind: PageKind, body: string, pageUrl: string, known?: (rawKey: number) => boolean, maxCandidates = Infinity): PageLinks {
  const candidates: LinkCandidate[] = [];
  if (kind === 'js') {
    const imports: string[] = [];
    fromScript(body, pageUrl, candidates, imports);
    return { base: pageUrl, candidates: capped(candidates, maxCandidates), scripts: capped(imports, maxCandidates), skipped: [] };
  }
  const html = extractHtml(body);
  const skipped: FormSkip[] = [];
  let base = pageUrl;
  if (html.base !== null) base = resolveUrl(html.base, pageUrl) ?? pageUrl;
  const authoritySeed = known ? hash53(authorityOf(base)) : 0;
  const baseSeed = known ? hash53(base, 2) : 0;
  for (const l of html.links) {
    // A page with a million links must not become a million objects (and, from a thread, a
    // million cloned ones): past the cap the rest of the page's links are dropped.
    if (candidates.length >= maxCandidates) break;
    const raw = known ? rawLinkKey(l.url, baseSeed, authoritySeed) : undefined;
    if (raw !== undefined && known?.(raw) === true) continue;
    const u = resolveUrlObject(l.url, base);
    if (!u) continue;
    const c: LinkCandidate = { method: 'GET', url: u.href, source: l.kind === 'meta-refresh' ? 'redirect' : 'link', fetch: true, seenKey: fetchHash('GET', u) };
    if (l.text) c.linkText = l.text;
    if (raw !== undefined) {
      c.rawKey = raw;
      c.parsed = u;
    }
    candidates.push(c);
  }
  for (const f of [...html.forms, ...html.forms.flatMap((form) => postbackForms(form, html.scripts))]) {
    if (candidates.length >= maxCandidates) break;
    const subs = formSubmissions(f, pageUrl, base);
    skipped.push(...subs.skipped);
    for (const sub of subs.submissions) {
      const c: LinkCandidate = { method: sub.method, url: sub.url, source: 'form', fetch: sub.method === 'GET' };
      if (sub.submitter !== undefined) c.linkText = sub.submitter;
      if (sub.method === 'GET') c.seenKey = fetchHash('GET', new URL(sub.url));
      if (sub.bodyKind !== undefined) c.bodyKind = sub.bodyKind;
      if (sub.fields !== undefined) c.fields = sub.fields;
      if (sub.absentQuery !== undefined) c.absentQuery = sub.absentQuery;
      candidates.push(c);
    }
  }
  const origin = new URL(pageUrl).origin;
  for (const block of html.examples) {
    for (const ex of httpExamples(block)) {
      if (candidates.length >= maxCandidates) break;
      const u = resolveUrlObject(ex.target, origin);
      if (!u) continue;
      // an example that deletes or logs out (a deleteUser operation) is not one we replay
      if (DANGEROUS.test(`${ex.target} ${ex.headers.SOAPAction ?? ''} ${ex.rawBody ?? ''}`)) {
        skipped.push({ url: u.href, why: 'the documented request looks destructive' });
        continue;
      }
      const c: LinkCandidate = { method: ex.method, url: u.href, source: 'example', fetch: ex.method === 'GET' };
      if (Object.keys(ex.headers).length > 0) c.headers = ex.headers;
      if (ex.bodyKind !== undefined) c.bodyKind = ex.bodyKind;
      if (ex.fields !== undefined) c.fields = ex.fields;
      if (ex.rawBody !== undefined) c.rawBody = ex.rawBody;
      if (ex.method === 'GET') c.seenKey = fetchHash('GET', u);
      candidates.push(c);
    }
  }
  const scripts: string[] = [];
  const formFields: FormLookup = (ref, multipart) => {
    const f: FoundForm | undefined = ref === '' ? html.forms[0] : html.forms.find((x) => x.id === ref);
    return f ? formEntries(f, pageUrl, multipart) : null;
  };
  for (const s of html.scripts) {
    if (candidates.length >= maxCandidates) break;
    fromScript(s, base, candidates, scripts, formFields);
  }
  for (const src of html.scriptSrcs) {
    if (scripts.length >= maxCandidates) break;
    const u = resolveUrl(src, base);
    if (u) scripts.push(u);
  }
  return { base, candidates: capped(candidates, maxCandidates), scripts: capped(scripts, maxCandidates), skipped };
}

function capped<T>(list: T[], max: number): T[] {
  if (list.length > max) list.length = max;
  return list;
}
