// DOM XSS support: the cheap static signal (which sources a page's scripts read, and under which
// names), the payload shapes, and the words a finding uses for a source and a sink. The signal only
// decides where browser time is spent: a page whose scripts read nothing an attacker controls is
// never loaded; proof always comes from the browser (the marker function running).
import { Parser } from 'htmlparser2';
import type { InsertionLocation } from '../../core/model.js';
import { headerValue } from '../support.js';
import type { CrawledPage, DomVisit, DomVisitResult } from '../types.js';

export interface PageScripts {
  /** Inline script bodies and event-handler attributes. */
  inline: string[];
  /** External script URLs, resolved against the page. */
  srcs: string[];
}

const JS_TYPES = /^(?:|module|text\/javascript|application\/javascript|text\/ecmascript|application\/ecmascript)$/i;

/** The scripts of an HTML page: inline blocks, on* handlers and javascript: URLs, and script srcs. */
export function pageScripts(html: string, pageUrl: string): PageScripts {
  const inline: string[] = [];
  const srcs: string[] = [];
  let inScript = false;
  let buf = '';
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        for (const [k, v] of Object.entries(attrs)) {
          if (/^on/i.test(k) || /^\s*javascript:/i.test(v)) inline.push(v);
        }
        if (name !== 'script' || !JS_TYPES.test((attrs.type ?? '').trim())) return;
        if (attrs.src !== undefined) {
          let src: string;
          try {
            src = new URL(attrs.src, pageUrl).href;
          } catch {
            // a src that is no URL loads nothing in a browser either
            return;
          }
          srcs.push(src);
          return;
        }
        inScript = true;
        buf = '';
      },
      ontext(t) {
        if (inScript) buf += t;
      },
      onclosetag(name) {
        if (name === 'script' && inScript) {
          inScript = false;
          if (buf.trim() !== '') inline.push(buf);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return { inline, srcs };
}

/** Well-known libraries read location and storage for their own ends; their reads alone are no signal. */
export const LIBRARY_FILE = /(?:^|[/.-])(?:jquery|bootstrap|angular|react(?:-dom)?|vue|lodash|underscore|moment|backbone|ember|d3|polyfills?|modernizr|popper|core-js|zone)(?:[.-][\w.-]*)?\.js$/i;

export interface SourceSignal {
  /** location.search, href, document.URL, URLSearchParams... */
  query: boolean;
  /** Parameter names the scripts look up (URLSearchParams.get, "name=" patterns...). */
  queryNames: string[];
  /** location.hash, or whole-URL reads that include the fragment. */
  hash: boolean;
  path: boolean;
  referrer: boolean;
  cookie: boolean;
  cookieNames: string[];
  windowName: boolean;
  message: boolean;
  /** Properties of a message's data the handler reads (e.data.code...). */
  messageKeys: string[];
  localStorage: string[];
  sessionStorage: string[];
  /** eval, Function, setTimeout/setInterval: expression-shaped payloads are worth a load too. */
  codeSinks: boolean;
  /** The scripts fetch data and write markup or code: where stored values show up. */
  rendersData: boolean;
}

const MAX_NAMES = 8;

function names(src: string, re: RegExp, group = 1): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(re)) {
    const n = m[group];
    if (n !== undefined && n.length <= 64 && !out.includes(n)) out.push(n);
  }
  return out;
}

function add(into: string[], more: string[]): void {
  for (const n of more) if (!into.includes(n) && into.length < MAX_NAMES) into.push(n);
}

/**
 * What the scripts read that an attacker controls; `any` is false when a browser load is pointless.
 * A query value of `pageUrl` that the server wrote into a script counts as read too (it reaches
 * the script's sinks as the parameter says).
 */
