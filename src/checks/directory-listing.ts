// Directory Listing: asks every directory the crawl revealed for its index and recognises the
// auto-generated listings of common servers. A listing must name the directory that was asked
// for (or carry a server-specific marker), so a page merely titled "Index of ..." does not count.
import type { HttpResponseData } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { discoveredDirectories, renderRequest, renderResponse, trySend } from './support.js';

export const meta: CheckMeta = {
  id: 'directory-listing',
  item: 'Directory Listing',
  title: 'Directory listing enabled',
  severity: 'medium',
  confidence: 'firm',
  cwe: 548,
  references: [
    'https://cwe.mitre.org/data/definitions/548.html',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information',
  ],
  remediation:
    'Turn off automatic directory indexes (Apache "Options -Indexes", nginx "autoindex off", IIS "directoryBrowse enabled=false", Tomcat "listings=false") and serve an index page or a 403/404 for directories.',
  requestBudget: 2,
};

interface Signature {
  server: string;
  /** Matches the listing; group 1, when present, is the directory path the listing names. */
  pattern: RegExp;
}

// Ordered from most to least specific so the evidence names the right server.
const SIGNATURES: Signature[] = [
  { server: 'Tomcat', pattern: /<title>\s*Directory Listing For \[?(\/[^<\]]*?)\]?\s*<\/title>/ },
  { server: 'Python http.server', pattern: /<title>\s*Directory listing for (\/[^<]*?)\s*<\/title>/ },
  { server: 'Node serve-index', pattern: /<title>\s*listing directory (\/[^<]*?)\s*<\/title>/i },
  { server: 'Jetty', pattern: /<title>\s*Directory: (\/[^<]*?)\s*<\/title>/i },
  { server: 'IIS', pattern: /<pre>\s*<a href="[^"]*">\[To Parent Directory\]<\/a>/i },
  { server: 'IIS', pattern: /<title>[^<]* - (\/[^<]*?)<\/title>[\s\S]{0,400}?<pre>[\s\S]{0,2000}?&lt;dir&gt;/i },
  { server: 'nginx', pattern: /<title>\s*Index of (\/[^<]*?)\s*<\/title>[\s\S]{0,300}?<h1>\s*Index of [^<]*<\/h1>\s*<hr>\s*<pre>\s*<a href="\.\.\/">/i },
  { server: 'Apache', pattern: /<title>\s*Index of (\/[^<]*?)\s*<\/title>[\s\S]{0,2000}?(?:Parent Directory|<address>Apache)/i },
  { server: 'generic "Index of"', pattern: /<title>\s*Index of (\/[^<]*?)\s*<\/title>[\s\S]{0,400}?<h1>\s*Index of / },
];

function htmlDecode(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0*39;|&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function normalisePath(p: string): string {
  let out = htmlDecode(p).trim();
  try {
    out = decodeURIComponent(out);
  } catch {
    // a listing title is not always valid percent-encoding; compare it as written
  }
  return out.endsWith('/') ? out : out + '/';
}

/** Names the listing shows inside `dirPath`: parent links, sort links and navigation are skipped. */
function listedEntries(body: string, dirPath: string, max: number): string[] {
  const out: string[] = [];
  const dir = dirPath.endsWith('/') ? dirPath : dirPath + '/';
  const href = /<a\s[^>]*?href\s*=\s*"([^"]*)"/gi;
  for (let m = href.exec(body); m !== null && out.length < max; m = href.exec(body)) {
    const h = htmlDecode(m[1] as string);
    if (h === '' || h.startsWith('?') || h.startsWith('#')) continue;
    let path: string;
    try {
      const u = new URL(h, `http://listing.invalid${dir}`);
      if (u.host !== 'listing.invalid') continue;
      path = decodeURIComponent(u.pathname);
    } catch {
      // an href that is not a URL names no entry
      continue;
    }
    if (!path.startsWith(normalisePath(dir)) || path.length <= dir.length) continue;
    const name = path.slice(dir.length);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

export interface ListingMatch {
  server: string;
  matched: string;
  entries: string[];
}

/** Recognises an auto-generated listing of `dirPath` in a response; null when it is not one. */
export function recogniseListing(dirPath: string, res: HttpResponseData): ListingMatch | null {
  if (res.status !== 200) return null;
  for (const sig of SIGNATURES) {
    const m = sig.pattern.exec(res.body);
    if (!m) continue;
    if (m[1] !== undefined && normalisePath(m[1]) !== normalisePath(dirPath)) continue;
    const matched = (m[0].length > 200 ? /^[^\n]*?<\/title>|^.{0,200}/s.exec(m[0])?.[0] : m[0]) ?? m[0];
    return { server: sig.server, matched, entries: listedEntries(res.body, dirPath, 5) };
  }
  return null;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const dirs = discoveredDirectories(ctx);
  // A directory the crawler already fetched is judged from that response: no second request.
  const fetched = new Map<string, HttpResponseData>();
  for (const p of ctx.pages) {
    // keyed by the final URL: the crawler follows redirects, so /dir may have answered as /dir/
    if (p.request.method.toUpperCase() === 'GET' && !p.response.url.includes('?')) fetched.set(p.response.url.split('#')[0] as string, p.response);
  }
  let done = 0;
  for (const dir of dirs) {
    if (ctx.signal.aborted) return;
    ctx.progress?.(done++, dirs.length);
    const spec = { method: 'GET', url: dir };
    let response = fetched.get(dir);
    let request = renderRequest(spec);
    if (!response) {
      const ex = await trySend(ctx, spec, { followRedirects: false });
      if (!ex) continue;
      response = ex.response;
      request = renderRequest(ex.request);
    }
    if (ctx.soft404.isNotFound(dir, response)) continue;
    const listing = recogniseListing(new URL(dir).pathname, response);
    if (!listing) continue;
    const entries = listing.entries.length > 0 ? `; entries: ${listing.entries.join(', ')}` : '';
    yield {
      url: dir,
      method: 'GET',
      parameter: null,
      location: 'url',
      payload: null,
      confidence: listing.server.startsWith('generic') ? 'tentative' : 'firm',
      evidence: {
        request,
        response: renderResponse(response),
        // first line is the exact matched text, so the engine can centre the excerpt on it
        proof: `${listing.matched}\n${listing.server} listing${entries}`,
      },
      extra: { server: listing.server, entries: listing.entries },
    };
  }
  ctx.progress?.(dirs.length, dirs.length);
}

export const directoryListing: Check = { meta, run };
