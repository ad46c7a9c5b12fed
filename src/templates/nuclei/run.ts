// Running one Nuclei template request: {{...}} values filled in for a target place, the path or
// raw request turned into a request spec, and the response judged by the matchers and extractors.
import { randomBytes } from 'node:crypto';
import type { HttpRequestSpec, HttpResponseData } from '../../core/model.js';
import { DslError, evalDsl, parseDsl, regexOf, str, toBytes, truthy, type Value } from './dsl.js';
import type { NucleiExtractor, NucleiMatcher, NucleiRequest, NucleiTemplate } from './format.js';
import { queryJson } from './json-path.js';

export type Vars = Record<string, Value>;

/**
 * The built-in values for one place the template runs at: `base` is an application root with a
 * trailing slash (http://host:port/app/). BaseURL is that root without its slash, RootURL the origin.
 */
export function placeVars(base: string): Vars {
  const u = new URL(base);
  const baseUrl = (u.origin + u.pathname).replace(/\/+$/, '');
  return {
    BaseURL: baseUrl,
    RootURL: u.origin,
    Hostname: u.host,
    Host: u.hostname,
    Port: u.port || (u.protocol === 'https:' ? '443' : '80'),
    Path: u.pathname.replace(/\/+$/, ''),
    File: '',
    Scheme: u.protocol.replace(':', ''),
    FQDN: u.hostname,
    Input: baseUrl,
    // letters only: it must not be something a page already says
    randstr: 'wsc' + [...randomBytes(10)].map((b) => String.fromCharCode(97 + (b % 26))).join(''),
  };
}

