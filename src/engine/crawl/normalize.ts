// URL identity for the crawler: what counts as "the same page", "the same attack target" and "the
// same shape of URL" (the last one is how crawler traps are recognised and cut).

/** Absolute http(s) URL without fragment, or null. Host lower-cased, default port dropped (URL does both). */
export function resolveUrlObject(href: string, base: string | URL): URL | null {
  const h = href.trim();
  if (h === '' || h.startsWith('#')) return null;
  if (/^(javascript|mailto|tel|data|about|blob|ftp|file|sms|ws|wss):/i.test(h)) return null;
  let u: URL;
  try {
    u = new URL(h, base);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.hash !== '') u.hash = '';
  return u;
}

export function resolveUrl(href: string, base: string | URL): string | null {
  return resolveUrlObject(href, base)?.href ?? null;
}

type UrlLike = string | URL;
const asUrl = (u: UrlLike): URL => (typeof u === 'string' ? new URL(u) : u);

/**
 * 53-bit string hash (cyrb53). The crawler keeps hashes, not key strings, in its seen-sets: at
 * 100,000 URLs that is the difference between a few MB and a few hundred; a collision (about
 * 1 in 10^11 at that size) would only merge two URLs.
 */
export function hash53(str: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Parameter names in order of first appearance (query string). */
export function queryNames(u: URL): string[] {
  const names: string[] = [];
  if (u.search === '') return names;
  for (const k of u.searchParams.keys()) if (!names.includes(k)) names.push(k);
  return names;
}

/** One attack target: method + path + sorted parameter names (query and body), values ignored. */
export function targetKey(method: string, url: UrlLike, bodyNames: string[] = []): string {
  const u = asUrl(url);
  const q = u.search === '' ? '' : queryNames(u).sort().join('&');
  const b = bodyNames.length === 0 ? '' : [...new Set(bodyNames)].sort().join('&');
  return `${method.toUpperCase()} ${u.origin}${u.pathname}?${q}#${b}`;
}

const NUMERIC = /^\d+$/;
const HEXISH = /^(?=.*\d)[0-9a-f]{8,}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}[-_/.]?\d{1,2}([-_/.]?\d{1,2})?$/;
// Long mixed letter/digit tokens: session ids (";jsessionid=", "/s/(A1B2...)/"), base64-ish keys.
const TOKEN = /^(?=.*\d)(?=.*[a-z])[a-z0-9_-]{16,}$/i;

const HAS_DIGIT = /\d/;

function generaliseSegment(seg: string): string {
  if (seg === '') return seg;
  // Most segments are plain words: every rule below needs a digit, except a UUID made only of
  // letters (36 characters exactly) and the jsessionid marker (a ';').
  if (!HAS_DIGIT.test(seg) && seg.length !== 36 && !seg.includes(';')) return seg;
  if (NUMERIC.test(seg)) return '{n}';
  if (UUID.test(seg)) return '{uuid}';
  if (DATE.test(seg)) return '{date}';
  if (HEXISH.test(seg)) return '{hex}';
  if (TOKEN.test(seg)) return '{token}';
  // "page-12", "item_7.html": the digits vary, the shape does not
  return seg.replace(/;jsessionid=[^/]*/i, ';{sid}').replace(/\d+/g, '{n}');
}

/** Collapses runs of a repeated segment sequence (/a/b/a/b/a/b) to one marked occurrence. */
function collapseRepeats(segs: string[]): string[] {
  let out = segs;
  for (let len = 1; len <= Math.floor(out.length / 2); len++) {
    const next: string[] = [];
    let i = 0;
    while (i < out.length) {
      const unit = out.slice(i, i + len);
      let reps = 1;
      const unitKey = unit.join('/');
      while (unit.length === len && i + (reps + 1) * len <= out.length && out.slice(i + reps * len, i + (reps + 1) * len).join('/') === unitKey) reps++;
      if (reps > 1 && unit.length === len) {
        next.push(`(${unit.join('/')})+`);
        i += reps * len;
      } else {
        next.push(out[i] as string);
        i++;
      }
    }
    out = next;
  }
  return out;
}

/** The shape of a URL: generalised path segments plus sorted query names. Variants share it. */
export function patternKey(method: string, url: UrlLike, bodyNames: string[] = []): string {
  const u = asUrl(url);
  // 64 segments are plenty to tell shapes apart and keep the collapse cheap on absurd paths
  let segs = u.pathname.split('/', 64);
  let repeats = false;
  for (let i = 0; i < segs.length; i++) {
    const g = generaliseSegment(segs[i] as string);
    segs[i] = g;
    if (!repeats && g !== '' && segs.indexOf(g) < i) repeats = true;
  }
  // Without a repeated segment there is no loop and no run to collapse (the usual case).
  if (repeats) {
    // Relative-link mazes (/a/x/y/x/x/y/...) mix their loops; any segment seen three times marks
    // one, and everything from its first occurrence on is one shape.
    const counts = new Map<string, number>();
    for (const s of segs) if (s !== '') counts.set(s, (counts.get(s) ?? 0) + 1);
    const loopAt = segs.findIndex((s) => s !== '' && (counts.get(s) ?? 0) >= 3);
    if (loopAt >= 0) segs = [...segs.slice(0, loopAt), '{loop}'];
    else segs = collapseRepeats(segs);
  }
  const q = u.search === '' ? '' : queryNames(u).sort().join('&');
  const b = bodyNames.length === 0 ? '' : [...new Set(bodyNames)].sort().join('&');
  return `${method.toUpperCase()} ${segs.join('/')}?${q}#${b}`;
}

/** Identity of one fetch: the URL with its query parameters sorted (values kept). */
export function fetchKey(method: string, url: UrlLike): string {
  const u = asUrl(url);
  if (u.search === '' || !u.search.includes('&')) return `${method.toUpperCase()} ${u.href}`;
  const sorted = new URLSearchParams(u.searchParams);
  sorted.sort();
  return `${method.toUpperCase()} ${u.origin}${u.pathname}?${sorted.toString()}`;
}

/**
 * hash53 of fetchKey(method, url) + '#' + bodyNames, computed in pieces: the crawler asks this for
 * every link on every page, and building the concatenated key first costs more than hashing it.
 */
export function fetchHash(method: string, url: URL, bodyNames: readonly string[] = []): number {
  const u = url.search.includes('&') ? fetchKey(method, url).slice(method.length + 1) : url.href;
  let h = hash53(u, hash53(method.toUpperCase()));
  if (bodyNames.length > 0) h = hash53(bodyNames.join('&'), h);
  return h;
}

const STATIC_EXT = /\.(?:png|jpe?g|gif|webp|avif|bmp|ico|svgz|tiff?|woff2?|ttf|otf|eot|mp[34]|m4[av]|webm|ogg|wav|avi|mov|mkv|flv|zip|gz|tgz|bz2|xz|7z|rar|tar|iso|dmg|exe|msi|apk|jar|pdf|docx?|xlsx?|pptx?|css|map)$/i;

/** Resources whose content is never a page: recorded, not fetched. */
export function isStaticResource(url: UrlLike): boolean {
  return STATIC_EXT.test(asUrl(url).pathname);
}
