// Source Code Disclosure: version-control metadata (.git, .svn, .hg) and .env files in every
// discovered directory, source maps that embed the original sources, and server-side code served
// raw by pages whose extension says it should have run. Every finding fetches and validates the
// file's real format; a page that only mentions ".git" or "<?php" proves nothing.
import type { HttpExchange, HttpResponseData } from '../core/model.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';
import { discoveredDirectories, renderRequest, renderResponse, renderResponseHead, trySend } from './support.js';
import {
  EXECUTABLE_EXT,
  findRawCode,
  maskDotenvBody,
  validDotenv,
  validGitConfig,
  validGitHead,
  validHgRequires,
  validSourceMap,
  validSvnDb,
  validSvnEntries,
} from './definitions/source-code-disclosure.js';

export const meta: CheckMeta = {
  id: 'source-code-disclosure',
  item: 'Source Code Disclosure',
  title: 'Source code disclosed',
  severity: 'high',
  confidence: 'certain',
  cwe: 540,
  references: [
    'https://cwe.mitre.org/data/definitions/540.html',
    'https://cwe.mitre.org/data/definitions/527.html',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information',
  ],
  remediation:
    'Deploy build output only: keep .git/.svn/.hg folders, .env files and source maps out of the web root (or deny them in the server configuration), and make sure the PHP/ASP/JSP handler is mapped for every script extension.',
  requestBudget: 8,
};

// Repositories and .env files sit in any folder a project was copied into, so every discovered
// folder is tried, up to this many (about 5 requests each).
const MAX_DIRS = 200;
const MAX_SCRIPTS = 20;

interface Probe {
  path: string;
  validate(body: string): string | null;
  title: string;
  cwe: number;
}

// Tried in order within each group; the first valid file of a group proves it, the rest are skipped.
const VCS_GROUPS: Probe[][] = [
  [
    { path: '.git/HEAD', validate: validGitHead, title: 'Git repository exposed (.git/HEAD)', cwe: 527 },
    { path: '.git/config', validate: validGitConfig, title: 'Git repository exposed (.git/config)', cwe: 527 },
  ],
  [
    { path: '.svn/wc.db', validate: validSvnDb, title: 'Subversion working copy exposed (.svn/wc.db)', cwe: 527 },
    { path: '.svn/entries', validate: validSvnEntries, title: 'Subversion working copy exposed (.svn/entries)', cwe: 527 },
  ],
  [{ path: '.hg/requires', validate: validHgRequires, title: 'Mercurial repository exposed (.hg/requires)', cwe: 527 }],
];

function finding(url: string, ex: HttpExchange, title: string, proof: string, cwe: number, extra: Record<string, unknown>, response?: string): FindingDraft {
  return {
    url,
    method: 'GET',
    parameter: null,
    location: 'url',
    payload: null,
    title,
    cwe,
    evidence: { request: renderRequest(ex.request), response: response ?? renderResponse(ex.response), proof },
    extra,
  };
}

function scriptSources(ctx: CheckContext): string[] {
  const origin = new URL(ctx.startUrl).origin;
  const out = new Set<string>();
  const re = /<script\b[^>]*?\bsrc\s*=\s*["']?([^"'\s>]+)/gi;
  for (const p of ctx.pages) {
    for (let m = re.exec(p.response.body); m !== null; m = re.exec(p.response.body)) {
      try {
        const u = new URL(m[1] as string, p.response.url);
        if (u.origin === origin) out.add(u.href.split('#')[0] as string);
      } catch {
        // an unparsable src names no script we could fetch
      }
    }
  }
  return [...out].slice(0, MAX_SCRIPTS);
}

function mappingUrl(script: HttpResponseData, scriptUrl: string): string | null {
  const header = script.headers['sourcemap'] ?? script.headers['x-sourcemap'];
  const comment = /\/[/*][#@]\s*sourceMappingURL\s*=\s*([^\s*]+)/.exec(script.body.slice(-4096))?.[1];
  const ref = header ?? comment;
  if (ref === undefined || ref.startsWith('data:')) return null;
  try {
    return new URL(ref, scriptUrl).href;
  } catch {
    // a malformed reference: fall back to the conventional name
    return null;
  }
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const limit = meta.requestBudget * Math.max(1, ctx.requests.length, ctx.pages.length);
  let sent = 0;
  const get = async (url: string): Promise<HttpExchange | null> => {
    if (sent >= limit || ctx.signal.aborted) return null;
    sent++;
    const ex = await trySend(ctx, { method: 'GET', url }, { followRedirects: false });
    if (!ex || ex.response.status !== 200 || ctx.soft404.isNotFound(url, ex.response)) return null;
    return ex;
  };

  // Passive: raw server-side code in crawled pages that should have been executed.
  for (const page of ctx.pages) {
    const url = page.response.url.split(/[?#]/)[0] as string;
    if (page.response.status !== 200 || !EXECUTABLE_EXT.test(new URL(url).pathname)) continue;
    const code = findRawCode(page.response.body);
    if (!code) continue;
    yield finding(url, { request: ctx.toSpec(page.request), response: page.response }, `${code.lang} source code served unexecuted`, `${code.matched}\n${code.lang} code in the response of ${new URL(url).pathname}: the server returned the script instead of running it`, 540, { language: code.lang });
  }

  const dirs = discoveredDirectories(ctx).slice(0, MAX_DIRS);
  const scripts = scriptSources(ctx);
  const total = dirs.length + scripts.length;
  let done = 0;
  for (const dir of dirs) {
    if (ctx.signal.aborted) return;
    ctx.progress?.(done++, total);
    for (const group of VCS_GROUPS) {
      for (const probe of group) {
        const url = dir + probe.path;
        const ex = await get(url);
        const proof = ex ? probe.validate(ex.response.body) : null;
        if (!ex || proof === null) continue;
        yield finding(url, ex, probe.title, `${proof}\n${probe.path} has the exact format of ${probe.title.split(' exposed')[0]} metadata; the history and source can be downloaded`, probe.cwe, { file: probe.path });
        break;
      }
    }
    const envUrl = dir + '.env';
    const env = await get(envUrl);
    const facts = env ? validDotenv(env.response.body) : null;
    if (env && facts) {
      const masked = renderResponseHead(env.response) + maskDotenvBody(env.response.body);
      yield finding(envUrl, env, 'Environment file (.env) exposed', `${facts.masked[0]}\n.env with ${facts.keys.length} KEY=VALUE lines; secret keys: ${facts.sensitive.join(', ')} (values masked)`, 538, { keys: facts.keys, sensitive: facts.sensitive }, masked);
    }
  }

  for (const scriptUrl of scripts) {
    if (ctx.signal.aborted) return;
    ctx.progress?.(done++, total);
    const script = await get(scriptUrl);
    if (!script) continue;
    const mapUrl = mappingUrl(script.response, scriptUrl) ?? scriptUrl.split('?')[0] + '.map';
    const map = await get(mapUrl);
    const facts = map ? validSourceMap(map.response.body) : null;
    if (!map || !facts) continue;
    const names = facts.sources.slice(0, 5).join(', ');
    yield finding(mapUrl, map, 'Source map with original sources exposed', `"sourcesContent"\nsource map of ${new URL(scriptUrl).pathname} embeds ${facts.withContent} of ${facts.sources.length} original files (${names}); first line: ${facts.sample}`, 540, { script: scriptUrl, sources: facts.sources.slice(0, 50) });
  }
  ctx.progress?.(total, total);
}

export const sourceCodeDisclosure: Check = { meta, run };
