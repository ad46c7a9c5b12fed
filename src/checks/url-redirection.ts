// URL Redirection: parameters that carry a destination get a URL on a marker host only we know
// (never resolved, never fetched: redirects are not followed). The proof is a Location header, a
// meta refresh or a script redirect whose target, parsed the way a browser parses it, is that host.
import { randomBytes } from 'node:crypto';
import { Parser } from 'htmlparser2';
import type { CrawledRequest, HttpResponseData } from '../core/model.js';
import { REDIRECT_PARAM, VARIANTS, looksLikeDestination } from './definitions/url-redirection.js';
import { headerValue, renderRequest, renderResponse, trySend } from './support.js';
import type { Check, CheckContext, CheckMeta, FindingDraft, InsertionPoint } from './types.js';

export const meta: CheckMeta = {
  id: 'url-redirection',
  item: 'URL Redirection',
  title: 'Open redirect',
  severity: 'medium',
  confidence: 'certain',
  cwe: 601,
  references: [
    'https://cwe.mitre.org/data/definitions/601.html',
    'https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html',
  ],
  remediation:
    'Do not redirect to a destination taken from the request. Map destinations to server-side identifiers, or accept only relative paths: parse the value with a real URL parser against your own origin and redirect only when the resulting origin is yours (reject "//", "\\" and scheme tricks before parsing).',
  requestBudget: 32,
  perTarget: true,
};

const MAX_PARAMS_PER_TARGET = 4;
const LOCATIONS = new Set(['query', 'body', 'multipart', 'json']);

type Sink = 'Location header' | 'Refresh header' | 'meta refresh' | 'script redirect';

export interface RedirectProof {
  sink: Sink;
  /** The redirect target as the response wrote it. */
  target: string;
  /** The host a browser would go to. */
  host: string;
}

function decodeJsString(s: string): string {
  return s.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_m, e: string) => {
    if (e.startsWith('u{')) return String.fromCodePoint(parseInt(e.slice(2, -1), 16));
    if (e.length > 1 && (e[0] === 'u' || e[0] === 'x')) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e;
  });
}

/** The URL in a meta refresh content value ("0; url='/next'"), or null. */
export function metaRefreshUrl(content: string): string | null {
  const m = /^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.*?)\1\s*$/is.exec(content);
  const url = m?.[2]?.trim();
  return url ? url : null;
}

// A whole string literal assigned to the location, or passed to location.replace/assign: a
// literal that only starts a longer expression ("..." + x) is not a target we can read.
const JS_REDIRECTS = [
  /(?:\b(?:window|document|self|top|parent)\.)?\blocation(?:\.href)?\s*=\s*(["'`])((?:\\.|(?!\1)[^\\\n])*)\1\s*(?:;|\n|$)/g,
  /\blocation\.(?:replace|assign)\(\s*(["'`])((?:\\.|(?!\1)[^\\\n])*)\1\s*\)/g,
];

function hostOf(target: string, base: string): string | null {
  try {
    return new URL(target, base).hostname.toLowerCase();
  } catch {
    // a target no browser can parse sends nobody anywhere
    return null;
  }
}

/** Every redirect the response makes a browser perform, with the host it goes to. */
export function redirectTargets(res: HttpResponseData, base: string): RedirectProof[] {
  const out: RedirectProof[] = [];
  const add = (sink: Sink, target: string): void => {
    const host = hostOf(target, base);
    if (host !== null) out.push({ sink, target, host });
  };
  const location = headerValue(res, 'location');
  if (location !== undefined && res.status >= 300 && res.status < 400) add('Location header', location);
  const refresh = headerValue(res, 'refresh');
  const refreshUrl = refresh === undefined ? null : metaRefreshUrl(refresh);
  if (refreshUrl) add('Refresh header', refreshUrl);
  const type = headerValue(res, 'content-type') ?? '';
  if (res.body === '' || (type !== '' && !/html/i.test(type))) return out;
  const scripts: string[] = [];
  let inScript = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'meta' && (attrs['http-equiv'] ?? '').toLowerCase() === 'refresh' && attrs.content) {
          const url = metaRefreshUrl(attrs.content);
          if (url) add('meta refresh', url);
        }
        // data blocks and templates (type="text/template", JSON) never run
        if (name === 'script' && attrs.src === undefined && /^(?:|module|(?:text|application)\/(?:java|ecma)script)$/i.test((attrs.type ?? '').trim())) {
          inScript = true;
          scripts.push('');
        }
      },
      ontext(text) {
        if (inScript) scripts[scripts.length - 1] += text;
      },
      onclosetag(name) {
        if (name === 'script') inScript = false;
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(res.body);
  parser.end();
  for (const code of scripts) {
    for (const re of JS_REDIRECTS) {
      for (const m of code.matchAll(re)) {
        if (m[1] === '`' && (m[2] ?? '').includes('${')) continue;
        add('script redirect', decodeJsString(m[2] ?? ''));
      }
    }
  }
  return out;
}

function candidatePoints(ctx: CheckContext, req: CrawledRequest): InsertionPoint[] {
  return ctx
    .insertionPoints(req)
    .filter((p) => LOCATIONS.has(p.location) && (REDIRECT_PARAM.test(p.name.split('.').pop() ?? p.name) || looksLikeDestination(p.value)))
    .slice(0, MAX_PARAMS_PER_TARGET);
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const targets = ctx.requests.filter((r) => candidatePoints(ctx, r).length > 0);
  let done = 0;
  for (const req of targets) {
    ctx.progress?.(done++, targets.length);
    let target: URL;
    try {
      target = new URL(req.url);
    } catch {
      // the crawler emits absolute URLs only; nothing to resolve against otherwise
      continue;
    }
    for (const point of candidatePoints(ctx, req)) {
      const marker = `wsc-redirect-${randomBytes(5).toString('hex')}.example`;
      let expectedHost = target.host;
      try {
        if (/^https?:\/\//i.test(point.value)) expectedHost = new URL(point.value).host;
      } catch {
        // the original value is not a URL: the target's own host is what a filter expects
      }
      for (const variant of VARIANTS) {
        if (ctx.signal.aborted) return;
        const payload = variant.build(marker, { scheme: target.protocol, expectedHost });
        const spec = point.build(payload);
        const ex = await trySend(ctx, spec, { followRedirects: false });
        if (!ex) continue;
        const base = ex.response.url || spec.url;
        const hit = redirectTargets(ex.response, base).find((t) => t.host === marker || t.host.endsWith(`.${marker}`));
        if (!hit) continue;
        yield {
          url: req.url,
          method: spec.method,
          parameter: point.name,
          location: point.location,
          payload,
          ...(hit.sink === 'Location header' ? {} : { confidence: 'firm' as const }),
          evidence: {
            request: renderRequest(ex.request),
            response: renderResponse(ex.response),
            proof: `${hit.target}\n${hit.sink} sends the browser to ${hit.host}, a host only the scanner knows (payload variant: ${variant.name}); the page's own host is ${target.hostname}.`,
          },
          extra: { sink: hit.sink, markerHost: marker, variant: variant.name },
        };
        break;
      }
    }
  }
  ctx.progress?.(targets.length, targets.length);
}

export const urlRedirection: Check = { meta, run };
