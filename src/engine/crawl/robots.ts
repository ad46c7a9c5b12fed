// robots.txt and sitemaps as sources of URLs. Disallowed paths are exactly what a scanner wants to
// see, so robots.txt is read for its paths, never obeyed.
import { gunzipSync } from 'node:zlib';
import { tokenize } from './html.js';

export interface RobotsInfo {
  /** Allow/Disallow paths, wildcards cut off at the first `*` or `$`. */
  paths: string[];
  sitemaps: string[];
}

export function parseRobots(text: string): RobotsInfo {
  const paths: string[] = [];
  const sitemaps: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^(allow|disallow|sitemap)\s*:\s*(\S+)/i.exec(line);
    if (!m || !m[1] || !m[2]) continue;
    if (m[1].toLowerCase() === 'sitemap') {
      sitemaps.push(m[2]);
      continue;
    }
    const path = m[2].split(/[*$]/)[0] ?? '';
    if (path.startsWith('/') && path.length > 1 && !paths.includes(path)) paths.push(path);
  }
  return { paths, sitemaps };
}

export interface SitemapInfo {
  /** True for a <sitemapindex>: `locs` are further sitemaps. */
  index: boolean;
  locs: string[];
}

/** A sitemap body as text; gzip (by magic bytes, since .xml.gz is served without Content-Encoding) is inflated up to `maxBytes`. */
export function sitemapText(body: string, maxBytes: number): string {
  if (body.charCodeAt(0) === 0x1f && body.charCodeAt(1) === 0x8b) {
    try {
      return gunzipSync(Buffer.from(body, 'latin1'), { maxOutputLength: maxBytes }).toString('utf8');
    } catch {
      // corrupt or larger than the cap: nothing usable, which parseSitemap handles as empty
      return '';
    }
  }
  return body;
}

export function parseSitemap(xml: string, maxLocs = 50_000): SitemapInfo {
  const out: SitemapInfo = { index: false, locs: [] };
  let inLoc = false;
  let buf = '';
  tokenize(
    xml,
    {
      onopentag(name) {
        const local = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
        if (local === 'sitemapindex') out.index = true;
        if (local === 'loc') {
          inLoc = true;
          buf = '';
        }
      },
      ontext(t) {
        if (inLoc && buf.length < 4096) buf += t;
      },
      onclosetag(name) {
        const local = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
        if (local === 'loc' && inLoc) {
          inLoc = false;
          const v = buf.trim();
          if (v && out.locs.length < maxLocs) out.locs.push(v);
        }
      },
    },
    { xmlMode: true },
  );
  return out;
}
