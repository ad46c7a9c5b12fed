// Information Disclosure: version banners in response headers and generator tags, framework debug
// pages and toolbars, private IP addresses and file-system paths (seen passively in crawled pages,
// plus one request for a missing page), and stack traces provoked with malformed input.
// SQL error messages belong to the SQL Injection check and are deliberately not reported here.
import { randomBytes } from 'node:crypto';
import type { CrawledRequest, HttpExchange, HttpResponseData, Severity } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, CrawledPage, FindingDraft } from './types.js';
import { headerValue, renderRequest, renderResponse, trySend } from './support.js';
import { arrayShaped, findDebugPage, findSecretComments, findFsPaths, findPrivateIps, examplesIn } from './definitions/information-disclosure.js';

export const meta: CheckMeta = {
  id: 'information-disclosure',
  item: 'Information Disclosure',
  title: 'Stack trace or debug error page disclosed',
  severity: 'medium',
  confidence: 'firm',
  cwe: 209,
  references: [
    'https://cwe.mitre.org/data/definitions/209.html',
    'https://cwe.mitre.org/data/definitions/200.html',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/08-Testing_for_Error_Handling/01-Testing_For_Improper_Error_Handling',
  ],
  remediation:
    'Turn off debug mode in production, handle errors with a generic error page, and remove version numbers from Server, X-Powered-By and generator banners.',
  requestBudget: 8,
};

/** Input that breaks naive parsing in most stacks: quotes, brackets, braces and a NUL byte. */
export const MALFORMED = '\'"[]{}\u0000';

interface TraceSignature {
  platform: string;
  pattern: RegExp;
}

