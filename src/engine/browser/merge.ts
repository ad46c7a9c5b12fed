// The browser crawl's results joined to the HTML crawler's with the crawler's own identity of an
// attack target (method, path, query and body names: normalize.targetKey with requestBodyNames),
// so a form or call both found is one target, and the job's maxUrls bounds the sum.
import type { CrawledPage } from '../../checks/types.js';
import type { CrawledRequest } from '../../core/model.js';
import { requestBodyNames, type CrawlResult } from '../crawler.js';
import { fetchKey, hash53, targetKey } from '../crawl/normalize.js';
import type { CollectedUrl } from '../types.js';

export interface MergeInput {
  requests: readonly CrawledRequest[];
  pages: readonly CrawledPage[];
  urls: readonly CollectedUrl[];
}

function keyOf(r: CrawledRequest): number | null {
  try {
    return hash53(targetKey(r.method, new URL(r.url), requestBodyNames(r)));
  } catch {
    // not an absolute URL: it cannot be a target of either crawl
    return null;
  }
}

function fetchId(method: string, url: string): number | null {
  try {
    return hash53(`${method.toUpperCase()} ${fetchKey(method, url)}`);
  } catch {
    return null;
  }
}

/** `html` with what `extra` adds (new targets, pages and URLs), in place; returns the targets added. */
export function mergeCrawl(html: CrawlResult, extra: MergeInput, maxUrls: number): number {
  const targets = new Set<number>();
  for (const r of html.requests) {
    const k = keyOf(r);
    if (k !== null) targets.add(k);
  }
  let added = 0;
  for (const r of extra.requests) {
    const k = keyOf(r);
    if (k === null || targets.has(k)) continue;
    if (html.requests.length >= maxUrls) {
      html.limitReached ??= 'maxUrls';
      break;
    }
    targets.add(k);
    html.requests.push(r);
    added++;
  }
  const pages = new Set<number>();
  for (const p of html.pages) {
    const k = fetchId(p.request.method, p.request.url);
    if (k !== null) pages.add(k);
  }
  for (const p of extra.pages) {
    const k = fetchId(p.request.method, p.request.url);
    if (k === null || pages.has(k)) continue;
    pages.add(k);
    html.pages.push(p);
  }
  const urls = new Set<number>();
  for (const u of html.urls) {
    const k = fetchId(u.method, u.url);
    if (k !== null) urls.add(k);
  }
  for (const u of extra.urls) {
    const k = fetchId(u.method, u.url);
    if (k === null || urls.has(k)) continue;
    urls.add(k);
    html.urls.push(u);
  }
  return added;
}
