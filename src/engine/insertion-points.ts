// Where a check can put a payload in a crawled request, and how to rebuild the request around it.
// Payloads are given as raw (decoded) values; each location applies its own encoding, so a check
// that wants a NUL byte passes "\u0000" and gets %00 in a query string, not "%2500".
import { randomBytes } from 'node:crypto';
import type { CrawledRequest, FormField, HttpRequestSpec, InsertionLocation } from '../core/model.js';
import type { InsertionPoint } from '../checks/types.js';

export const DEFAULT_HEADER_POINTS: readonly string[] = ['User-Agent', 'Referer', 'X-Forwarded-For'];

export interface InsertionPointOptions {
  /** Header names to offer as insertion points (default User-Agent, Referer, X-Forwarded-For). */
  headers?: string[];
  /** Value the session sends as User-Agent, so "append" keeps a realistic original. */
  userAgent?: string;
}

type Mode = 'replace' | 'append';

function headerLookup(headers: Record<string, string> | undefined, name: string): [string, string] | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return [k, v];
  return undefined;
}

function withoutHeaders(headers: Record<string, string> | undefined, names: string[]): Record<string, string> {
  const drop = new Set(names.map((n) => n.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (!drop.has(k.toLowerCase())) out[k] = v;
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    // malformed escapes stay as they are: the raw text is still the best display name
    return s;
  }
}

/** application/x-www-form-urlencoded, as browsers send it (space as "+"). */
export function formEncode(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+');
}

/** A header value cannot carry CR, LF or other controls; they are percent-encoded instead. */
function headerSafe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase());
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function newBoundary(): string {
  return '----wscFormBoundary' + randomBytes(12).toString('hex');
}

