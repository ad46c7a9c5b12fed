// A request a page's scripts made, as an attack target: method, URL, the headers the script chose
// (not the browser's own), and the body in the crawl's form model (urlencoded and multipart
// fields, JSON, XML or text as sent), so insertion points come out as for any crawled request.
import type { BodyKind, CrawledRequest, FormField } from '../../core/model.js';
import type { BrowserRequest } from './pool.js';

// Headers every browser request carries, or that the session sets itself: not the script's choice.
const BROWSER_HEADERS = new Set([
  'host', 'connection', 'content-length', 'user-agent', 'accept', 'accept-language', 'accept-encoding', 'referer', 'origin',
  'cookie', 'upgrade-insecure-requests', 'cache-control', 'pragma', 'priority', 'dnt', 'if-none-match', 'if-modified-since',
  'purpose', 'x-client-data', 'te', 'keep-alive', 'transfer-encoding', 'upgrade', 'sec-purpose',
]);

/** Headers a page's script set on a request (sec-* and the browser's own left out). */
export function scriptHeaders(headers: Record<string, string>, jobHeaders: readonly string[] = []): Record<string, string> {
  const job = new Set(jobHeaders.map((h) => h.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const lower = k.toLowerCase();
    if (lower.startsWith(':') || lower.startsWith('sec-') || BROWSER_HEADERS.has(lower) || job.has(lower)) continue;
    out[k] = v;
  }
  return out;
}

function headerOf(h: Record<string, string>, name: string): string | undefined {
  for (const [k, v] of Object.entries(h)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** multipart/form-data parts as fields; null when the body does not parse as such. */
export function parseMultipart(body: Buffer, contentType: string): FormField[] | null {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return null;
  const text = body.toString('latin1');
  const parts = text.split(`--${boundary}`);
  const fields: FormField[] = [];
  for (const part of parts.slice(1)) {
    if (part.startsWith('--')) break;
    const split = part.indexOf('\r\n\r\n');
    if (split === -1) continue;
    const head = part.slice(0, split);
    let value = part.slice(split + 4);
    if (value.endsWith('\r\n')) value = value.slice(0, -2);
    const disp = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disp)?.[1];
    if (name === undefined) continue;
    const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1];
    const ct = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1];
    const field: FormField = { name, value: Buffer.from(value, 'latin1').toString('utf8') };
    if (filename !== undefined) {
      field.filename = filename;
      field.type = 'file';
      if (ct) field.contentType = ct.trim();
    }
    fields.push(field);
    if (fields.length >= 500) break;
  }
  return fields;
}

function kindOf(contentType: string, body: string): BodyKind {
  const ct = contentType.toLowerCase();
  if (ct.includes('application/x-www-form-urlencoded')) return 'urlencoded';
  if (ct.includes('multipart/form-data')) return 'multipart';
  if (/[/+]json\b/.test(ct)) return 'json';
  if (/[/+]xml\b/.test(ct)) return 'xml';
  const t = body.trimStart();
  if (ct === '' || ct.startsWith('text/plain')) {
    if (t.startsWith('{') || t.startsWith('[')) {
      try {
        JSON.parse(t);
        return 'json';
      } catch {
        // braces, but not JSON: sent as the text it is
      }
    }
    if (t.startsWith('<')) return 'xml';
  }
  return 'text';
}

/**
 * The attack target a browser request stands for. `jobHeaders` (names) are left out of its own
 * headers: the session adds them to every request anyway.
 */
export function toCrawledRequest(req: BrowserRequest, source: string, depth: number, jobHeaders: readonly string[] = []): CrawledRequest {
  const url = req.url.replace(/#.*$/, '');
  const out: CrawledRequest = { method: req.method.toUpperCase(), url, source, depth };
  const referer = headerOf(req.headers, 'referer');
  if (referer !== undefined) out.referer = referer;
  const headers = scriptHeaders(req.headers, jobHeaders);
  const body = req.body;
  if (body !== undefined && body.length > 0 && out.method !== 'GET' && out.method !== 'HEAD') {
    const ct = headerOf(req.headers, 'content-type') ?? '';
    const text = body.toString('utf8');
    const kind = kindOf(ct, text);
    out.bodyKind = kind;
    if (kind === 'urlencoded') {
      out.fields = [...new URLSearchParams(text)].slice(0, 500).map(([name, value]) => ({ name, value }));
    } else if (kind === 'multipart') {
      const fields = parseMultipart(body, ct);
      if (fields === null) {
        out.bodyKind = 'text';
        out.rawBody = text;
      } else out.fields = fields;
    } else {
      out.rawBody = text;
    }
    // the body's type is rendered from bodyKind for forms; for the others the script's own type stays
    if (out.bodyKind === 'urlencoded' || out.bodyKind === 'multipart') {
      for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-type') delete headers[k];
    }
  } else {
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-type') delete headers[k];
  }
  if (Object.keys(headers).length > 0) out.headers = headers;
  return out;
}
