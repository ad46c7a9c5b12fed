// Mixed Content: HTTPS pages (as the crawl fetched them) that load subresources or submit forms
// over plain HTTP. Active content (scripts, frames, stylesheets, plugins) lets a network attacker
// take over the page; passive content (images, audio, video) lets them see and swap media; a form
// posting to http:// sends what the user typed in clear text. Pages whose Content-Security-Policy
// upgrades or blocks insecure requests are not reported: browsers never make those requests.
import { Parser } from 'htmlparser2';
import type { Severity } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { headerValue, renderRequest, renderResponse } from './support.js';

export const meta: CheckMeta = {
  id: 'mixed-content',
  item: 'Mixed Content',
  title: 'HTTPS page loads content over HTTP',
  severity: 'medium',
  confidence: 'certain',
  cwe: 319,
  references: [
    'https://cwe.mitre.org/data/definitions/319.html',
    'https://www.w3.org/TR/mixed-content/',
    'https://developer.mozilla.org/en-US/docs/Web/Security/Mixed_content',
  ],
  remediation:
    'Load every script, style, frame and media file over https:// (or a relative URL), post forms to https:// actions, and add "Content-Security-Policy: upgrade-insecure-requests" as a safety net.',
  // Passive: it reads the crawl's pages and sends nothing.
  requestBudget: 0,
};

export type MixedClass = 'active' | 'passive' | 'form';

export interface MixedRef {
  cls: MixedClass;
  tag: string;
  attr: string;
  url: string;
  /** The element as written, for the proof. */
  markup: string;
}

// Which attribute of which element fetches what; `link` counts only as a stylesheet or import.
const ACTIVE: Record<string, string[]> = { script: ['src'], iframe: ['src'], frame: ['src'], object: ['data'], embed: ['src'], link: ['href'] };
const PASSIVE: Record<string, string[]> = { img: ['src', 'srcset'], audio: ['src'], video: ['src', 'poster'], source: ['src', 'srcset'], track: ['src'], input: ['src'] };

function candidates(attr: string, value: string): string[] {
  if (attr !== 'srcset') return [value.trim()];
  return value.split(',').map((part) => part.trim().split(/\s+/)[0] ?? '');
}

/** Every subresource or form target of `html` that resolves to http:// against `pageUrl` (and <base>). */
export function findMixedContent(html: string, pageUrl: string): MixedRef[] {
  const out: MixedRef[] = [];
  let base = pageUrl;
  let start = 0;
  const parser: Parser = new Parser(
    {
      onopentag(name, attrs) {
        const markup = html.slice(start, parser.endIndex + 1).slice(0, 300);
        if (name === 'base' && attrs['href'] !== undefined) {
          try {
            base = new URL(attrs['href'], pageUrl).href;
          } catch {
            // an unusable <base> leaves the page URL as the base, as browsers do
          }
          return;
        }
        let cls: MixedClass | null = null;
        let attrNames: string[] = [];
        if (name === 'form') {
          cls = 'form';
          attrNames = ['action'];
        } else if (name === 'link') {
          if (!/\b(?:stylesheet|import)\b/i.test(attrs['rel'] ?? '')) return;
          cls = 'active';
          attrNames = ['href'];
        } else if (ACTIVE[name]) {
          cls = 'active';
          attrNames = ACTIVE[name] as string[];
        } else if (PASSIVE[name]) {
          if (name === 'input' && (attrs['type'] ?? '').toLowerCase() !== 'image') return;
          cls = 'passive';
          attrNames = PASSIVE[name] as string[];
        }
        if (cls === null) return;
        for (const attr of attrNames) {
          const raw = attrs[attr];
          if (raw === undefined || raw.trim() === '') continue;
          for (const c of candidates(attr, raw)) {
            let resolved: URL;
            try {
              resolved = new URL(c, base);
            } catch {
              // a URL the browser cannot parse is never fetched
              continue;
            }
            if (resolved.protocol === 'http:') out.push({ cls, tag: name, attr, url: resolved.href, markup });
          }
        }
      },
      onopentagname() {
        start = parser.startIndex;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return out;
}

const LABEL: Record<MixedClass, string> = { active: 'active content (scripts, frames, styles)', passive: 'passive content (images, media)', form: 'a form that submits' };

function severityOf(cls: MixedClass, refs: MixedRef[]): Severity {
  if (cls === 'passive') return 'low';
  if (cls === 'form') return 'medium';
  return refs.some((r) => r.tag === 'script' || r.tag === 'iframe' || r.tag === 'frame' || r.tag === 'object' || r.tag === 'embed') ? 'high' : 'medium';
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const total = ctx.pages.length;
  let done = 0;
  const seen = new Set<string>();
  for (const page of ctx.pages) {
    if (ctx.signal.aborted) return;
    ctx.progress?.(done++, total);
    const res = page.response;
    const pageUrl = res.url || page.request.url;
    if (!pageUrl.startsWith('https:') || !/html/i.test(headerValue(res, 'content-type') ?? 'text/html')) continue;
    // a CSP that upgrades or blocks insecure requests means the browser never sends them over http
    if (/\b(?:upgrade-insecure-requests|block-all-mixed-content)\b/i.test(headerValue(res, 'content-security-policy') ?? '')) continue;
    const refs = findMixedContent(res.body, pageUrl);
    for (const cls of ['active', 'passive', 'form'] as const) {
      const mine = refs.filter((r) => r.cls === cls);
      if (mine.length === 0) continue;
      const url = pageUrl.split('#')[0] as string;
      const key = `${new URL(url).pathname} ${cls}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const urls = [...new Set(mine.map((r) => `${r.tag}[${r.attr}] ${r.url}`))];
      yield {
        url,
        method: page.request.method.toUpperCase(),
        parameter: `${cls} mixed content`,
        location: 'response',
        payload: null,
        title: cls === 'form' ? 'HTTPS page posts a form over HTTP' : `HTTPS page loads ${cls} content over HTTP`,
        severity: severityOf(cls, mine),
        evidence: {
          request: renderRequest(ctx.toSpec(page.request)),
          response: renderResponse(res),
          proof: `${mine[0]!.markup}\nthe HTTPS page ${new URL(url).pathname} loads ${LABEL[cls]} over http: ${urls.slice(0, 8).join('; ')}`,
        },
        extra: { class: cls, urls: mine.map((r) => r.url) },
      };
    }
  }
  ctx.progress?.(total, total);
}

export const mixedContent: Check = { meta, run };