export function renderMultipart(fields: FormField[], boundary: string): string {
  let out = '';
  for (const f of fields) {
    const name = f.name.replace(/"/g, '%22').replace(/\r|\n/g, ' ');
    out += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"`;
    if (f.filename !== undefined) {
      out += `; filename="${f.filename.replace(/"/g, '%22').replace(/\r|\n/g, ' ')}"\r\n`;
      out += `Content-Type: ${f.contentType ?? 'application/octet-stream'}\r\n\r\n`;
    } else {
      out += '\r\n\r\n';
    }
    out += `${f.value}\r\n`;
  }
  return out + `--${boundary}--\r\n`;
}

function renderBody(
  req: CrawledRequest,
  fields: FormField[] | undefined,
  rawBody: string | undefined,
): { body?: string; contentType?: string } {
  // an unchecked checkbox is not sent, unless an attack put a payload in it
  const sent = fields?.filter((f) => f.unsent !== true) ?? [];
  switch (req.bodyKind) {
    case 'urlencoded':
      return {
        body: sent.map((f) => `${formEncode(f.name)}=${formEncode(f.value)}`).join('&'),
        contentType: 'application/x-www-form-urlencoded',
      };
    case 'multipart': {
      const boundary = newBoundary();
      return { body: renderMultipart(sent, boundary), contentType: `multipart/form-data; boundary=${boundary}` };
    }
    case 'json':
      return { body: rawBody ?? '', contentType: headerLookup(req.headers, 'content-type')?.[1] ?? 'application/json' };
    case 'xml':
      return { body: rawBody ?? '', contentType: headerLookup(req.headers, 'content-type')?.[1] ?? 'application/xml' };
    case 'text':
      // a text/plain form sends "name=value" lines; a script's text body is sent as it was
      return { body: rawBody ?? sent.map((f) => `${f.name}=${f.value}\r\n`).join(''), contentType: headerLookup(req.headers, 'content-type')?.[1] ?? 'text/plain' };
    default:
      return {};
  }
}

interface Parts {
  url?: string;
  fields?: FormField[];
  rawBody?: string;
  headers?: Record<string, string>;
}

/** Renders a crawled request, with optional replaced parts, as a sendable spec. */
function render(req: CrawledRequest, parts: Parts = {}): HttpRequestSpec {
  const { body, contentType } = renderBody(req, parts.fields ?? req.fields, parts.rawBody ?? req.rawBody);
  // Content-Length is the transport's job: a mutated body has a different length.
  const headers = withoutHeaders(parts.headers ?? req.headers, ['content-length', ...(contentType ? ['content-type'] : [])]);
  if (req.referer && !headerLookup(headers, 'referer')) headers['Referer'] = req.referer;
  if (contentType) headers['Content-Type'] = contentType;
  const spec: HttpRequestSpec = { method: req.method.toUpperCase(), url: parts.url ?? stripHash(req.url), headers };
  if (body !== undefined) spec.body = body;
  return spec;
}

function stripHash(url: string): string {
  const i = url.indexOf('#');
  return i === -1 ? url : url.slice(0, i);
}

export function toSpec(req: CrawledRequest): HttpRequestSpec {
  return render(req);
}

function point(
  location: InsertionLocation,
  name: string,
  value: string,
  build: (payload: string, mode: Mode) => HttpRequestSpec,
): InsertionPoint {
  return { location, name, value, build: (payload, mode = 'replace') => build(payload, mode) };
}

function queryPoints(req: CrawledRequest): InsertionPoint[] {
  const url = stripHash(req.url);
  const q = url.indexOf('?');
  if (q === -1) return [];
  const base = url.slice(0, q);
  // Work on the raw query text so every other parameter keeps its exact original encoding.
  const pairs = url.slice(q + 1).split('&');
  const out: InsertionPoint[] = [];
  pairs.forEach((pair, i) => {
    if (pair === '') return;
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    out.push(
      point('query', safeDecode(rawName), safeDecode(rawValue), (payload, mode) => {
        const v = mode === 'append' ? rawValue + encodeURIComponent(payload) : encodeURIComponent(payload);
        const next = pairs.slice();
        next[i] = `${rawName}=${v}`;
        return render(req, { url: `${base}?${next.join('&')}` });
      }),
    );
  });
  // a GET form's unchecked checkboxes: absent from the URL, but a parameter the server reads
  for (const name of req.absentQuery ?? []) {
    out.push(point('query', name, '', (payload) => render(req, { url: `${base}?${[...pairs.filter((p) => p !== ''), `${formEncode(name)}=${encodeURIComponent(payload)}`].join('&')}` })));
  }
  return out;
}

function pathPoints(req: CrawledRequest): InsertionPoint[] {
  let u: URL;
  try {
    u = new URL(req.url);
  } catch {
    // the crawler only emits absolute URLs; a relative one has no path segments to offer
    return [];
  }
  const segments = u.pathname.split('/');
  const out: InsertionPoint[] = [];
  // A script's URL takes extra path segments (PHP's PATH_INFO, /index.php/anything): a point of
  // its own, after the script name. First among the path points, so "the last segment" stays last.
  if (/\.(?:php\d?|phtml|aspx?|jsp|jspx|cgi|pl|py|rb|cfm|do|action)$/i.test(segments[segments.length - 1] ?? '')) {
    out.push(point('path', 'PATH_INFO', '', (payload) => render(req, { url: `${u.origin}${u.pathname}/${encodeURIComponent(payload)}${u.search}` })));
  }
  let index = 0;
  segments.forEach((seg, i) => {
    if (seg === '') return;
    out.push(
      point('path', `path[${index}]`, safeDecode(seg), (payload, mode) => {
        const enc = encodeURIComponent(payload);
        const next = segments.slice();
        next[i] = mode === 'append' ? seg + enc : enc;
        return render(req, { url: `${u.origin}${next.join('/')}${u.search}` });
      }),
    );
    index++;
  });
  return out;
}

function fieldPoints(req: CrawledRequest): InsertionPoint[] {
  const kind = req.bodyKind;
  if (kind !== 'urlencoded' && kind !== 'multipart' && !(kind === 'text' && req.rawBody === undefined)) return [];
  const fields = req.fields ?? [];
  const location: InsertionLocation = kind === 'multipart' ? 'multipart' : 'body';
  return fields.map((f, i) =>
    point(location, f.name, f.unsent === true ? '' : f.value, (payload, mode) => {
      const next = fields.slice();
      const value = mode === 'append' && f.unsent !== true ? f.value + payload : payload;
      next[i] = f.unsent === true ? sentField(f, value) : { ...f, value };
      // "password" and "confirm password" must match before most servers go on: a payload in the
      // first password field goes into the later ones too, as a user would type it twice. Not the
      // other way round: a finding in the confirmation would then be the first field's.
      if (f.type === 'password' && fields.findIndex((o) => o.type === 'password') === i) next.forEach((o, j) => {
        if (j > i && o.type === 'password') next[j] = { ...o, value };
      });
      return render(req, { fields: next });
    }),
  );
}

/** The field as sent, for an unsent checkbox that a payload now fills. */
function sentField(f: FormField, value: string): FormField {
  const out: FormField = { name: f.name, value };
  if (f.filename !== undefined) out.filename = f.filename;
  if (f.contentType !== undefined) out.contentType = f.contentType;
  if (f.type !== undefined) out.type = f.type;
  return out;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function jsonPoints(req: CrawledRequest): InsertionPoint[] {
  if (req.bodyKind !== 'json' || req.rawBody === undefined) return [];
  let doc: Json;
  try {
    doc = JSON.parse(req.rawBody) as Json;
  } catch {
    // a body labelled JSON that does not parse offers no structured points; the raw body stays usable
    return [];
  }
  const out: InsertionPoint[] = [];
  const walk = (node: Json, path: (string | number)[], name: string): void => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, [...path, i], `${name}[${i}]`));
    } else if (node !== null && typeof node === 'object') {
      for (const [k, child] of Object.entries(node)) walk(child, [...path, k], name === '' ? k : `${name}.${k}`);
    } else if (typeof node === 'string' || typeof node === 'number') {
      const original = node;
      out.push(
        point('json', name, String(original), (payload, mode) => {
          const copy = JSON.parse(req.rawBody as string) as Json;
          const value = mode === 'append' ? String(original) + payload : payload;
          if (path.length === 0) return render(req, { rawBody: JSON.stringify(value) });
          let parent = copy as Record<string | number, Json>;
          for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
          parent[path[path.length - 1] as string | number] = value;
          return render(req, { rawBody: JSON.stringify(copy) });
        }),
      );
    }
  };
  walk(doc, [], '');
  return out;
}

