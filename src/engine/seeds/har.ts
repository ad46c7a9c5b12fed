// HAR files (HTTP Archive 1.2, as browsers' developer tools save them) and plain URL lists as
// attack targets. A HAR entry keeps its method, URL, body and the headers that shape the request
// (Content-Type, custom X- headers); cookies and credentials are the scan's own business.
import type { BodyKind, CrawledRequest, FormField } from '../../core/model.js';
import { SeedError } from './openapi.js';

interface HarHeader {
  name?: unknown;
  value?: unknown;
}

interface HarEntry {
  request?: {
    method?: unknown;
    url?: unknown;
    headers?: HarHeader[];
    postData?: { mimeType?: unknown; text?: unknown; params?: { name?: unknown; value?: unknown; fileName?: unknown; contentType?: unknown }[] };
  };
}

/** Headers a recorded request carries that are the transport's or the session's, not the request's. */
const DROPPED = /^(:.*|host|connection|content-length|transfer-encoding|cookie|authorization|proxy-authorization|accept-encoding|user-agent|referer|origin|te|upgrade|keep-alive|sec-.*|priority|if-none-match|if-modified-since|cache-control|pragma)$/i;
export const MAX_ENTRIES = 10_000;

function kindOf(mime: string): BodyKind {
  if (/json/i.test(mime)) return 'json';
  if (/x-www-form-urlencoded/i.test(mime)) return 'urlencoded';
  if (/multipart/i.test(mime)) return 'multipart';
  if (/xml/i.test(mime)) return 'xml';
  return 'text';
}

export function harRequests(raw: unknown): CrawledRequest[] {
  const log = (raw as { log?: { entries?: unknown } } | null)?.log;
  if (!log || !Array.isArray(log.entries)) throw new SeedError('not a HAR file (no log.entries)');
  const out: CrawledRequest[] = [];
  for (const e of (log.entries as HarEntry[]).slice(0, MAX_ENTRIES)) {
    const r = e?.request;
    if (!r || typeof r.url !== 'string' || typeof r.method !== 'string') continue;
    let url: URL;
    try {
      url = new URL(r.url);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    url.hash = '';
    const req: CrawledRequest = { method: r.method.toUpperCase(), url: url.href, source: 'har', depth: 1 };
    const headers: Record<string, string> = {};
    for (const h of r.headers ?? []) {
      if (typeof h?.name !== 'string' || typeof h.value !== 'string' || DROPPED.test(h.name) || /[\r\n]/.test(h.value)) continue;
      if (/^accept$/i.test(h.name)) continue;
      headers[h.name] = h.value;
    }
    const pd = r.postData;
    if (pd && (typeof pd.text === 'string' || Array.isArray(pd.params))) {
      const mime = typeof pd.mimeType === 'string' ? pd.mimeType : (Object.entries(headers).find(([k]) => /^content-type$/i.test(k))?.[1] ?? 'text/plain');
      const kind = kindOf(mime);
      req.bodyKind = kind;
      if (kind === 'urlencoded' || kind === 'multipart') {
        const fields: FormField[] = [];
        if (Array.isArray(pd.params) && pd.params.length > 0) {
          for (const p of pd.params) {
            if (typeof p?.name !== 'string') continue;
            const f: FormField = { name: p.name, value: typeof p.value === 'string' ? p.value : '' };
            if (typeof p.fileName === 'string') {
              f.filename = p.fileName;
              f.contentType = typeof p.contentType === 'string' ? p.contentType : 'application/octet-stream';
            }
            fields.push(f);
          }
        } else if (kind === 'urlencoded' && typeof pd.text === 'string') {
          for (const [name, value] of new URLSearchParams(pd.text)) fields.push({ name, value });
        }
        req.fields = fields;
        // the boundary is the renderer's to choose
        for (const k of Object.keys(headers)) if (/^content-type$/i.test(k)) delete headers[k];
      } else {
        req.rawBody = typeof pd.text === 'string' ? pd.text : '';
        if (!Object.keys(headers).some((k) => /^content-type$/i.test(k))) headers['Content-Type'] = mime;
      }
    }
    if (Object.keys(headers).length > 0) req.headers = headers;
    out.push(req);
  }
  return out;
}

/** One URL a line; blank lines and lines starting with # are skipped, relative URLs resolve against the StartUrl. */
export function urlListRequests(text: string, startUrl: string): CrawledRequest[] {
  const out: CrawledRequest[] = [];
  for (const line of text.split(/\r?\n/).slice(0, MAX_ENTRIES)) {
    const s = line.trim();
    if (s === '' || s.startsWith('#')) continue;
    try {
      const u = new URL(s, startUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') continue;
      u.hash = '';
      out.push({ method: 'GET', url: u.href, source: 'urls', depth: 1 });
    } catch {
      // a line that is not a URL names no target
    }
  }
  return out;
}