/** Fills every {{expression}}; null when one cannot be computed (e.g. an extractor found nothing). */
export function fill(text: string, vars: Vars): string | null {
  let failed = false;
  const out = text.replace(/\{\{([^{}]*)\}\}/g, (_, inner: string) => {
    const name = inner.trim();
    if (name === 'interactsh-url') {
      const v = vars[name];
      if (v === undefined) failed = true;
      return v === undefined ? '' : str(v);
    }
    // randstr_1, randstr_2...: one fresh value per name and place, like randstr
    if (/^randstr_\d+$/.test(name) && vars[name] === undefined) vars[name] = 'wsc' + [...randomBytes(10)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
    try {
      return str(evalDsl(parseDsl(inner.trim()), vars));
    } catch (err) {
      if (!(err instanceof DslError)) throw err;
      failed = true;
      return '';
    }
  });
  return failed ? null : out;
}

/** The template's variables, in order, on top of the place's (a variable may use earlier ones). */
export function templateVars(t: NucleiTemplate, place: Vars): Vars | null {
  const vars: Vars = { ...place };
  for (const [k, text] of t.variables) {
    const v = fill(text, vars);
    if (v === null) return null;
    vars[k] = v;
  }
  return vars;
}

/** The requests one template request stands for at a place (each path or raw entry). */
export interface BuiltRequest {
  spec: HttpRequestSpec;
  label: string;
  /** From a raw request's @timeout annotation. */
  timeoutMs?: number;
}

export function buildSpecs(req: NucleiRequest, vars: Vars): BuiltRequest[] {
  const origin = String(vars.RootURL);
  const out: BuiltRequest[] = [];
  for (const p of req.paths) {
    let url = fill(p, vars);
    if (url === null) continue;
    if (url.startsWith(String(vars.Hostname))) url = `${String(vars.Scheme)}://${url}`;
    else if (url.startsWith('/')) url = String(vars.BaseURL) + url;
    if (!/^https?:\/\//.test(url)) continue;
    const headers: Record<string, string> = {};
    let ok = true;
    for (const [k, v] of Object.entries(req.headers)) {
      const f = fill(v, vars);
      if (f === null) ok = false;
      else headers[k] = f;
    }
    const body = req.body === null ? null : fill(req.body, vars);
    if (!ok || (req.body !== null && body === null)) continue;
    out.push({ spec: { method: req.method, url, ...(Object.keys(headers).length ? { headers } : {}), ...(body !== null ? { body } : {}) }, label: p });
  }
  for (const r of req.raw) {
    let text = fill(r.replace(/^\s+/, ''), vars);
    if (text === null) continue;
    let timeoutMs: number | undefined;
    const annotation = /^@timeout:?\s*(\d+)s\s*\r?\n/.exec(text);
    if (annotation) {
      timeoutMs = Math.min(60, Number(annotation[1])) * 1000;
      text = text.slice(annotation[0].length);
    }
    const spec = parseRaw(text, origin, req.disablePathAutomerge ? '' : String(vars.Path));
    if (spec) out.push({ spec, label: text.split(/\r?\n/, 1)[0] as string, ...(timeoutMs ? { timeoutMs } : {}) });
  }
  return out;
}

/** A raw request's text as a spec: Host and Content-Length are the client's to set. */
export function parseRaw(text: string, origin: string, basePath: string): HttpRequestSpec | null {
  const norm = text.replace(/\r\n/g, '\n');
  const split = norm.indexOf('\n\n');
  const head = split === -1 ? norm.replace(/\n+$/, '') : norm.slice(0, split);
  // YAML block scalars end with a line break the request body never had
  const body = split === -1 ? '' : norm.slice(split + 2).replace(/\n$/, '');
  const [line, ...headerLines] = head.split('\n');
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec((line ?? '').trim());
  if (!m) return null;
  const target = m[2] as string;
  const url = /^https?:\/\//.test(target) ? target : target.startsWith('/') ? origin + basePath + target : null;
  if (url === null) return null;
  const headers: Record<string, string> = {};
  for (const h of headerLines) {
    const i = h.indexOf(':');
    if (i <= 0) continue;
    const name = h.slice(0, i).trim();
    if (/^(host|content-length|connection|transfer-encoding)$/i.test(name)) continue;
    headers[name] = h.slice(i + 1).trim();
  }
  return { method: m[1] as string, url, ...(Object.keys(headers).length ? { headers } : {}), ...(body !== '' ? { body } : {}) };
}

function headerBlock(res: HttpResponseData): string {
  const pairs = res.rawHeaders.length > 0 ? res.rawHeaders : Object.entries(res.headers);
  return pairs.map(([k, v]) => `${k}: ${v}`).join('\r\n') + '\r\n';
}

/** What dsl expressions and parts can read from a response. */
export function responseVars(res: HttpResponseData, requestHost: string): Vars {
  const header = headerBlock(res);
  const v: Vars = {
    body: res.body,
    header,
    all_headers: header,
    status_code: res.status,
    content_length: Number(res.headers['content-length'] ?? NaN) || toBytes(res.body).length,
    response: `HTTP/1.1 ${res.status}\r\n${header}\r\n${res.body}`,
    raw: `HTTP/1.1 ${res.status}\r\n${header}\r\n${res.body}`,
    duration: res.timeMs / 1000,
    host: requestHost,
  };
  for (const [k, val] of Object.entries(res.headers)) {
    const key = k.toLowerCase().replace(/-/g, '_');
    if (!(key in v)) v[key] = val;
  }
  return v;
}

function partText(part: string, rv: Vars): string | null {
  const p = part === 'all' ? 'response' : part;
  const v = rv[p] ?? rv[p.toLowerCase().replace(/-/g, '_')];
  return v === undefined ? null : str(v);
}

interface One {
  ok: boolean;
  note: string;
  snippet?: string;
}

function evalMatcher(m: NucleiMatcher, rv: Vars, vars: Vars, res: HttpResponseData): One {
  const all = { ...vars, ...rv };
  let r: One;
  const cond = (hits: number, total: number): boolean => (m.condition === 'and' ? hits === total : hits > 0);
  switch (m.type) {
    case 'status':
      r = { ok: m.status.includes(res.status), note: `status ${res.status}` };
      break;
    case 'size': {
      const n = toBytes(res.body).length;
      r = { ok: m.size.includes(n), note: `size ${n}` };
      break;
    }
    case 'word': {
      const hay = partText(m.part, rv) ?? '';
      const cmp = m.caseInsensitive ? hay.toLowerCase() : hay;
      const words = m.words.map((w) => fill(w, all)).filter((w): w is string => w !== null);
      const found = words.filter((w) => cmp.includes(m.caseInsensitive ? w.toLowerCase() : w));
      r = { ok: words.length === m.words.length && cond(found.length, words.length), note: `${m.part} contains ${found.map((w) => JSON.stringify(w)).join(' and ') || 'none of the words'}`, ...(found[0] ? { snippet: found[0] } : {}) };
      break;
    }
    case 'regex': {
      const hay = partText(m.part, rv) ?? '';
      const hits = m.regex.map((x) => regexOf(x).exec(hay)?.[0]).filter((x): x is string => x !== undefined);
      r = { ok: cond(hits.length, m.regex.length), note: `${m.part} matches ${hits.map((h) => JSON.stringify(h.slice(0, 120))).join(' and ') || 'none of the patterns'}`, ...(hits[0] ? { snippet: hits[0] } : {}) };
      break;
    }
    case 'binary': {
      const hay = toBytes(partText(m.part, rv) ?? '').toString('latin1');
      const hits = m.binary.filter((b) => hay.includes(Buffer.from(b, 'hex').toString('latin1')));
      r = { ok: cond(hits.length, m.binary.length), note: `${m.part} holds bytes ${hits.join(', ') || '(none)'}` };
      break;
    }
    case 'dsl': {
      const results = m.dsl.map((e) => {
        try {
          return truthy(evalDsl(e, all));
        } catch (err) {
          // as in Nuclei: an expression that cannot be computed (a header that is absent) is false
          if (err instanceof DslError) return false;
          throw err;
        }
      });
      const held = m.dslText.filter((_, i) => results[i]);
      r = { ok: cond(held.length, m.dsl.length), note: `dsl ${held.map((t) => JSON.stringify(t)).join(' and ') || 'none held'}` };
      break;
    }
  }
  return m.negative ? { ok: !r.ok, note: `not (${r.note})` } : r;
}

function runExtractor(e: NucleiExtractor, rv: Vars, vars: Vars): string[] {
  const text = partText(e.part, rv) ?? '';
  const out: string[] = [];
  switch (e.type) {
    case 'regex':
      for (const x of e.regex) {
        const re = regexOf(x);
        for (const m of text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))) {
          const v = m[e.group];
          if (v !== undefined && v !== '') out.push(v);
          if (out.length >= 20) break;
        }
      }
      break;
    case 'kval':
      for (const k of e.kval) {
        const v = rv[k.toLowerCase().replace(/-/g, '_')];
        if (v !== undefined && str(v) !== '') out.push(str(v));
      }
      break;
    case 'json': {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch {
        return out;
      }
      for (const p of e.json) out.push(...queryJson(doc, p));
      break;
    }
    case 'dsl':
      for (const x of e.dsl) {
        try {
          const v = str(evalDsl(x, { ...vars, ...rv }));
          if (v !== '') out.push(v);
        } catch (err) {
          if (!(err instanceof DslError)) throw err;
        }
      }
      break;
  }
  return [...new Set(out)].map((v) => v.slice(0, 300));
}