function xmlPoints(req: CrawledRequest): InsertionPoint[] {
  if (req.bodyKind !== 'xml' || req.rawBody === undefined) return [];
  const raw = req.rawBody;
  const out: InsertionPoint[] = [];
  const seen = new Map<string, number>();
  // Leaf elements with plain text only; CDATA, comments and mixed content are left alone.
  const leaf = /<([A-Za-z_][\w.:-]*)(\s[^<>]*)?>([^<>]*)<\/\1\s*>/g;
  for (let m = leaf.exec(raw); m !== null; m = leaf.exec(raw)) {
    const text = m[3] as string;
    if (text.trim() === '') continue;
    const tag = m[1] as string;
    const n = seen.get(tag) ?? 0;
    seen.set(tag, n + 1);
    const end = m.index + m[0].lastIndexOf('</');
    const start = end - text.length;
    const original = text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
    out.push(
      point('xml', n === 0 ? tag : `${tag}[${n}]`, original, (payload, mode) => {
        const value = mode === 'append' ? text + xmlEscape(payload) : xmlEscape(payload);
        return render(req, { rawBody: raw.slice(0, start) + value + raw.slice(end) });
      }),
    );
  }
  return out;
}

function headerPoints(req: CrawledRequest, names: readonly string[], userAgent: string | undefined): InsertionPoint[] {
  return names.map((name) => {
    const existing = headerLookup(req.headers, name);
    let original = existing?.[1] ?? '';
    if (!existing && name.toLowerCase() === 'user-agent') original = userAgent ?? '';
    if (!existing && name.toLowerCase() === 'referer') original = req.referer ?? '';
    return point('header', name, original, (payload, mode) => {
      const headers = withoutHeaders(req.headers, [name]);
      headers[existing?.[0] ?? name] = headerSafe(mode === 'append' ? original + payload : payload);
      return render(req, { headers });
    });
  });
}

function cookiePoints(req: CrawledRequest): InsertionPoint[] {
  const header = headerLookup(req.headers, 'cookie');
  if (!header) return [];
  const pairs = header[1].split(';').map((p) => p.trim());
  const out: InsertionPoint[] = [];
  pairs.forEach((pair, i) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq);
    const rawValue = pair.slice(eq + 1);
    out.push(
      point('cookie', name, safeDecode(rawValue), (payload, mode) => {
        const enc = encodeURIComponent(payload);
        const next = pairs.slice();
        next[i] = `${name}=${mode === 'append' ? rawValue + enc : enc}`;
        const headers = withoutHeaders(req.headers, ['cookie']);
        headers[header[0]] = next.join('; ');
        return render(req, { headers });
      }),
    );
  });
  return out;
}

export function insertionPoints(req: CrawledRequest, opts: InsertionPointOptions = {}): InsertionPoint[] {
  return [
    ...queryPoints(req),
    ...fieldPoints(req),
    ...jsonPoints(req),
    ...xmlPoints(req),
    ...pathPoints(req),
    ...headerPoints(req, opts.headers ?? DEFAULT_HEADER_POINTS, opts.userAgent),
    ...cookiePoints(req),
  ];
}
