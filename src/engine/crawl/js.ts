// Endpoints named in JavaScript: fetch(), XMLHttpRequest.open(), axios and jQuery calls with their
// method (and body shape when it is visible), plus string literals that look like paths.
import type { BodyKind, FormField } from '../../core/model.js';

export interface JsEndpoint {
  url: string;
  method: string;
  bodyKind?: BodyKind;
  fields?: FormField[];
  rawBody?: string;
  /**
   * The id of the form whose fields the body sends ($('#f').serialize(), new FormData(form)); the
   * page's form model fills the fields in. '' for "the page's first form".
   */
  formRef?: string;
  /** fetch, xhr, axios, jquery, literal, import (a module to fetch and read as script) */
  via: string;
}

const MAX_SCAN = 2 * 1024 * 1024;
const STR = String.raw`(?:'([^'\\\n]{1,2000})'|"([^"\\\n]{1,2000})"|\x60([^\x60$\\]{1,2000})\x60)`;

const FETCH = new RegExp(String.raw`\bfetch\s*\(\s*` + STR, 'g');
const XHR_OPEN = new RegExp(String.raw`\.open\s*\(\s*['"]([A-Za-z]+)['"]\s*,\s*` + STR, 'g');
const AXIOS_METHOD = new RegExp(String.raw`\baxios\s*\.\s*(get|post|put|delete|patch|head|options)\s*\(\s*` + STR, 'gi');
// one level of nested braces (data: {...}, headers: {...}) inside the config object
const CONFIG_BODY = String.raw`\{((?:[^{}]|\{[^{}]{0,300}\}){0,600})\}`;
const AXIOS_CONFIG = new RegExp(String.raw`\baxios\s*\(\s*` + CONFIG_BODY, 'g');
const JQ_METHOD = new RegExp(String.raw`\$\s*\.\s*(get|post|getJSON)\s*\(\s*` + STR, 'g');
const JQ_AJAX = new RegExp(String.raw`\$\s*\.\s*ajax\s*\(\s*` + CONFIG_BODY, 'g');
const LITERAL = new RegExp(STR, 'g');
const IMPORT = new RegExp(String.raw`(?:\bimport\s*\(\s*|\bimport\s*|\b(?:import|export)\s[\w$*{},\s]{0,300}?\bfrom\s*)` + STR, 'g');
const XHR_SEND = /\.send\s*\(/;
const MAX_EXPRESSION = 2000;
const PATHY = /^(?:https?:\/\/[^\s/]+|\.{0,2}\/)?[\w\-.~%!$&'()*+,;=:@/]*[\w\-.~%]+(?:\/|\.(?:php\d?|aspx?|jsp|jspx|do|action|cgi|pl|py|rb|html?|shtml|xhtml|json|xml|txt|cfm))?(?:\?[^\s"'<>]*)?$/i;
const URL_IN_CONFIG = new RegExp(String.raw`\burl\s*:\s*` + STR);
const METHOD_IN_CONFIG = /\b(?:method|type)\s*:\s*['"]([A-Za-z]+)['"]/;

function str(m: RegExpExecArray, from: number): string | undefined {
  return m[from] ?? m[from + 1] ?? m[from + 2];
}

/** The object literal keys of `JSON.stringify({ a: ..., b })` or `new URLSearchParams({...})`. */
function objectKeys(src: string): string[] {
  const keys: string[] = [];
  const re = /(?:^|[{,])\s*(?:['"]([\w.-]+)['"]|([A-Za-z_$][\w$]*))\s*(?=[:,}])/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const k = m[1] ?? m[2];
    if (k && !keys.includes(k)) keys.push(k);
  }
  return keys;
}

/** Reads the options object that follows a fetch() URL: method and a recognisable body. */
function fetchOptions(src: string, at: number): Pick<JsEndpoint, 'method' | 'bodyKind' | 'fields' | 'rawBody' | 'formRef'> {
  const window = src.slice(at, at + 800);
  // only an options object directly after the URL argument counts: fetch(url, { ... })
  const opts = /^\s*,\s*\{/.test(window) ? window : '';
  const method = METHOD_IN_CONFIG.exec(opts)?.[1]?.toUpperCase() ?? 'GET';
  const res: Pick<JsEndpoint, 'method' | 'bodyKind' | 'fields' | 'rawBody' | 'formRef'> = { method };
  if (opts === '') return res;
  const body = /\bbody\s*:/.exec(opts);
  if (body) Object.assign(res, bodyOf(expression(opts, body.index + body[0].length), src, at));
  return res;
}

/**
 * The JavaScript expression that starts at `from`: up to a comma, semicolon or closing bracket at
 * its own nesting level, strings and template literals skipped whole.
 */
export function expression(src: string, from: number): string {
  let depth = 0;
  let i = from;
  const end = Math.min(src.length, from + MAX_EXPRESSION);
  while (i < end) {
    const ch = src[i] as string;
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < end && src[j] !== ch) j += src[j] === '\\' ? 2 : 1;
      i = j + 1;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) break;
      depth--;
    } else if ((ch === ',' || ch === ';') && depth === 0) break;
    // a line break ends a statement unless a "+" carries the expression over it
    else if (ch === '\n' && depth === 0 && !/\+\s*$/.test(src.slice(Math.max(from, i - 40), i)) && !/^\s*\+/.test(src.slice(i + 1, i + 40))) break;
    i++;
  }
  return src.slice(from, Math.min(i, end));
}

/**
 * The text an expression of string pieces builds ("a=" + x + "&b=" + f(y)), with "1" standing for
 * each part that is not a literal (a literal inside a call is an argument, not text); null when it
 * has no literal at all.
 */
export function joinedLiterals(expr: string): string | null {
  let out = '';
  let any = false;
  let gap = false;
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i] as string;
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      let lit = '';
      while (j < expr.length && expr[j] !== ch) {
        if (expr[j] === '\\' && j + 1 < expr.length) {
          lit += expr[j + 1];
          j += 2;
        } else lit += expr[j++];
      }
      i = j;
      if (depth > 0) continue;
      if (gap && any) out += '1';
      gap = false;
      any = true;
      out += ch === '`' ? lit.replace(/\$\{[^}]*\}/g, '1') : lit;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
      gap = true;
    } else if (ch === ')' || ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
    else if (!/[\s+]/.test(ch)) gap = true;
  }
  if (gap && any) out += '1';
  return any ? out : null;
}

