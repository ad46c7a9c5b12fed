// What a page is made of, as opposed to what it says: the evidence that tells two URLs of one path
// and parameter names apart when their values choose different code paths (index.php?page=login
// and index.php?page=search) from a catalogue whose 50,000 ids all show one template. And the
// code-path parameters the crawl learns from that evidence, which findings carry in their identity.
import { hash53, patternKey } from './normalize.js';
import type { LinkCandidate, PageLinks } from './page-links.js';

/**
 * Distinct structures kept per attack target (and counted as evidence per URL pattern): a page
 * family with more templates than this is treated as having this many. 32 would cut OWASP
 * Mutillidae (40-odd pages behind index.php?page=); a catalogue stays one target whatever it is.
 */
export const MAX_STRUCTURES = 64;

/** Values remembered per code-path parameter of one path (see CodePaths). */
const MAX_SELECTORS = 2 * MAX_STRUCTURES;

const HAS_DIGIT = /\d/;
const DIGITS = /\d+/g;

/** The shape of one form or script endpoint: method, URL pattern, field names; digits generalised. */
function endpointShape(c: LinkCandidate): string {
  let names: string[] = [];
  if (c.fields !== undefined) names = c.fields.map((f) => f.name);
  let k: string;
  try {
    k = patternKey(c.method, c.url, names);
  } catch {
    // LinkCandidate URLs are absolute; should one not parse, its text is still a shape
    k = `${c.method} ${c.url}`;
  }
  // record-specific names (qty_123, rating[57]) must not make every record a template of its own
  return HAS_DIGIT.test(k) ? k.replace(DIGITS, '{n}') : k;
}

/** An external script as structure: its path, digits generalised (cache-busting queries dropped). */
function scriptShape(src: string): string {
  const q = src.indexOf('?');
  const p = q < 0 ? src : src.slice(0, q);
  return 'S ' + (HAS_DIGIT.test(p) ? p.replace(DIGITS, '{n}') : p);
}

/**
 * A hash of the page's structure: the set of its forms (method, action pattern, field names), the
 * endpoints its scripts call and the scripts it loads. Text is left out (it varies per record) and
 * so are plain links: pageLinks drops a link the crawl has already resolved before it becomes a
 * candidate, so a page's link list depends on crawl order, while its forms and script endpoints
 * are always listed whole.
 */
export function pageStructure(links: PageLinks): number {
  const shapes: string[] = [];
  for (const c of links.candidates) if (c.source === 'form' || c.source === 'script') shapes.push(endpointShape(c));
  for (const s of links.scripts) shapes.push(scriptShape(s));
  if (shapes.length === 0) return 0;
  shapes.sort();
  let h = 1;
  let prev = '';
  for (const s of shapes) {
    if (s === prev) continue;
    h = hash53(s, h);
    prev = s;
  }
  return h;
}

/**
 * Code-path parameters learned by the crawl, by "origin + path": for each query parameter whose
 * value differed between two structurally distinct pages of one target, the values that showed a
 * structure of their own (the selectors). A catalogue's `id` never gets here: its pages share one
 * structure.
 */
export type CodePaths = Map<string, Map<string, Set<string>>>;

/** Records what two structurally distinct URLs of one attack target (GET, same names) differ in. */
export function learnCodePath(paths: CodePaths, a: URL, b: URL): void {
  const key = a.origin + a.pathname;
  let names = paths.get(key);
  for (const [name, va] of a.searchParams) {
    const vb = b.searchParams.get(name);
    if (vb === null || vb === va) continue;
    if (names === undefined) {
      names = new Map();
      paths.set(key, names);
    }
    let values = names.get(name);
    if (values === undefined) {
      values = new Set();
      names.set(name, values);
    }
    if (values.size < MAX_SELECTORS) values.add(va);
    if (values.size < MAX_SELECTORS) values.add(vb);
  }
}

/**
 * The code path a URL is on: "name=value" pairs (sorted, URL-encoded) of its path's code-path
 * parameters, leaving out `except` (a finding's own parameter: its value is the payload). Empty when
 * the path has none. A value met for the first time becomes a selector while there is room (at
 * most MAX_SELECTORS per name), so the number of code paths of one path stays bounded.
 */
export function codePathOf(paths: CodePaths, url: URL, except: string | null = null): string {
  if (paths.size === 0 || url.search === '') return '';
  const names = paths.get(url.origin + url.pathname);
  if (names === undefined) return '';
  const pairs: [string, string][] = [];
  for (const [name, values] of names) {
    if (name === except) continue;
    const v = url.searchParams.get(name);
    if (v === null) continue;
    // Once a parameter is known to choose the page, each of its values is a page of its own
    // (index.php?page=capture-data.php, whose plain page shows no structure of its own, too),
    // up to MAX_SELECTORS values; past them a value is no code path.
    if (!values.has(v) && values.size < MAX_SELECTORS) values.add(v);
    if (values.has(v)) pairs.push([name, v]);
  }
  if (pairs.length === 0) return '';
  pairs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return new URLSearchParams(pairs).toString();
}
