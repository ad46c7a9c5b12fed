// Crawl "auto": whether a site needs the browser, judged from what the HTML crawl fetched. Only
// the start page and the pages one hop from it are read (a SPA shows itself there; a classic site
// with one script widget deep inside does not need a browser for that), and only strong signs
// count: an empty mount point that scripts fill, client-side routes, a page that is all script.
import type { CrawledPage } from '../../checks/types.js';

export interface BrowserNeed {
  needed: boolean;
  /** Why, in words for the report. */
  why: string;
}

const MOUNT = /<(div|main|section|body)\b[^>]*\bid\s*=\s*["']?(app|root|__next|__nuxt|__layout|main-app|application|spa|react-root|vue-app)["']?[^>]*>\s*<\/\1>/i;
const CUSTOM_ROOT = /<(app-root|ng-view|router-outlet)\b|\bng-app\b|\bdata-reactroot\b|\bx-data\b/i;
const HASH_ROUTE = /\bhref\s*=\s*["']#!?\//i;
const ROUTING = /\b(?:history\.(?:pushState|replaceState)|onhashchange|onpopstate)\b|addEventListener\(\s*["'](?:hashchange|popstate)["']/;
const DOM_BUILD = /\b(?:document\.createElement|\.innerHTML\s*=|\.insertAdjacentHTML|\.appendChild|\.replaceChildren|render\s*\()/;
const NETWORK = /\bfetch\s*\(|XMLHttpRequest|\baxios\b|\$\.(?:ajax|get|post|getJSON)\s*\(/;

function isHtmlPage(p: CrawledPage): boolean {
  const ct = (p.response.headers['content-type'] ?? '').toLowerCase();
  return p.response.status < 400 && (ct.includes('html') || (ct === '' && /^\s*</.test(p.response.body.slice(0, 256))));
}

/** Visible text of an HTML page, roughly: scripts, styles and tags removed. */
function visibleText(html: string): string {
  return html
    .replace(/<(script|style|noscript|template)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function inlineScripts(html: string): string {
  let out = '';
  for (const m of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script\s*>/gi)) out += (m[1] as string) + '\n';
  return out;
}

function describe(p: CrawledPage): string {
  return p.request.depth === 0 ? 'the start page' : `the page ${p.request.url}`;
}

/** Reads the start page and its neighbours for the signs of a script-built site. */
export function browserNeed(pages: readonly CrawledPage[]): BrowserNeed {
  const near = pages.filter((p) => p.request.depth <= 1 && isHtmlPage(p)).slice(0, 50);
  if (near.length === 0) return { needed: false, why: 'the HTML crawl found no HTML page to judge by' };
  for (const p of near) {
    const html = p.response.body;
    if (!/<script\b/i.test(html)) continue;
    const mount = MOUNT.exec(html);
    if (mount) return { needed: true, why: `${describe(p)} is an application shell: an empty #${mount[2] as string} that scripts fill` };
    if (CUSTOM_ROOT.test(html)) return { needed: true, why: `${describe(p)} is a script framework's root (${(CUSTOM_ROOT.exec(html) as RegExpExecArray)[0].replace(/^</, '')})` };
    if (HASH_ROUTE.test(html)) return { needed: true, why: `${describe(p)} links to client-side routes (#/...)` };
    const code = inlineScripts(html);
    if (ROUTING.test(code)) return { needed: true, why: `${describe(p)} routes on the client (history API or hash changes)` };
    const text = visibleText(html);
    if (text.length < 200 && DOM_BUILD.test(code) && NETWORK.test(code)) return { needed: true, why: `${describe(p)} shows almost no text and builds its content with script from requests` };
  }
  const start = near.find((p) => p.request.depth === 0) ?? (near[0] as CrawledPage);
  const startHtml = start.response.body;
  const scripts = (startHtml.match(/<script\b[^>]*\bsrc\s*=/gi) ?? []).length;
  if (scripts > 0 && visibleText(startHtml).length < 100 && !/<a\b[^>]*\bhref\s*=\s*["']?[^"'#\s>]/i.test(startHtml)) {
    return { needed: true, why: 'the start page is nearly empty, has no links and loads scripts' };
  }
  return { needed: false, why: 'the start page and its neighbours read as plain HTML (no application shell, client routing or script-built content)' };
}