const SERIALIZED = /^\s*(?:\$|jQuery)\s*\(\s*(?:['"](?:form)?(?:#([\w-]+))?['"]|(this|\w+\.target|\w+))\s*\)\s*\.\s*serialize\s*\(/;
const FORM_DATA = /^\s*new\s+FormData\s*\(\s*(?:document\s*\.\s*(?:getElementById\s*\(\s*['"]([\w-]+)['"]|querySelector\s*\(\s*['"](?:form)?#([\w-]+)['"]|forms\s*\[\s*['"]?([\w-]+)['"]?\s*\])|(this|\w+\.target|\w+))/;
const BINDING = /(?:\$|jQuery)\s*\(\s*['"](?:form)?#([\w-]+)['"]\s*\)|getElementById\s*\(\s*['"]([\w-]+)['"]\s*\)|querySelector\s*\(\s*['"](?:form)?#([\w-]+)['"]\s*\)/g;

/** The form a handler is bound to: the last element the script picked by id before `at`. */
function boundForm(src: string, at: number): string {
  let id = '';
  BINDING.lastIndex = 0;
  const before = src.slice(Math.max(0, at - 1500), at);
  for (let m = BINDING.exec(before); m; m = BINDING.exec(before)) id = m[1] ?? m[2] ?? m[3] ?? id;
  return id;
}

/** The body a fetch/XHR sends, when the expression shows its shape: a page's form, JSON, a form string, XML. */
function bodyOf(expr: string, src = '', at = 0): Pick<JsEndpoint, 'bodyKind' | 'fields' | 'rawBody' | 'formRef'> {
  const ser = SERIALIZED.exec(expr);
  if (ser) return { bodyKind: 'urlencoded', formRef: ser[1] ?? (ser[2] !== undefined ? boundForm(src, at) : '') };
  const fd = FORM_DATA.exec(expr);
  if (fd) return { bodyKind: 'multipart', formRef: fd[1] ?? fd[2] ?? fd[3] ?? boundForm(src, at) };
  const json = /^\s*JSON\.stringify\s*\(\s*\{([^}]*)\}/.exec(expr);
  if (json) {
    const keys = objectKeys('{' + (json[1] ?? '') + '}');
    return { bodyKind: 'json', rawBody: JSON.stringify(Object.fromEntries(keys.map((k) => [k, '1']))) };
  }
  const usp = /^\s*new\s+URLSearchParams\s*\(\s*\{([^}]*)\}/.exec(expr);
  if (usp) return { bodyKind: 'urlencoded', fields: objectKeys('{' + (usp[1] ?? '') + '}').map((name) => ({ name, value: '1' })) };
  const text = joinedLiterals(expr);
  if (text === null) return {};
  const t = text.trim();
  // an XML document is not a form, whatever "=" its attributes hold
  if (t.startsWith('<')) return { bodyKind: 'xml', rawBody: t };
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      JSON.parse(t);
      return { bodyKind: 'json', rawBody: t };
    } catch {
      // not JSON after all: read it as the form it may be
    }
  }
  if (!t.includes('=')) return {};
  return { bodyKind: 'urlencoded', fields: [...new URLSearchParams(t)].map(([name, value]) => ({ name, value })) };
}

function dataFields(config: string): FormField[] | undefined {
  const m = /\bdata\s*:\s*\{([^}]*)\}/.exec(config);
  if (!m) return undefined;
  return objectKeys('{' + (m[1] ?? '') + '}').map((name) => ({ name, value: '1' }));
}

/** Whether a string literal looks like a URL path worth requesting. */
export function looksLikePath(s: string): boolean {
  if (s.length < 2 || s.length > 500 || /\s/.test(s)) return false;
  if (/^https?:\/\//i.test(s)) return PATHY.test(s);
  if (s.startsWith('//')) return false;
  if (/^(?:text|application|image|audio|video|multipart)\/[\w.+-]+$/i.test(s)) return false; // MIME types
  if (s.startsWith('/') || s.startsWith('./') || s.startsWith('../')) return PATHY.test(s) && /[A-Za-z0-9]/.test(s);
  // bare relative names only when they end in a page extension ("search.php", "api/list.json")
  return /\.(?:php\d?|aspx?|jsp|jspx|do|action|cgi|pl|html?|shtml|json|cfm)(?:\?.*)?$/i.test(s) && PATHY.test(s);
}

export function extractJs(source: string): JsEndpoint[] {
  const src = source.length > MAX_SCAN ? source.slice(0, MAX_SCAN) : source;
  const out: JsEndpoint[] = [];
  const seen = new Set<string>();
  const add = (e: JsEndpoint): void => {
    const key = `${e.method} ${e.url}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(e);
  };
  for (const m of src.matchAll(FETCH)) {
    const url = str(m, 1);
    if (url) add({ url, via: 'fetch', ...fetchOptions(src, (m.index ?? 0) + m[0].length) });
  }
  for (const m of src.matchAll(XHR_OPEN)) {
    const url = str(m, 2);
    if (!url) continue;
    const e: JsEndpoint = { url, method: (m[1] ?? 'GET').toUpperCase(), via: 'xhr' };
    if (e.method !== 'GET') {
      const from = (m.index ?? 0) + m[0].length;
      const send = XHR_SEND.exec(src.slice(from, from + 1500));
      if (send) Object.assign(e, bodyOf(expression(src, from + send.index + send[0].length), src, from));
    }
    add(e);
  }
  for (const m of src.matchAll(AXIOS_METHOD)) {
    const url = str(m, 2);
    if (!url) continue;
    const method = (m[1] ?? 'get').toUpperCase();
    const e: JsEndpoint = { url, method, via: 'axios' };
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const after = src.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 600);
      const obj = /^\s*,\s*\{([^}]*)\}/.exec(after);
      if (obj) {
        e.bodyKind = 'json';
        e.rawBody = JSON.stringify(Object.fromEntries(objectKeys('{' + (obj[1] ?? '') + '}').map((k) => [k, '1'])));
      }
    }
    add(e);
  }
  for (const m of src.matchAll(AXIOS_CONFIG)) {
    const cfg = m[1] ?? '';
    const u = URL_IN_CONFIG.exec(cfg);
    const url = u ? str(u, 1) : undefined;
    if (!url) continue;
    const method = METHOD_IN_CONFIG.exec(cfg)?.[1]?.toUpperCase() ?? 'GET';
    const fields = dataFields(cfg);
    add({ url, method, via: 'axios', ...(fields && method !== 'GET' ? { bodyKind: 'json' as const, rawBody: JSON.stringify(Object.fromEntries(fields.map((f) => [f.name, f.value]))) } : {}) });
  }
  for (const m of src.matchAll(JQ_METHOD)) {
    const url = str(m, 2);
    if (!url) continue;
    const e: JsEndpoint = { url, method: m[1] === 'post' ? 'POST' : 'GET', via: 'jquery' };
    // $.post(url, $('#f').serialize()): the second argument is the form
    const end = (m.index ?? 0) + m[0].length;
    const comma = /^\s*,/.exec(src.slice(end, end + 20));
    if (comma) {
      const data = bodyOf(expression(src, end + comma[0].length), src, m.index ?? 0);
      if (data.formRef !== undefined) Object.assign(e, data);
    }
    add(e);
  }
  for (const m of src.matchAll(JQ_AJAX)) {
    const cfg = m[1] ?? '';
    const u = URL_IN_CONFIG.exec(cfg);
    const url = u ? str(u, 1) : undefined;
    if (!url) continue;
    const method = METHOD_IN_CONFIG.exec(cfg)?.[1]?.toUpperCase() ?? 'GET';
    const data = /\bdata\s*:/.exec(cfg);
    const ref = data ? bodyOf(expression(cfg, data.index + data[0].length), src, m.index ?? 0) : {};
    if (ref.formRef !== undefined) {
      add({ url, method, via: 'jquery', ...ref });
      continue;
    }
    const fields = dataFields(cfg);
    add({ url, method, via: 'jquery', ...(fields && method !== 'GET' ? { bodyKind: 'urlencoded' as const, fields } : {}) });
  }
  for (const m of src.matchAll(IMPORT)) {
    const url = str(m, 1);
    if (url && /^(?:\.{0,2}\/|https?:\/\/)/i.test(url)) add({ url, method: 'GET', via: 'import' });
  }
  const named = new Set(out.map((e) => e.url));
  for (const m of src.matchAll(LITERAL)) {
    let s = str(m, 1);
    if (!s || named.has(s) || !looksLikePath(s)) continue;
    // "search.php?q=" + input.value + "&page=" + n: the query the script builds, values as "1"
    if (/[?&][^=&]*=$/.test(s)) s = joinedLiterals(expression(src, m.index ?? 0)) ?? s;
    add({ url: s, method: 'GET', via: 'literal' });
  }
  return out;
}
