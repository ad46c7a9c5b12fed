// DOM-based cross-site scripting, proven in a browser. Pages whose scripts read a source an
// attacker controls (static signal first, so other pages cost no browser time) are loaded with a
// payload planted in every such source at once, each with an id of its own; the payloads call a
// marker function the browser side installs before the page's scripts run. A call is the proof:
// the source whose id ran is loaded again alone, and that load, its URL and the stack of the sink
// call that received the payload make the finding. Without a browser the check yields nothing.
import { describeVisit, pageScripts, payload, ran, sinkName, sourcesFor, sourceSignal, visitFor, LIBRARY_FILE, type Plant, type Shape, type Source, type SourceSignal } from './definitions/dom-xss.js';
import { randomToken } from './definitions/injection-points.js';
import { headerValue, inParallel, renderRequest, renderResponse, trySend } from './support.js';
import type { CrawledRequest, HttpRequestSpec } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, CrawledPage, DomVisit, DomVisitResult, FindingDraft } from './types.js';

export const meta: CheckMeta = {
  id: 'dom-xss',
  item: 'XSS',
  title: 'DOM-based cross-site scripting',
  severity: 'high',
  confidence: 'certain',
  cwe: 79,
  references: [
    'https://cwe.mitre.org/data/definitions/79.html',
    'https://owasp.org/www-community/attacks/DOM_Based_XSS',
    'https://cheatsheetseries.owasp.org/cheatsheets/DOM_based_XSS_Prevention_Cheat_Sheet.html',
  ],
  remediation:
    'Never hand values from the URL, the referrer, window.name, cookies, storage or messages to HTML or code sinks: write them with textContent or setAttribute on safe attributes, allow only http(s) URLs in location, href and src, pass functions (not strings) to setTimeout/setInterval, drop eval and Function, and check event.origin exactly before using a message.',
  requestBudget: 30,
};

/**
 * Pages whose scripts are read and pages (with sources) loaded in the browser per scan, scripts
 * fetched per page and in all (same origin only),
 * pages at once; for stored DOM XSS, forms written to and pages loaded after.
 */
export const DOM_LIMITS = Object.freeze({ maxCandidates: 2000, maxPages: 150, scriptsPerPage: 12, maxScripts: 200, concurrency: 4, storedForms: 30, storedPages: 20 });

interface Hit {
  visit: DomVisit;
  result: DomVisitResult;
  id: string;
  source: Source | 'message';
  payload: string;
}

