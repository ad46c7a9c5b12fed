// Evaluates a template request against a response: variable interpolation, matchers (with their
// and/or conditions and negation) and extractors, producing the text that proves a match.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { HttpResponseData } from '../core/model.js';
import type { Extractor, Matcher, TemplateRequest } from './format.js';

export type Vars = Record<string, string>;

/** Fresh random values for one request: markers that cannot already be on the page. */
export function randomVars(): Vars {
  const r1 = randomInt(10_000, 99_999);
  const r2 = randomInt(10_000, 99_999);
  // letters only, so that numbers-only normalisers and soft-404 pages cannot produce it
  const rstr = 'wsc' + [...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
  return {
    r1: String(r1),
    r2: String(r2),
    'r1*r2': String(r1 * r2),
    'r1+r2': String(r1 + r2),
    rstr,
    'md5(rstr)': createHash('md5').update(rstr).digest('hex'),
  };
}

export function interpolate(text: string, vars: Vars): string {
  return text.replace(/\{\{([^}]*)\}\}/g, (whole, name: string) => vars[name] ?? whole);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Regex text with variables replaced by their escaped values. */
function interpolateRegex(text: string, vars: Vars): RegExp {
  return new RegExp(text.replace(/\{\{([^}]*)\}\}/g, (whole, name: string) => (vars[name] !== undefined ? escapeRegex(vars[name]) : whole)));
}

function headerText(res: HttpResponseData): string {
  const pairs = res.rawHeaders.length > 0 ? res.rawHeaders : Object.entries(res.headers);
  return pairs.map(([k, v]) => `${k}: ${v}`).join('\n');
}

function partText(res: HttpResponseData, part: 'body' | 'header' | 'all'): string {
  if (part === 'body') return res.body;
  if (part === 'header') return headerText(res);
  return headerText(res) + '\n\n' + res.body;
}

export interface MatchContext {
  response: HttpResponseData;
  vars: Vars;
  /** Whether the request's OAST probe was hit (oast requests only). */
  oastHit?: boolean;
}

interface One {
  ok: boolean;
  /** What matched (or, for a negative matcher, what was absent), for the proof. */
  note: string;
  /** Exact text found in the response, when any: the evidence excerpt is centred on it. */
  snippet?: string;
}

function evalMatcher(m: Matcher, mc: MatchContext): One {
  const res = mc.response;
  let r: One;
  switch (m.type) {
    case 'status':
      r = { ok: m.status.includes(res.status), note: `status ${res.status} in [${m.status.join(', ')}]` };
      break;
    case 'word': {
      const hay = partText(res, m.part);
      const cmp = m.caseInsensitive ? hay.toLowerCase() : hay;
      const words = m.words.map((w) => interpolate(w, mc.vars));
      const found = words.filter((w) => cmp.includes(m.caseInsensitive ? w.toLowerCase() : w));
      const ok = m.condition === 'and' ? found.length === words.length : found.length > 0;
      r = { ok, note: `${m.part} contains ${found.map((w) => JSON.stringify(w)).join(' and ') || 'none of ' + JSON.stringify(words)}`, ...(found[0] !== undefined ? { snippet: found[0] } : {}) };
      break;
    }
    case 'regex': {
      const hay = partText(res, m.part);
      const hits: string[] = [];
      for (const text of m.regex) {
        const x = interpolateRegex(text, mc.vars).exec(hay);
        if (x) hits.push(x[0]);
      }
      const ok = m.condition === 'and' ? hits.length === m.regex.length : hits.length > 0;
      r = { ok, note: `${m.part} matches ${hits.map((h) => JSON.stringify(h.slice(0, 120))).join(' and ') || 'none of ' + JSON.stringify(m.regex)}`, ...(hits[0] ? { snippet: hits[0] } : {}) };
      break;
    }
    case 'header': {
      const name = m.name.toLowerCase();
      const values = (res.rawHeaders.length > 0 ? res.rawHeaders : Object.entries(res.headers)).filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);
      const words = (m.words ?? []).map((w) => interpolate(w, mc.vars));
      const regexes = (m.regex ?? []).map((x) => interpolateRegex(x, mc.vars));
      const hit = values.find((v) => (words.length === 0 && regexes.length === 0) || words.some((w) => v.includes(w)) || regexes.some((x) => x.test(v)));
      r = { ok: hit !== undefined, note: hit !== undefined ? `header ${m.name}: ${JSON.stringify(hit)}` : `header ${m.name} ${values.length ? 'does not match' : 'absent'}`, ...(hit !== undefined ? { snippet: `${m.name}: ${hit}` } : {}) };
      break;
    }
    case 'hash': {
      const digest = createHash(m.algorithm).update(Buffer.from(res.body, 'latin1')).digest('hex');
      r = { ok: !res.truncated && m.hash.includes(digest), note: `body ${m.algorithm} ${digest}` };
      break;
    }
    case 'oast':
      r = { ok: mc.oastHit === true, note: mc.oastHit ? 'the out-of-band listener received a request for this probe' : 'no out-of-band hit' };
      break;
  }
  if (!m.negative) return r;
  // a negative matcher proves by absence: its own hit text is not evidence of the issue
  return { ok: !r.ok, note: `not (${r.note})` };
}

export interface MatchResult {
  matched: boolean;
  notes: string[];
  snippet: string | null;
  extracted: Record<string, string>;
}

/** True when the request's matchers hold for the response, combined by its condition. */
export function evaluate(req: Pick<TemplateRequest, 'matchers' | 'condition' | 'extractors'>, mc: MatchContext): MatchResult {
  const results = req.matchers.map((m) => evalMatcher(m, mc));
  const matched = req.condition === 'and' ? results.every((r) => r.ok) : results.some((r) => r.ok);
  const used = req.condition === 'and' ? results : results.filter((r) => r.ok);
  const snippet = used.find((r) => r.snippet !== undefined)?.snippet ?? null;
  return { matched, notes: used.map((r) => r.note), snippet, extracted: matched ? extract(req.extractors, mc) : {} };
}

function extract(extractors: readonly Extractor[], mc: MatchContext): Record<string, string> {
  const out: Record<string, string> = {};
  extractors.forEach((e, i) => {
    const m = interpolateRegex(e.regex, mc.vars).exec(partText(mc.response, e.part));
    const v = m?.[e.group];
    if (v !== undefined) out[e.name ?? `extract${i + 1}`] = v.slice(0, 300);
  });
  return out;
}