const TRACES: TraceSignature[] = [
  { platform: 'Java', pattern: /\bat (?:[\w.$-]+(?:@[\w.-]+)?\/)?(?:[A-Za-z_$][\w$]*\.)+[\w$<>]+\((?:[\w$-]+\.(?:java|kt|scala|groovy):\d+|Native Method|Unknown Source)\)/ },
  { platform: 'Python', pattern: /Traceback\s*(?:<[^>]+>\s*)?\(most recent call last\)(?:<\/[^>]+>)?:?[\s\S]{0,400}?File (?:"|&quot;|&#34;)[^"&<]+(?:"|&quot;|&#34;), line \d+/ },
  { platform: 'Django debug page', pattern: /You(?:'|&#39;|&#x27;)re seeing this error because you have <code>DEBUG = True<\/code>/ },
  { platform: 'PHP', pattern: /<b>(?:Fatal error|Warning|Parse error|Notice|Deprecated)<\/b>:\s+[^\n]{1,400}? in <b>[^<]+<\/b> on line <b>\d+<\/b>/ },
  { platform: 'PHP', pattern: /\b(?:PHP )?(?:Fatal error|Warning|Parse error|Notice|Deprecated): [^\n<]{1,400}? in (?:\/|[A-Za-z]:\\)[^\s<]+ on line \d+/ },
  { platform: 'ASP.NET', pattern: /Server Error in '[^']*' Application\.[\s\S]{0,3000}?(?:Stack Trace:|Exception Details:|Version Information:)/ },
  {
    platform: 'Node.js',
    pattern: /\b[A-Z]\w*Error\b[^\n<]{0,300}(?:(?:\n|<br\s*\/?>)(?:\s|&nbsp;)*at [^\n<]{1,300}){0,5}?(?:\n|<br\s*\/?>)(?:\s|&nbsp;)*at (?:[^\n<()]+ )?\(?(?:node:internal\/[\w/.-]+|\/[^\s()<>:]+\.(?:m?js|cjs|ts)|[A-Za-z]:\\[^\s()<>:]+\.(?:m?js|cjs|ts)):\d+:\d+\)?/,
  },
  // The lookbehind starts a match only where a path starts: unanchored, "[\w.\-/]+\.rb" rescans a
  // long run of word characters from every position in it (quadratic: minutes on a 2 MB page).
  { platform: 'Ruby', pattern: /(?<![\w.\-/])[\w.\-/]{1,400}\.rb:\d+:in [`'][^'\n<]{1,200}'/ },
  { platform: 'Go', pattern: /(?:panic: [^\n<]{0,300}(?:\n|<br\s*\/?>)+)?goroutine \d+ \[running\]:/ },
];

// An error message that is really the database talking is the SQL Injection check's finding.
const SQL_ERROR = /SQL syntax|mysql_|mysqli|pg_query|PostgreSQL|SQLite|SQLSTATE|ORA-\d{5}|ODBC|Microsoft OLE DB|Unclosed quotation mark/i;

export interface TraceMatch {
  platform: string;
  matched: string;
}

export function findStackTrace(body: string): TraceMatch | null {
  for (const sig of TRACES) {
    const m = sig.pattern.exec(body);
    if (!m) continue;
    if (SQL_ERROR.test(m[0])) continue;
    return { platform: sig.platform, matched: m[0].length > 500 ? m[0].slice(0, 500) : m[0] };
  }
  return null;
}

export interface Banner {
  /** Header name, or "meta generator". */
  source: string;
  matched: string;
}

// product/version tokens as in "Apache/2.4.49 (Unix)", "PHP/7.4.3", "Jetty(9.4.43.v20210629)"
const PRODUCT_VERSION = /\b[A-Za-z][\w.-]*(?:\/v?\d+(?:\.\d+)*[\w.-]*|\(\d+\.\d+[^)\s]*\))/g;

/** Version-bearing banners; a banner without a version number is not a finding. */
export function findBanners(res: HttpResponseData): Banner[] {
  const out: Banner[] = [];
  for (const name of ['Server', 'X-Powered-By']) {
    const v = headerValue(res, name);
    if (!v) continue;
    const tokens = v.match(PRODUCT_VERSION);
    if (tokens) out.push({ source: name, matched: `${name}: ${v}` });
  }
  for (const name of ['X-AspNet-Version', 'X-AspNetMvc-Version', 'X-Generator']) {
    const v = headerValue(res, name);
    if (v && /\d/.test(v)) out.push({ source: name, matched: `${name}: ${v}` });
  }
  const meta = /<meta\s[^>]*?name\s*=\s*["']generator["'][^>]*>/i.exec(res.body) ?? /<meta\s[^>]*?content\s*=\s*["'][^"']*["'][^>]*name\s*=\s*["']generator["'][^>]*>/i.exec(res.body);
  if (meta) {
    const content = /content\s*=\s*["']([^"']*)["']/i.exec(meta[0])?.[1] ?? '';
    if (/\b\d+(?:\.\d+)*\b/.test(content)) out.push({ source: 'meta generator', matched: meta[0] });
  }
  return out;
}

function traceFinding(req: CrawledRequest, ex: HttpExchange, match: TraceMatch, parameter: string | null, location: FindingDraft['location'], payload: string | null): FindingDraft {
  return {
    url: req.url.split('#')[0] as string,
    method: req.method.toUpperCase(),
    parameter,
    location,
    payload,
    title: `${match.platform} stack trace disclosed`,
    evidence: { request: renderRequest(ex.request), response: renderResponse(ex.response), proof: match.matched },
    extra: { platform: match.platform },
  };
}

function leakFinding(ctx: CheckContext, page: CrawledPage, parameter: string, title: string, severity: Severity, cwe: number, proof: string, extra: Record<string, unknown>): FindingDraft {
  return {
    url: page.response.url.split('#')[0] || page.request.url,
    method: page.request.method.toUpperCase(),
    parameter,
    location: 'response',
    payload: null,
    title,
    severity,
    cwe,
    evidence: { request: renderRequest(ctx.toSpec(page.request)), response: renderResponse(page.response), proof },
    extra,
  };
}

function ownPath(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname);
  } catch {
    // undecodable or relative: compare against the raw text
    return url;
  }
}

/** Debug pages, private addresses and file-system paths in one crawled page; each address or path is reported once per scan. */
function* pageLeaks(ctx: CheckContext, page: CrawledPage, seen: Set<string>): Generator<FindingDraft> {
  const res = page.response;
  const debug = findDebugPage(res.body, res.headers);
  if (debug) yield leakFinding(ctx, page, 'debug page', `${debug.framework} exposed`, debug.severity, 489, `${debug.matched}\n${debug.framework} markup: the application runs with debugging enabled`, { framework: debug.framework });
  const own = new Set<string>();
  for (const u of [ctx.startUrl, page.request.url, res.url]) {
    try {
      own.add(new URL(u).hostname);
    } catch {
      // not a URL: nothing of ours to exclude
    }
  }
  const headerText = res.rawHeaders.map(([k, v]) => `${k}: ${v}`).join('\n');
  const example = examplesIn(res.body);
  const ips = findPrivateIps(`${headerText}\n${res.body}`, own).filter((ip) => !seen.has(`ip ${ip}`) && !(example(ip) && !headerText.includes(ip)));
  if (ips.length > 0) {
    for (const ip of ips) seen.add(`ip ${ip}`);
    yield leakFinding(ctx, page, 'internal IP address', 'Internal IP address disclosed', 'low', 200, `${ips[0]}\nprivate (RFC 1918) address${ips.length > 1 ? 'es' : ''} in the response: ${ips.join(', ')}`, { addresses: ips });
  }
  const comments = findSecretComments(res.body).filter((c) => !seen.has(`comment ${c}`));
  if (comments.length > 0) {
    for (const c of comments) seen.add(`comment ${c}`);
    yield leakFinding(ctx, page, 'HTML comment', 'Sensitive information in an HTML comment', 'low', 615, `<!-- ${comments[0]} -->\nan HTML comment every visitor receives tells about a credential${comments.length > 1 ? ` (${comments.length} such comments)` : ''}`, { comments });
  }
  // a stack trace or debug page already reports its paths
  if (debug || findStackTrace(res.body)) return;
  // a path the page echoes from our own request URL (a "not found: /var/www/x" page) is not a leak
  const asked = ownPath(page.request.url) + ' ' + ownPath(res.url);
  const paths = findFsPaths(res.body).filter((p) => !seen.has(`path ${p}`) && !asked.includes(p) && !example(p));
  if (paths.length > 0) {
    for (const p of paths) seen.add(`path ${p}`);
    yield leakFinding(ctx, page, 'file-system path', 'Server file-system path disclosed', 'low', 200, `${paths[0]}\nserver file-system path${paths.length > 1 ? 's' : ''} in the response: ${paths.join(', ')}`, { paths });
  }
}

/** Asks for one path that cannot exist: frameworks in debug mode answer with their route tables. */
async function* missingPageProbe(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const start = new URL(ctx.startUrl);
  const dir = start.pathname.endsWith('/') ? start.pathname : start.pathname.replace(/[^/]*$/, '');
  const url = `${start.origin}${dir}wsc-missing-${randomBytes(6).toString('hex')}`;
  const ex = await trySend(ctx, { method: 'GET', url }, { followRedirects: false });
  const debug = ex ? findDebugPage(ex.response.body, ex.response.headers) : null;
  if (!ex || !debug) return;
  const page: CrawledPage = { request: { method: 'GET', url, source: 'probe', depth: 0 }, response: ex.response };
  yield leakFinding(ctx, page, 'debug page', `${debug.framework} exposed`, debug.severity, 489, `${debug.matched}\n${debug.framework} markup in the answer for a path that does not exist: the application runs with debugging enabled`, { framework: debug.framework });
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  // Passive part: banners once per origin and source, stack traces on crawled error pages.
  const bannersSeen = new Set<string>();
  const leaksSeen = new Set<string>();
  let debugFound = false;
  for (const page of ctx.pages) {
    for (const f of pageLeaks(ctx, page, leaksSeen)) {
      if (f.parameter === 'debug page') debugFound = true;
      yield f;
    }
    const origin = new URL(page.request.url).origin;
    for (const b of findBanners(page.response)) {
      const key = `${origin} ${b.source.toLowerCase()}`;
      if (bannersSeen.has(key)) continue;
      bannersSeen.add(key);
      yield {
        url: b.source === 'meta generator' ? page.request.url.split('#')[0]! : `${origin}/`,
        method: page.request.method.toUpperCase(),
        parameter: b.source,
        location: b.source === 'meta generator' ? 'response' : 'server',
        payload: null,
        title: `Software version disclosed in ${b.source === 'meta generator' ? 'a generator meta tag' : `the ${b.source} header`}`,
        severity: 'low',
        confidence: 'certain',
        cwe: 200,
        evidence: { request: renderRequest(ctx.toSpec(page.request)), response: renderResponse(page.response), proof: b.matched },
      };
    }
    if (page.response.status >= 500) {
      const trace = findStackTrace(page.response.body);
      if (trace) {
        yield traceFinding(page.request, { request: ctx.toSpec(page.request), response: page.response }, trace, null, 'response', null);
      }
    }
  }

  if (!debugFound && !ctx.signal.aborted) yield* missingPageProbe(ctx);

  // Active part: malformed values and array-shaped parameters, at most the budget per request.
  const targets = ctx.requests;
  let done = 0;
  for (const req of targets) {
    if (ctx.signal.aborted) return;
    ctx.progress?.(done++, targets.length);
    const baseline = ctx.pages.find((p) => p.request.url === req.url && p.request.method === req.method)?.response.body ?? '';
    const novel = (res: HttpResponseData): TraceMatch | null => {
      const t = findStackTrace(res.body);
      // a trace already on the untouched page is static content, not something the input provoked
      return t && !baseline.includes(t.matched) ? t : null;
    };
    let sent = 0;
    let found = false;
    const arrays = arrayShaped(req);
    if (arrays) {
      const ex = await trySend(ctx, ctx.toSpec(arrays.req), { followRedirects: false });
      sent++;
      const t = ex ? novel(ex.response) : null;
      if (ex && t) {
        found = true;
        yield traceFinding(req, ex, t, arrays.names.join(', '), req.bodyKind === 'urlencoded' ? 'body' : 'query', '[]');
      }
    }
    if (found) continue;
    const points = ctx.insertionPoints(req).filter((p) => p.location !== 'header' && p.location !== 'cookie');
    // the last path segment is the one most often parsed as an id or slug
    const lastPath = points.filter((p) => p.location === 'path').pop();
    const chosen = points.filter((p) => p.location !== 'path' || p === lastPath);
    for (const p of chosen) {
      if (ctx.signal.aborted || sent >= meta.requestBudget) break;
      const ex = await trySend(ctx, p.build(MALFORMED, 'replace'), { followRedirects: false });
      sent++;
      const t = ex ? novel(ex.response) : null;
      if (ex && t) {
        yield traceFinding(req, ex, t, p.name, p.location, MALFORMED);
        break;
      }
    }
  }
  ctx.progress?.(targets.length, targets.length);
}

export const informationDisclosure: Check = { meta, run };