export interface Judgement {
  matched: boolean;
  notes: string[];
  snippet: string | null;
  /** Values of reported (non-internal) extractors, by name. */
  extracted: Record<string, string[]>;
  /** First value of each named extractor: variables for the template's later requests. */
  dynamic: Vars;
}

/** `extra`: values known only later, such as the out-of-band interaction (interactsh_protocol). */
export function judge(req: NucleiRequest, res: HttpResponseData, vars: Vars, requestHost: string, extra: Vars = {}): Judgement {
  const rv = { ...responseVars(res, requestHost), ...extra };
  const extracted: Record<string, string[]> = {};
  const dynamic: Vars = {};
  req.extractors.forEach((e, i) => {
    const values = runExtractor(e, rv, vars);
    if (values.length === 0) return;
    if (e.name) dynamic[e.name] = values[0] as string;
    if (!e.internal) extracted[e.name ?? `extract${i + 1}`] = values;
  });
  if (req.matchers.length === 0) {
    const matched = Object.keys(extracted).length > 0;
    return { matched, notes: matched ? ['extractors found values'] : [], snippet: null, extracted, dynamic };
  }
  // extracted values may feed this request's own dsl matchers (compare_versions(version, ...))
  const withDynamic = { ...vars, ...dynamic };
  const results = req.matchers.map((m) => evalMatcher(m, rv, withDynamic, res));
  const matched = req.matchersCondition === 'and' ? results.every((r) => r.ok) : results.some((r) => r.ok);
  const used = req.matchersCondition === 'and' ? results : results.filter((r) => r.ok);
  return { matched, notes: used.map((r) => r.note), snippet: used.find((r) => r.snippet)?.snippet ?? null, extracted, dynamic };
}
