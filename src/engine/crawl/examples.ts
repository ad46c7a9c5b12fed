// HTTP request examples in a site's own documentation: API pages show the raw request to send
// ("POST /api/echo HTTP/1.1", headers, a blank line, the body) in <pre> or <code> blocks. Such a
// request, published by the origin that serves the page, is an attack target like a form: its
// method, path-absolute target (resolved against the page's origin, whatever Host the example
// names), content type and body. Pure functions: this runs in extraction threads too.
import type { BodyKind, FormField } from '../../core/model.js';

export interface HttpExample {
  method: string;
  /** The request target as written: path-absolute, query included. */
  target: string;
  headers: Record<string, string>;
  bodyKind?: BodyKind;
  fields?: FormField[];
  rawBody?: string;
}

const REQUEST_LINE = /^[ \t]*(GET|POST|PUT|PATCH)[ \t]+(\/[^\s]*)[ \t]+HTTP\/(?:1\.[01]|2)[ \t]*$/;
const HEADER = /^([A-Za-z][\w-]{0,63})[ \t]*:[ \t]*(.*)$/;
/** Headers an example keeps: what tells the server how to read the body. The rest (Host, cookies, tokens) is the example's, not ours. */
const KEPT = new Set(['content-type', 'soapaction', 'accept']);
export const MAX_EXAMPLES = 20;
const MAX_BODY = 16 * 1024;

function bodyOf(contentType: string, text: string): Pick<HttpExample, 'bodyKind' | 'fields' | 'rawBody'> {
  const ct = contentType.toLowerCase();
  const t = text.trim();
  if (t === '') return {};
  if (ct.includes('json') || (ct === '' && /^[[{]/.test(t))) {
    // the JSON value ends where it parses: prose after the example is not part of it
    const close = t.startsWith('[') ? ']' : '}';
    let tries = 0;
    for (let e = t.lastIndexOf(close); e > 0 && tries++ < 50; e = t.lastIndexOf(close, e - 1)) {
      try {
        JSON.parse(t.slice(0, e + 1));
        return { bodyKind: 'json', rawBody: t.slice(0, e + 1) };
      } catch {
        // a shorter prefix may be the whole value
      }
    }
    return {};
  }
  if (ct.includes('xml') || (ct === '' && t.startsWith('<'))) {
    if (!t.startsWith('<')) return {};
    const last = t.lastIndexOf('>');
    return { bodyKind: 'xml', rawBody: t.slice(0, last + 1) };
  }
  if (ct.includes('x-www-form-urlencoded') || (ct === '' && /^[\w.[\]-]+=/.test(t))) {
    const line = t.split('\n')[0]?.trim() ?? '';
    return { bodyKind: 'urlencoded', fields: [...new URLSearchParams(line)].map(([name, value]) => ({ name, value })) };
  }
  return {};
}

/** The request examples in one block of documentation text (already entity-decoded), at most MAX_EXAMPLES. */
export function httpExamples(block: string, max = MAX_EXAMPLES): HttpExample[] {
  const lines = block.replace(/\r\n?/g, '\n').split('\n');
  const out: HttpExample[] = [];
  for (let i = 0; i < lines.length && out.length < max; i++) {
    const m = REQUEST_LINE.exec(lines[i] as string);
    if (!m) continue;
    const ex: HttpExample = { method: m[1] as string, target: m[2] as string, headers: {} };
    let contentType = '';
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = (lines[j] as string).trim();
      const h = HEADER.exec(line);
      if (!h) break;
      const name = (h[1] as string).toLowerCase();
      if (name === 'content-type') contentType = (h[2] as string).trim();
      if (KEPT.has(name)) ex.headers[h[1] as string] = (h[2] as string).trim();
    }
    // a body follows the blank line after the headers, up to the next request line
    if (j < lines.length && (lines[j] as string).trim() === '' && ex.method !== 'GET') {
      let k = j + 1;
      while (k < lines.length && !REQUEST_LINE.test(lines[k] as string)) k++;
      Object.assign(ex, bodyOf(contentType, lines.slice(j + 1, k).join('\n').slice(0, MAX_BODY)));
      j = k - 1;
    }
    out.push(ex);
    i = j - 1;
  }
  return out;
}
