// Nuclei's YAML templates, read into what wsc can run: HTTP requests (path lists or raw), their
// matchers and extractors. Everything a template uses is checked at load time; a template that
// needs another protocol or a feature not implemented here is returned as skipped with the reason,
// so a scan never runs half a template.
import { parseDocument } from 'yaml';
import type { Severity } from '../../core/model.js';
import { DslError, FUNCTIONS, namesOf, parseDsl, regexOf, type Expr } from './dsl.js';
import { parseJsonPath, type JsonPath } from './json-path.js';

export type Part = string;

export interface NucleiMatcher {
  type: 'word' | 'regex' | 'status' | 'size' | 'binary' | 'dsl';
  part: Part;
  words: string[];
  regex: string[];
  status: number[];
  size: number[];
  binary: string[];
  dsl: Expr[];
  dslText: string[];
  condition: 'and' | 'or';
  negative: boolean;
  caseInsensitive: boolean;
}

export interface NucleiExtractor {
  type: 'regex' | 'kval' | 'json' | 'dsl';
  name: string | null;
  part: Part;
  internal: boolean;
  regex: string[];
  group: number;
  kval: string[];
  json: JsonPath[];
  dsl: Expr[];
}

export interface NucleiRequest {
  method: string;
  /** Path entries ({{BaseURL}}/x...), or raw requests: one of the two is empty. */
  paths: string[];
  raw: string[];
  headers: Record<string, string>;
  body: string | null;
  redirects: boolean;
  matchersCondition: 'and' | 'or';
  matchers: NucleiMatcher[];
  extractors: NucleiExtractor[];
  stopAtFirstMatch: boolean;
  /** Raw requests: keep their path as written instead of putting the base path in front. */
  disablePathAutomerge: boolean;
}

export interface NucleiTemplate {
  id: string;
  name: string;
  severity: Severity;
  /** The template's own word (critical, unknown...), kept for reports. */
  nucleiSeverity: string;
  description: string;
  tags: string[];
  references: string[];
  cve: string[];
  cwe: number | null;
  /** Template variables in order: name and text (may hold {{expressions}}). */
  variables: [string, string][];
  requests: NucleiRequest[];
  /** Uses {{interactsh-url}}: run with a probe of wsc's out-of-band listener (HTTP interactions). */
  oast: boolean;
}

export class Unsupported extends Error {
  override name = 'Unsupported';
}

/** A YAML file that is not a template at all (bad YAML, no id/info): an error, not a skip. */
export class NotATemplate extends Error {
  override name = 'NotATemplate';
}

/** Variables every request has, from the target (see run.ts). */
export const BUILTIN_VARS = ['BaseURL', 'RootURL', 'Hostname', 'Host', 'Port', 'Path', 'File', 'Scheme', 'FQDN', 'Input', 'randstr'];
/** Response values matchers, extractors and dsl may read, besides the headers (content_type...). */
export const RESPONSE_VARS = ['body', 'header', 'all_headers', 'status_code', 'content_length', 'response', 'raw', 'duration', 'host'];

const OTHER_PROTOCOLS = ['dns', 'file', 'network', 'tcp', 'headless', 'ssl', 'websocket', 'whois', 'code', 'javascript', 'workflows'];
const TOP_FEATURES: Record<string, string> = {
  flow: 'a JavaScript flow between requests',
  'self-contained': 'self-contained requests (no target input)',
  signature: 'request signing',
};
/** Request fields that change what is sent in ways this runner does not reproduce. */
const REQUEST_UNSUPPORTED: Record<string, string> = {
  payloads: 'payload lists (attack generators)',
  attack: 'payload attacks',
  'req-condition': 'conditions across several responses (status_code_1 ...)',
  fuzzing: 'fuzzing rules',
  unsafe: 'unsafe raw requests (byte-exact, non-RFC)',
  race: 'race requests',
  'race_count': 'race requests',
  pipeline: 'HTTP pipelining of template requests',
  'pre-condition': 'pre-conditions',
  'iterate-all': 'iterating over every extracted value',
  'digest-username': 'HTTP digest authentication',
  'digest-password': 'HTTP digest authentication',
  'self-contained': 'self-contained requests',
  params: 'parameter fuzzing',
  'global-matchers': 'global matchers',
  'disable-cookie': 'requests without the session cookie jar',
};
/** Request fields whose effect is already how wsc sends (cookies kept, bounded sizes) or is only pacing. */
const REQUEST_IGNORED = new Set(['threads', 'cookie-reuse', 'max-size', 'skip-variables-check', 'id', 'name', 'max-redirects', 'host-redirects', 'redirects', 'stop-at-first-match', 'disable-path-automerge']);
const REQUEST_KNOWN = new Set(['method', 'path', 'raw', 'headers', 'body', 'matchers', 'matchers-condition', 'extractors']);