function finding(page: CrawledPage, hit: Hit, marker: string): FindingDraft {
  const call = hit.result.calls.find((c) => c.id === hit.id);
  const token = `${marker}(${hit.id})`;
  const write = hit.result.sinks.find((w) => w.value.includes(token));
  const sink = sinkName(write, call?.stack ?? '', call?.frame ?? '', hit.visit.url);
  const source = hit.source === 'message' ? { name: 'postMessage', location: null } : hit.source;
  const reproduce = describeVisit(hit.visit, hit.result.messageOrigin);
  const request = { method: 'GET', url: hit.visit.url.replace(/#.*$/, ''), ...(hit.visit.referrer ? { headers: { Referer: hit.visit.referrer } } : {}) };
  return {
    url: hit.visit.url,
    method: 'GET',
    parameter: source.name,
    location: source.location,
    payload: hit.payload,
    evidence: {
      request: renderRequest(request),
      response: renderResponse(page.response),
      proof: `${hit.payload}\nThe marker ${token} ran in the browser (DOM-based XSS): ${source.name} reached ${sink}${write ? `, called from\n${write.stack}` : ''}\nMarker call:\n${call?.stack ?? '(shown in a dialog)'}\nTo reproduce: ${reproduce}.`,
    },
    extra: { kind: 'dom', source: source.name, sink, sinkStack: write?.stack ?? null, callStack: call?.stack ?? null, frame: call?.frame ?? null, reproduce, visit: hit.visit },
  };
}

class DomScan {
  readonly marker = `wsc${randomToken(10)}`;
  private nextId = 1;
  private readonly scripts = new Map<string, string | null>();
  /** Pages whose scripts fetch data and render it: where stored values are looked for. */
  readonly renderers: CrawledPage[] = [];

  constructor(private readonly ctx: CheckContext & { browser: NonNullable<CheckContext['browser']> }) {}

  /** Inline scripts and the page's same-origin, non-library external scripts (fetched once each). */
  async scriptsOf(page: CrawledPage): Promise<string[]> {
    const { inline, srcs } = pageScripts(page.response.body, page.request.url);
    const origin = new URL(this.ctx.startUrl).origin;
    const out = [...inline];
    for (const src of srcs.filter((s) => new URL(s).origin === origin && !LIBRARY_FILE.test(new URL(s).pathname)).slice(0, DOM_LIMITS.scriptsPerPage)) {
      if (!this.scripts.has(src)) {
        if (this.scripts.size >= DOM_LIMITS.maxScripts) continue;
        const ex = await trySend(this.ctx, { method: 'GET', url: src });
        this.scripts.set(src, ex && ex.response.status < 400 ? ex.response.body : null);
      }
      const body = this.scripts.get(src);
      if (body) out.push(body);
    }
    return out;
  }

  newId = (): number => this.nextId++;

  private plants(sources: Source[], shape: Shape): Plant[] {
    return sources.map((source) => {
      const id = this.newId();
      return { id, source, payload: payload(shape, this.marker, id) };
    });
  }

  /** One source alone, loaded again: the reproduction a finding needs. */
  private async confirm(page: CrawledPage, source: Source, shape: Shape): Promise<Hit | null> {
    const [plant] = this.plants([source], shape);
    const visit = visitFor(page.request.url, this.marker, [plant!]);
    const result = await this.ctx.browser.visit(visit);
    return ran(result, this.marker).has(String(plant!.id)) ? { visit, result, id: String(plant!.id), source, payload: plant!.payload } : null;
  }

  async *page(page: CrawledPage, sig: SourceSignal): AsyncGenerator<FindingDraft> {
    const shapes: Shape[] = ['markup', 'string', ...(sig.codeSinks ? (['expression'] as const) : [])];
    let pending = sourcesFor(sig, page);
    for (const shape of shapes) {
      const groups = [pending.filter((s) => s.kind !== 'path'), pending.filter((s) => s.kind === 'path')].filter((g) => g.length > 0);
      for (const group of groups) {
        if (this.ctx.signal.aborted) return;
        const plants = this.plants(group, shape);
        const visit = visitFor(page.request.url, this.marker, plants);
        const result = await this.ctx.browser.visit(visit);
        const ids = ran(result, this.marker);
        for (const p of plants.filter((x) => ids.has(String(x.id)))) {
          // a load that planted one source is already the reproduction
          const hit = plants.length === 1 ? { visit, result, id: String(p.id), source: p.source, payload: p.payload } : await this.confirm(page, p.source, shape);
          if (!hit) {
            this.ctx.log('a marker call did not happen again with its source alone; not reported', { url: page.request.url, source: p.source.name });
            continue;
          }
          pending = pending.filter((s) => s !== p.source);
          yield finding(page, hit, this.marker);
        }
      }
      if (pending.length === 0) break;
    }
    if (sig.message) {
      const hit = await this.messages(page, sig, shapes);
      if (hit) yield finding(page, hit, this.marker);
    }
  }

  /** Messages from a page of the scanner's own origin: the payload as a string, and under the keys the handler reads. */
  private async messages(page: CrawledPage, sig: SourceSignal, shapes: Shape[]): Promise<Hit | null> {
    for (const shape of shapes) {
      if (this.ctx.signal.aborted) return null;
      const ids = [this.nextId++, this.nextId++];
      const asString = payload(shape, this.marker, ids[0]!);
      const asObject = Object.fromEntries(sig.messageKeys.map((k) => [k, payload(shape, this.marker, ids[1]!)]));
      const messages: unknown[] = [asString, ...(sig.messageKeys.length > 0 ? [asObject, JSON.stringify(asObject)] : [])];
      const url = page.request.url.replace(/#.*$/, '');
      const visit: DomVisit = { url, marker: this.marker, messages };
      const result = await this.ctx.browser.visit(visit);
      const got = ran(result, this.marker);
      const id = ids.find((i) => got.has(String(i)));
      if (id === undefined) continue;
      const sent = id === ids[0] ? asString : JSON.stringify(asObject);
      if (messages.length === 1) return { visit, result, id: String(id), source: 'message', payload: sent };
      const solo: DomVisit = { url, marker: this.marker, messages: id === ids[0] ? [asString] : [asObject, JSON.stringify(asObject)] };
      const again = await this.ctx.browser.visit(solo);
      if (!ran(again, this.marker).has(String(id))) continue;
      return { visit: solo, result: again, id: String(id), source: 'message', payload: sent };
    }
    return null;
  }
}

/**
 * Stored DOM XSS: a payload of its own in every text field of every form, sent once, then the
 * pages whose scripts fetch and render data loaded with nothing planted; a marker that runs there
 * came back from the server.
 */
async function* stored(ctx: CheckContext & { browser: NonNullable<CheckContext['browser']> }, scan: DomScan): AsyncGenerator<FindingDraft> {
  if (scan.renderers.length === 0) return;
  // A site has more forms and rendering pages than are worth a browser visit each: the pairs that
  // share a folder (a notes form and its board) go first, so a large site does not push them out.
  const dirOf = (u: string): string => u.split(/[?#]/)[0]!.replace(/[^/]*$/, '');
  const allForms = ctx.requests.filter((r) => r.bodyKind === 'urlencoded' || r.bodyKind === 'multipart');
  const formDirs = new Set(allForms.flatMap((f) => [dirOf(f.url), ...(f.referer ? [dirOf(f.referer)] : [])]));
  const near = <T>(items: T[], dirs: (t: T) => string[], wanted: Set<string>): T[] =>
    items.map((t, i) => ({ t, i, n: dirs(t).some((d) => wanted.has(d)) ? 1 : 0 })).sort((a, b) => b.n - a.n || a.i - b.i).map((x) => x.t);
  const renderers = near(scan.renderers, (p) => [dirOf(p.request.url)], formDirs).slice(0, DOM_LIMITS.storedPages);
  const renderDirs = new Set(renderers.map((p) => dirOf(p.request.url)));
  const forms = near(allForms, (f) => [dirOf(f.url), ...(f.referer ? [dirOf(f.referer)] : [])], renderDirs).slice(0, DOM_LIMITS.storedForms);
  const sent = new Map<string, { form: CrawledRequest; field: string; spec: HttpRequestSpec; payload: string }>();
  for (const form of forms) {
    if (ctx.signal.aborted) return;
    const marked: { field: string; id: string; payload: string }[] = [];
    const fields = (form.fields ?? []).map((f) => {
      if (f.filename !== undefined || /^(?:hidden|submit|button|image|checkbox|radio|password|file)$/i.test(f.type ?? '')) return f;
      const id = String(scan.newId());
      const p = payload('markup', scan.marker, Number(id));
      marked.push({ field: f.name, id, payload: p });
      return { ...f, value: p };
    });
    if (marked.length === 0) continue;
    const spec = ctx.toSpec({ ...form, fields });
    if (!(await trySend(ctx, spec, { followRedirects: false }))) continue;
    for (const m of marked) sent.set(m.id, { form, field: m.field, spec, payload: m.payload });
  }
  const reported = new Set<string>();
  for (const page of renderers) {
    if (ctx.signal.aborted || sent.size === 0) return;
    const visit: DomVisit = { url: page.request.url, marker: scan.marker, clickMarked: true };
    const result = await ctx.browser.visit(visit);
    for (const id of ran(result, scan.marker)) {
      const s = sent.get(id);
      if (!s || reported.has(`${s.form.url} ${s.field}`)) continue;
      reported.add(`${s.form.url} ${s.field}`);
      const draft = finding(page, { visit, result, id, source: { kind: 'query', name: s.field, location: s.form.bodyKind === 'multipart' ? 'multipart' : 'body' }, payload: s.payload }, scan.marker);
      yield {
        ...draft,
        url: s.form.url,
        method: s.form.method,
        evidence: { ...draft.evidence, request: renderRequest(s.spec), proof: `${draft.evidence.proof}\nStored DOM XSS: the value was sent in ${s.field} of ${s.form.method} ${s.form.url} and ran when ${page.request.url} was loaded afterwards.` },
        extra: { ...draft.extra, kind: 'dom-stored', shownOn: page.request.url },
      };
    }
  }
}

/** GET HTML pages, one per path and parameter names: DOM XSS lives in a page's scripts, not its values. */
function targets(ctx: CheckContext): CrawledPage[] {
  const seen = new Set<string>();
  const out: CrawledPage[] = [];
  for (const p of ctx.pages) {
    const ct = (headerValue(p.response, 'content-type') ?? '').toLowerCase();
    if (p.request.method.toUpperCase() !== 'GET' || p.response.status >= 400 || !(ct === '' || ct.includes('html'))) continue;
    const u = new URL(p.request.url);
    const key = `${u.origin}${u.pathname}?${[...new Set(u.searchParams.keys())].sort().join('&')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
    if (out.length >= DOM_LIMITS.maxCandidates) break;
  }
  return out;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const browser = ctx.browser;
  if (!browser) {
    ctx.log('no browser in this scan: DOM-based XSS was not tested');
    return;
  }
  const scan = new DomScan({ ...ctx, browser });
  const pages = targets(ctx);
  let done = 0;
  let loaded = 0;
  const one = async function* (page: CrawledPage): AsyncGenerator<FindingDraft> {
    const sig = sourceSignal(await scan.scriptsOf(page), page.request.url);
    // candidates beyond the pages visited, so stored() can choose those near a form
    if (sig.rendersData && scan.renderers.length < DOM_LIMITS.storedPages * 10) scan.renderers.push(page);
    if (sig.any && loaded++ < DOM_LIMITS.maxPages) yield* scan.page(page, sig);
    ctx.progress?.(++done, pages.length + 1);
  };
  yield* inParallel(pages, Math.min(DOM_LIMITS.concurrency, browser.concurrency ?? 1), one, ctx.signal);
  yield* stored({ ...ctx, browser }, scan);
  ctx.progress?.(1, 1);
}

export const domXss: Check = { meta, run };