export function sourceSignal(scripts: readonly string[], pageUrl?: string): SourceSignal & { any: boolean } {
  const s: SourceSignal = {
    query: false, queryNames: [], hash: false, path: false, referrer: false, cookie: false, cookieNames: [],
    windowName: false, message: false, messageKeys: [], localStorage: [], sessionStorage: [], codeSinks: false, rendersData: false,
  };
  for (const src of scripts) {
    const wholeUrl = /\blocation\.href\b(?!\s*=[^=])|\bdocument\.(?:URL|documentURI|baseURI)\b|\blocation\.toString\(|String\(\s*(?:window\.|document\.)?location\s*\)|\blocation\s*\+|\+\s*(?:window\.|document\.)?location\b(?!\.)/.test(src);
    if (wholeUrl || /\blocation\.search\b|\bURLSearchParams\b/.test(src)) s.query = true;
    if (wholeUrl || /\blocation\.hash\b/.test(src)) s.hash = true;
    if (/\blocation\.pathname\b/.test(src)) s.path = true;
    if (/\bdocument\.referrer\b/.test(src)) s.referrer = true;
    if (/\bdocument\.cookie\b(?!\s*=[^=])/.test(src)) {
      s.cookie = true;
      for (const m of src.matchAll(/\bdocument\.cookie\b/g)) {
        add(s.cookieNames, names(src.slice(m.index, m.index + 240), /(?:['"/^]|\)\s?|;\s?|\|\s?)([A-Za-z_][\w-]*)=(?!=)/g));
      }
    }
    if (/\b(?:window|self|top)\.name\b(?!\s*=[^=])/.test(src)) s.windowName = true;
    if (/addEventListener\(\s*['"]message['"]|\bonmessage\s*=/.test(src)) {
      s.message = true;
      add(s.messageKeys, names(src, /\.data\.([A-Za-z_$][\w$]*)/g));
      add(s.messageKeys, names(src, /\.data\[\s*['"]([^'"\\]+)['"]\s*\]/g));
    }
    if (s.query) {
      add(s.queryNames, names(src, /\.get\(\s*['"]([\w.[\]-]+)['"]\s*\)/g));
      add(s.queryNames, names(src, /[?&]([\w.[\]-]+)=/g));
      add(s.queryNames, names(src, /['"]([\w.[\]-]+)=['"]/g));
      add(s.queryNames, names(src, /\b(?:getParam\w*|getQuery\w*|getUrlParam\w*|getParameterByName|queryParam|param)\(\s*['"]([\w.[\]-]+)['"]/g));
    }
    for (const kind of ['localStorage', 'sessionStorage'] as const) {
      if (!new RegExp(`\\b${kind}\\b`).test(src)) continue;
      const keys = [
        ...names(src, new RegExp(`\\b${kind}\\s*\\.\\s*(?:getItem|setItem)\\(\\s*['"]([^'"\\\\]+)['"]`, 'g')),
        ...names(src, new RegExp(`\\b${kind}\\s*\\[\\s*['"]([^'"\\\\]+)['"]\\s*\\]`, 'g')),
        ...names(src, new RegExp(`\\b${kind}\\.(?!getItem|setItem|removeItem|clear|key|length)([A-Za-z_$][\\w$]*)`, 'g')),
      ];
      add(s[kind], keys);
    }
    if (/\b(?:eval|Function|setTimeout|setInterval|execScript)\s*\(/.test(src)) s.codeSinks = true;
    if (/\bfetch\s*\(|\bXMLHttpRequest\b|\$\.(?:ajax|get|getJSON|post)\b|\baxios\b/.test(src) && /\b(?:innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval)\b|\.(?:html|append|prepend)\(/.test(src)) s.rendersData = true;
  }
  if (pageUrl !== undefined) {
    const reflected = [...new URL(pageUrl).searchParams].filter(([, v]) => v.length >= 3 && scripts.some((src) => src.includes(v))).map(([k]) => k);
    if (reflected.length > 0) {
      s.query = true;
      add(s.queryNames, reflected);
    }
  }
  const any = s.query || s.hash || s.path || s.referrer || s.cookie || s.windowName || s.message || s.localStorage.length > 0 || s.sessionStorage.length > 0;
  return { ...s, any };
}

export type Shape = 'markup' | 'string' | 'expression';

/**
 * The payload of a shape for marker `f` and id `n`:
 * - markup: a javascript: URL that is also a statement (the label `javascript:`, a comment holding
 *   an element whose handler calls us, then the call): HTML sinks, code run as statements, and
 *   location/href/src assignments;
 * - string: breaks out of a single-, double- or back-quoted JavaScript string;
 * - expression: the bare call, for code that evaluates the value as an expression.
 */
export function payload(shape: Shape, f: string, n: number): string {
  const call = `${f}(${n})`;
  if (shape === 'markup') return `javascript:/*<img src=x onerror=${call}>*/${call}//`;
  if (shape === 'string') return `'-${call}-'"-${call}-"\${${call}}`;
  return call;
}

/** The sink a finding names: the hooked call that received our value, else what the marker's stack shows. */
export function sinkName(write: { sink: string; stack: string } | undefined, callStack: string, callFrame: string, pageUrl: string): string {
  if (write) return /jquery/i.test(write.stack) ? `${write.sink} (through jQuery)` : write.sink;
  if (/\bat eval \(eval at /.test(callStack)) return 'eval';
  if (callFrame !== pageUrl && callFrame.startsWith('about:')) return 'javascript: URL in a frame';
  return 'javascript: URL (location assignment or a link)';
}

export type SourceKind = 'query' | 'search' | 'hash' | 'path' | 'referrer' | 'cookie' | 'window.name' | 'localStorage' | 'sessionStorage';
export interface Source {
  kind: SourceKind;
  /** The finding's parameter: a query name, location.hash, localStorage.<key>... */
  name: string;
  location: InsertionLocation | 'url' | null;
  key?: string;
}
export interface Plant {
  id: number;
  source: Source;
  payload: string;
}

export function sourcesFor(sig: SourceSignal, page: CrawledPage): Source[] {
  const out: Source[] = [];
  const url = new URL(page.request.url);
  const queryNames = [...new Set([...url.searchParams.keys(), ...(sig.query ? sig.queryNames : [])])];
  for (const n of queryNames) out.push({ kind: 'query', name: n, location: 'query', key: n });
  if (sig.query && queryNames.length === 0) out.push({ kind: 'search', name: 'location.search', location: 'query' });
  if (sig.hash) out.push({ kind: 'hash', name: 'location.hash', location: 'url' });
  if (sig.path) out.push({ kind: 'path', name: 'location.pathname', location: 'path' });
  if (sig.referrer) out.push({ kind: 'referrer', name: 'document.referrer', location: 'header' });
  if (sig.windowName) out.push({ kind: 'window.name', name: 'window.name', location: null });
  if (sig.cookie) {
    const set = (headerValue(page.response, 'set-cookie') ?? '').split('\n').filter((l) => !/;\s*httponly/i.test(l));
    const names = [...sig.cookieNames, ...set.map((l) => l.split('=')[0]!.trim()).filter((n) => /^[\w-]+$/.test(n))];
    for (const n of [...new Set(names)].slice(0, 8)) out.push({ kind: 'cookie', name: n, location: 'cookie', key: n });
  }
  for (const kind of ['localStorage', 'sessionStorage'] as const) for (const k of sig[kind]) out.push({ kind, name: `${kind}.${k}`, location: null, key: k });
  return out;
}

/** One load of `pageUrl` with these plants (a path plant moves the URL, so it travels alone). */
export function visitFor(pageUrl: string, marker: string, plants: Plant[]): DomVisit {
  const u = new URL(pageUrl);
  u.hash = '';
  const pairs = u.search === '' ? [] : u.search.slice(1).split('&');
  const v: DomVisit = { url: '', marker, clickMarked: true };
  let hash = '';
  for (const p of plants) {
    const enc = encodeURIComponent(p.payload);
    switch (p.source.kind) {
      case 'query': {
        const i = pairs.findIndex((kv) => decodeName(kv) === p.source.key);
        const entry = `${encodeURIComponent(p.source.key!)}=${enc}`;
        if (i === -1) pairs.push(entry);
        else pairs[i] = entry;
        break;
      }
      case 'search':
        pairs.push(enc);
        break;
      case 'hash':
        hash = `#${p.payload}`;
        break;
      case 'path':
        u.pathname = (u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`) + enc;
        break;
      case 'referrer':
        v.referrer = `${u.origin}/?${enc}`;
        break;
      case 'window.name':
        v.windowName = p.payload;
        break;
      case 'cookie':
        (v.cookies ??= []).push({ name: p.source.key!, value: p.payload });
        break;
      default:
        (v[p.source.kind] ??= {})[p.source.key!] = p.payload;
    }
  }
  u.search = pairs.length > 0 ? `?${pairs.join('&')}` : '';
  v.url = u.href + hash;
  return v;
}

function decodeName(kv: string): string {
  const raw = kv.split('=')[0] ?? '';
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    // a malformed escape names a parameter no script can look up by its decoded name
    return raw;
  }
}

/** The ids that ran in a visit: marker calls, or dialogs showing what only the marker returns. */
export function ran(r: DomVisitResult, marker: string): Set<string> {
  const ids = new Set(r.calls.map((c) => c.id));
  for (const d of r.dialogs) for (const m of d.message.matchAll(new RegExp(`${marker}-ran-(\\d+)`, 'g'))) ids.add(m[1]!);
  return ids;
}

export function describeVisit(v: DomVisit, messageOrigin?: string): string {
  const parts = [`open ${v.url}`];
  if (v.referrer) parts.push(`coming from ${v.referrer}`);
  if (v.windowName) parts.push(`with window.name set to ${JSON.stringify(v.windowName)} by the page before`);
  for (const c of v.cookies ?? []) parts.push(`with cookie ${c.name}=${c.value}`);
  for (const k of ['localStorage', 'sessionStorage'] as const) for (const [n, val] of Object.entries(v[k] ?? {})) parts.push(`with ${k}.${n} = ${JSON.stringify(val)}`);
  if (v.messages) parts.push(`framed by ${messageOrigin ?? 'another origin'}, which posts ${JSON.stringify(v.messages[0])}`);
  return parts.join(', ');
}