function strings(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string' || typeof v === 'number') return [String(v)];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) return v.map(String);
  throw new Unsupported(`${what} must be a string or a list of strings`);
}

function mapSeverity(s: string): Severity {
  switch (s.toLowerCase()) {
    case 'critical':
    case 'high':
      return 'high';
    case 'medium':
      return 'medium';
    case 'low':
      return 'low';
    default:
      return 'info';
  }
}

/** Names defined so far in the template (variables, named extractors), for the {{...}} check. */
class Scope {
  readonly defined = new Set<string>(BUILTIN_VARS);
  oast = false;

  has(v: string): boolean {
    return this.defined.has(v) || /^randstr_\d+$/.test(v);
  }

  check(text: string, where: string, extra: readonly string[] = []): void {
    for (const m of text.matchAll(/\{\{([^{}]*)\}\}/g)) {
      const inner = (m[1] as string).trim();
      if (inner === 'interactsh-url') {
        this.oast = true;
        continue;
      }
      if (inner.includes('interactsh')) throw new Unsupported(`${where} uses {{${inner}}}`);
      let e: Expr;
      try {
        e = parseDsl(inner);
      } catch (err) {
        throw new Unsupported(`${where}: {{${inner}}} is not an expression this runner reads (${err instanceof Error ? err.message : String(err)})`);
      }
      const { fns, vars } = namesOf(e);
      for (const f of fns) if (!FUNCTIONS[f]) throw new Unsupported(`${where} uses the helper function ${f}()`);
      for (const v of vars) if (!this.has(v) && !extra.includes(v)) throw new Unsupported(`${where} uses {{${v}}}, which nothing defines (payloads or variables this runner does not have)`);
    }
  }
}

/** Interaction values: wsc's listener sees HTTP requests, so only "http" interactions can be told. */
export const OAST_VARS = ['interactsh_protocol', 'interactsh_request'];

function dslExprs(list: string[], where: string): Expr[] {
  return list.map((text) => {
    let e: Expr;
    try {
      e = parseDsl(text);
    } catch (err) {
      throw new Unsupported(`${where}: ${err instanceof DslError ? err.message : String(err)}`);
    }
    const { fns, vars } = namesOf(e);
    for (const f of fns) if (!FUNCTIONS[f]) throw new Unsupported(`${where} uses the helper function ${f}()`);
    for (const v of vars) {
      if (/_\d+$/.test(v)) throw new Unsupported(`${where} reads ${v} (a value of another request: conditions across responses)`);
      if (v.startsWith('interactsh') && !OAST_VARS.includes(v)) throw new Unsupported(`${where} reads ${v}`);
    }
    if (vars.has('interactsh_protocol') && !/["'`]http["'`]/.test(text)) throw new Unsupported(`${where} waits for an interaction other than HTTP (wsc's out-of-band listener sees HTTP only)`);
    return e;
  });
}

function checkPart(part: string, where: string): string {
  const p = part.trim();
  if (/_\d+$/.test(p)) throw new Unsupported(`${where} reads part ${p} (a value of another request)`);
  if (p.startsWith('interactsh') && !OAST_VARS.includes(p)) throw new Unsupported(`${where} reads part ${p}`);
  if (p === 'request' || p === 'redirect_chain') throw new Unsupported(`${where} reads part ${p}`);
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(p)) throw new Unsupported(`${where} has part "${p}", which is not a response value`);
  return p;
}

function validRegexes(list: string[], where: string): string[] {
  for (const r of list) {
    try {
      regexOf(r);
    } catch {
      throw new Unsupported(`${where}: regex ${JSON.stringify(r.slice(0, 80))} is not one JavaScript reads (RE2 syntax it lacks)`);
    }
  }
  return list;
}

function parseMatcher(raw: unknown, where: string, scope: Scope): NucleiMatcher {
  if (raw === null || typeof raw !== 'object') throw new Unsupported(`${where} is not a mapping`);
  const m = raw as Record<string, unknown>;
  const type = String(m.type ?? '');
  if (!['word', 'regex', 'status', 'size', 'binary', 'dsl'].includes(type)) throw new Unsupported(`${where} is a ${type || 'typeless'} matcher`);
  const known = new Set(['type', 'part', 'words', 'regex', 'status', 'size', 'binary', 'dsl', 'condition', 'negative', 'case-insensitive', 'encoding', 'name', 'internal', 'match-all']);
  for (const k of Object.keys(m)) if (!known.has(k)) throw new Unsupported(`${where} has field ${k}`);
  if (m.encoding !== undefined && m.encoding !== 'hex') throw new Unsupported(`${where} has encoding ${String(m.encoding)}`);
  let words = strings(m.words, `${where}.words`);
  if (m.encoding === 'hex') words = words.map((w) => Buffer.from(w, 'hex').toString('latin1'));
  for (const w of words) scope.check(w, `${where}.words`, RESPONSE_VARS);
  const num = (v: unknown, what: string): number[] =>
    strings(v, what).map((x) => {
      const n = Number(x);
      if (!Number.isInteger(n)) throw new Unsupported(`${what} holds ${x}, not an integer`);
      return n;
    });
  const binary = strings(m.binary, `${where}.binary`);
  for (const b of binary) if (!/^([0-9a-fA-F]{2})+$/.test(b)) throw new Unsupported(`${where}.binary holds ${b.slice(0, 20)}, not hex`);
  const dslText = strings(m.dsl, `${where}.dsl`);
  if (String(m.part ?? '') === 'interactsh_protocol' && m.negative !== true) {
    const http = words.some((w) => w.toLowerCase() === 'http');
    if (!http || (m.condition === 'and' && words.length > 1)) throw new Unsupported(`${where} waits for a ${words.join('/')} interaction (wsc's out-of-band listener sees HTTP only)`);
  }
  return {
    type: type as NucleiMatcher['type'],
    part: checkPart(String(m.part ?? 'body'), where),
    words,
    regex: validRegexes(strings(m.regex, `${where}.regex`), where),
    status: num(m.status, `${where}.status`),
    size: num(m.size, `${where}.size`),
    binary,
    dsl: dslExprs(dslText, `${where}.dsl`),
    dslText,
    condition: m.condition === 'and' ? 'and' : 'or',
    negative: m.negative === true,
    caseInsensitive: m['case-insensitive'] === true,
  };
}

function parseExtractor(raw: unknown, where: string): NucleiExtractor {
  if (raw === null || typeof raw !== 'object') throw new Unsupported(`${where} is not a mapping`);
  const e = raw as Record<string, unknown>;
  const type = String(e.type ?? '');
  if (!['regex', 'kval', 'json', 'dsl'].includes(type)) throw new Unsupported(`${where} is a ${type || 'typeless'} extractor`);
  const known = new Set(['type', 'name', 'part', 'internal', 'regex', 'group', 'kval', 'json', 'dsl', 'case-insensitive']);
  for (const k of Object.keys(e)) if (!known.has(k)) throw new Unsupported(`${where} has field ${k}`);
  const json = strings(e.json, `${where}.json`).map((q) => {
    const p = parseJsonPath(q);
    if (!p) throw new Unsupported(`${where}: json query ${JSON.stringify(q)} is more than a path (.a.b[0], .a[])`);
    return p;
  });
  return {
    type: type as NucleiExtractor['type'],
    name: typeof e.name === 'string' && e.name !== '' ? e.name : null,
    part: checkPart(String(e.part ?? 'body'), where),
    internal: e.internal === true,
    regex: validRegexes(strings(e.regex, `${where}.regex`), where),
    group: typeof e.group === 'number' ? e.group : 0,
    kval: strings(e.kval, `${where}.kval`),
    json,
    dsl: dslExprs(strings(e.dsl, `${where}.dsl`), `${where}.dsl`),
  };
}

function parseRequest(raw: unknown, i: number, scope: Scope): NucleiRequest {
  const where = `http[${i}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Unsupported(`${where} is not a mapping`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    const why = REQUEST_UNSUPPORTED[k];
    if (why !== undefined && r[k] !== false && r[k] !== null) throw new Unsupported(`${where} uses ${k}: ${why}`);
    if (why === undefined && !REQUEST_KNOWN.has(k) && !REQUEST_IGNORED.has(k)) throw new Unsupported(`${where} has field ${k}`);
  }
  const paths = strings(r.path, `${where}.path`);
  const rawReqs = strings(r.raw, `${where}.raw`);
  if (paths.length === 0 && rawReqs.length === 0) throw new Unsupported(`${where} has neither path nor raw requests`);
  if (paths.length + rawReqs.length > 50) throw new Unsupported(`${where} has more than 50 requests`);
  const headers: Record<string, string> = {};
  if (r.headers !== undefined && r.headers !== null) {
    if (typeof r.headers !== 'object' || Array.isArray(r.headers)) throw new Unsupported(`${where}.headers is not a mapping`);
    for (const [k, v] of Object.entries(r.headers as Record<string, unknown>)) {
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) throw new Unsupported(`${where}.headers has the name ${JSON.stringify(k)}`);
      if (k.toLowerCase() === 'host') throw new Unsupported(`${where} sets its own Host header (virtual hosts)`);
      headers[k] = String(v);
    }
  }
  const body = r.body === undefined || r.body === null ? null : String(r.body);
  const method = String(r.method ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new Unsupported(`${where}.method ${method}`);
  // entries of one block run in order: a later one may use what an earlier one extracted
  const extractorNames = (Array.isArray(r.extractors) ? r.extractors : []).map((e: unknown) => (e !== null && typeof e === 'object' ? (e as Record<string, unknown>).name : undefined)).filter((n): n is string => typeof n === 'string');
  for (const p of paths) scope.check(p, `${where}.path`, extractorNames);
  for (const q of rawReqs) {
    scope.check(q, `${where}.raw`, extractorNames);
    const lines = q.replace(/^\s+/, '').split(/\r?\n/);
    while (lines[0]?.startsWith('@')) {
      const a = lines.shift() as string;
      if (!/^@timeout:?\s*\d+s\s*$/.test(a)) throw new Unsupported(`${where}.raw has the annotation ${a.split(':')[0]}`);
    }
    if (!/^[A-Z]+ \S+ HTTP\/1\.[01]$/.test((lines[0] ?? '').trim())) throw new Unsupported(`${where}.raw does not start with a request line (METHOD target HTTP/1.1)`);
  }
  for (const v of Object.values(headers)) scope.check(v, `${where}.headers`);
  if (body !== null) scope.check(body, `${where}.body`);
  const matchers = (Array.isArray(r.matchers) ? r.matchers : r.matchers === undefined ? [] : [r.matchers]).map((m, j) => parseMatcher(m, `${where}.matchers[${j}]`, scope));
  const extractors = (Array.isArray(r.extractors) ? r.extractors : r.extractors === undefined ? [] : [r.extractors]).map((e, j) => parseExtractor(e, `${where}.extractors[${j}]`));
  // later requests may use what this one extracts
  for (const e of extractors) if (e.name) scope.defined.add(e.name);
  return {
    method,
    paths,
    raw: rawReqs,
    headers,
    body,
    redirects: r.redirects === true || r['host-redirects'] === true,
    matchersCondition: r['matchers-condition'] === 'and' ? 'and' : 'or',
    matchers,
    extractors,
    stopAtFirstMatch: r['stop-at-first-match'] === true,
    disablePathAutomerge: r['disable-path-automerge'] === true,
  };
}

/** Reads one Nuclei template; throws Unsupported (skip, with reason) or NotATemplate (an error). */
export function parseNucleiTemplate(text: string): NucleiTemplate {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) throw new NotATemplate(`not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const t = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
  if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new NotATemplate('a Nuclei template is a mapping with id, info and requests');
  // Go reads `id: 0100` as the text it is; YAML's JavaScript value would be the number 100
  const idNode = doc.get('id', true);
  if (idNode !== undefined && idNode !== null && typeof idNode === 'object' && 'source' in idNode && typeof idNode.source === 'string') t.id = idNode.source;
  if (typeof t.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(t.id)) throw new NotATemplate('id: missing or not letters, digits, ".", "_" or "-"');
  const info = t.info as Record<string, unknown> | undefined;
  if (info === null || typeof info !== 'object') throw new NotATemplate('info: missing');
  if (typeof info.name !== 'string' || info.name.trim() === '') throw new NotATemplate('info.name: missing');
  if (typeof info.severity !== 'string') throw new NotATemplate('info.severity: missing');
  for (const p of OTHER_PROTOCOLS) if (t[p] !== undefined) throw new Unsupported(`needs the ${p} protocol`);
  for (const [k, why] of Object.entries(TOP_FEATURES)) if (t[k] !== undefined && t[k] !== false) throw new Unsupported(`uses ${k}: ${why}`);
  const reqs = t.http ?? t.requests;
  if (!Array.isArray(reqs) || reqs.length === 0) throw new Unsupported('has no HTTP requests');
  const scope = new Scope();
  const variables: [string, string][] = [];
  if (t.variables !== undefined) {
    if (t.variables === null || typeof t.variables !== 'object' || Array.isArray(t.variables)) throw new Unsupported('variables is not a mapping');
    for (const [k, v] of Object.entries(t.variables as Record<string, unknown>)) {
      const text = String(v);
      scope.check(text, `variables.${k}`);
      variables.push([k, text]);
      scope.defined.add(k);
    }
  }
  const requests = reqs.map((r, i) => parseRequest(r, i, scope));
  // a request may only fetch a value for the next one; the template as a whole must report something
  if (requests.every((r) => r.matchers.length === 0 && r.extractors.every((e) => e.internal))) throw new Unsupported('has no matcher and no reported extractor');
  const classification = (info.classification ?? {}) as Record<string, unknown>;
  const cweText = strings(classification['cwe-id'], 'cwe-id')[0];
  const cweNum = cweText === undefined ? NaN : Number(/(\d+)/.exec(cweText)?.[1]);
  const tags = Array.isArray(info.tags) ? info.tags.map(String) : typeof info.tags === 'string' ? info.tags.split(',') : [];
  return {
    id: t.id,
    name: info.name.trim(),
    severity: mapSeverity(info.severity),
    nucleiSeverity: info.severity.toLowerCase(),
    description: typeof info.description === 'string' ? info.description.trim() : '',
    tags: tags.map((x) => x.trim()).filter((x) => x !== ''),
    references: (Array.isArray(info.reference) ? info.reference : [info.reference]).filter((x): x is string => typeof x === 'string' && /^https?:\/\//.test(x)),
    cve: strings(classification['cve-id'], 'cve-id').map((x) => x.toUpperCase()).filter((x) => /^CVE-\d{4}-\d+$/.test(x)),
    cwe: Number.isInteger(cweNum) && cweNum > 0 ? cweNum : null,
    variables,
    requests,
    oast: scope.oast,
  };
}

/** Whether a request's matchers or extractors read the out-of-band interaction (and must wait for it). */
export function readsOast(req: NucleiRequest): boolean {
  return req.matchers.some((m) => OAST_VARS.includes(m.part) || m.dslText.some((t) => /interactsh_/.test(t))) || req.extractors.some((e) => OAST_VARS.includes(e.part));
}
