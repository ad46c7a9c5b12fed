// File Management: backup and leftover files next to what the crawl found (name.bak, name~, .swp,
// "Copy of", archives named after the script, the folder or host, the fixed names of site backups
// such as backup.zip and www.tar.gz, SQL dumps, .DS_Store) and the classic forgotten
// scripts (phpinfo.php, test.php, installers). A name that answers is not enough: each kind must show
// its own content (source code the original page never showed, magic bytes, a dump's statements).
import { randomBytes } from 'node:crypto';
import type { HttpResponseData } from '../core/model.js';
import * as D from './definitions/file-management.js';
import { textSimilarity } from './definitions/similarity.js';
import { discoveredDirectories, headerValue, renderRequest, renderResponse, trySend } from './support.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';

export const meta: CheckMeta = {
  id: 'file-management',
  item: 'File Management',
  title: 'Backup or leftover file on the server',
  severity: 'medium',
  confidence: 'firm',
  cwe: 530,
  references: [
    'https://cwe.mitre.org/data/definitions/530.html',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/02-Configuration_and_Deployment_Management_Testing/04-Review_Old_Backup_and_Unreferenced_Files_for_Sensitive_Information',
  ],
  remediation:
    'Delete backups, dumps, archives, editor files and test or installer scripts from the document root, deploy from a clean build rather than editing on the server, and deny patterns such as *.bak, *~, *.sql and .DS_Store at the web server.',
  requestBudget: 20,
};

const MAX_DIRS = 80;
const FILES_PER_DIR = 3;

interface Probe {
  url: string;
  /** The crawled file this is a variant of, when any. */
  original?: { url: string; response: HttpResponseData | undefined };
  script: boolean;
}

function splitName(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
}

function plan(ctx: CheckContext): Probe[] {
  const start = new URL(ctx.startUrl);
  const pages = new Map<string, HttpResponseData>();
  for (const p of ctx.pages) if (p.response.status === 200) pages.set(p.request.url.split(/[?#]/)[0] as string, p.response);
  const filesByDir = new Map<string, string[]>();
  for (const raw of [...ctx.pages.map((p) => p.request.url), ...ctx.requests.map((r) => r.url)]) {
    const u = new URL(raw);
    const name = u.pathname.slice(u.pathname.lastIndexOf('/') + 1);
    if (name === '' || !name.includes('.')) continue;
    const dir = u.origin + u.pathname.slice(0, u.pathname.length - name.length);
    const list = filesByDir.get(dir) ?? [];
    if (!list.includes(name)) list.push(name);
    filesByDir.set(dir, list);
  }
  // folders holding server-side scripts first, then folders with files: that is where backups are made
  const rank = (d: string): number => ((filesByDir.get(d) ?? []).some((n) => D.SCRIPT_EXT.test(n)) ? 0 : filesByDir.has(d) ? 1 : 2);
  const dirs = discoveredDirectories(ctx)
    .map((d, i) => ({ d, i, r: rank(d) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .slice(0, MAX_DIRS)
    .map((x) => x.d);
  const out: Probe[] = [];
  const add = (p: Probe): void => {
    if (!out.some((o) => o.url === p.url)) out.push(p);
  };
  for (const dir of dirs) {
    // scripts first: their copies disclose source; a few files per folder say whether backups are kept there
    const files = (filesByDir.get(dir) ?? []).sort((a, b) => Number(D.SCRIPT_EXT.test(b)) - Number(D.SCRIPT_EXT.test(a))).slice(0, FILES_PER_DIR);
    for (const name of files) {
      const script = D.SCRIPT_EXT.test(name);
      const [base, ext] = splitName(name);
      for (const v of script ? D.SCRIPT_VARIANTS : D.STATIC_VARIANTS) add({ url: dir + v(name, base, ext), original: { url: dir + name, response: pages.get(dir + name) }, script });
    }
    for (const name of D.DIRECTORY_LEFTOVERS) add({ url: dir + name, script: false });
    const path = new URL(dir).pathname;
    const folder = path.split('/').filter((s) => s !== '').pop();
    const parent = dir.slice(0, dir.length - (folder ? folder.length + 1 : 0));
    const stem = folder ?? start.hostname;
    for (const ext of D.FOLDER_ARCHIVE_EXT) add({ url: parent + stem + ext, script: false });
  }
  // Test and installer scripts are left where the application lives: the start folder, the root,
  // and each folder holding server-side scripts together with its parent.
  const appDirs = new Set([start.origin + start.pathname.replace(/[^/]*$/, ''), start.origin + '/']);
  for (const dir of dirs) {
    if (rank(dir) !== 0) continue;
    appDirs.add(dir);
    appDirs.add(dir.replace(/[^/]+\/$/, ''));
  }
  for (const dir of [...appDirs].slice(0, MAX_DIRS)) {
    for (const name of D.WELL_KNOWN) add({ url: dir + name, script: name.endsWith('.php') });
  }
  for (const dir of [...appDirs].slice(0, D.MAX_BACKUP_DIRS)) for (const name of D.FIXED_BACKUPS) add({ url: dir + name, script: false });
  return out;
}

interface Proof {
  kind: D.Kind;
  /** First line: the exact text matched in the response. */
  text: string;
  confidence?: 'certain' | 'firm' | 'tentative';
}

function classify(p: Probe, res: HttpResponseData): Proof | null {
  const body = res.body;
  const type = headerValue(res, 'content-type') ?? '';
  const name = decodeURIComponent(p.url.slice(p.url.lastIndexOf('/') + 1));
  if (body.startsWith(D.DS_STORE_MAGIC)) return { kind: 'ds-store', text: '\\0\\0\\0\\x01Bud1 (.DS_Store magic bytes)', confidence: 'certain' };
  if (D.SWAP_MAGIC.test(body)) return { kind: 'swap', text: `${body.slice(0, 12)} (vim swap file header)`, confidence: 'certain' };
  for (const [label, magic] of D.ARCHIVE_MAGIC) {
    if (body.startsWith(magic) && /\.(zip|gz|tgz|7z|rar|tar)$/i.test(name)) return { kind: 'archive', text: `${label} archive signature at byte 0 (${body.length} bytes read)`, confidence: 'certain' };
  }
  if (/\.sql$/i.test(name) && !/html/i.test(type)) {
    const m = D.SQL_DUMP.exec(body);
    if (m && (body.match(/;\s*$/gm)?.length ?? 0) >= 2) return { kind: 'sql', text: (m[0].split('\n')[0] as string).slice(0, 200) };
  }
  if (name === 'server-status') {
    const m = D.SERVER_STATUS.exec(body);
    return m ? { kind: 'server-status', text: (m[0].split('\n')[0] as string).slice(0, 200) } : null;
  }
  if (/^(phpinfo|info|test)\.php$/.test(name)) {
    const m = D.PHPINFO.exec(body);
    if (m && D.PHPINFO_TABLE.test(body)) return { kind: 'phpinfo', text: (/<h1 class="p">PHP Version [\d.]+<\/h1>/.exec(body) ?? m)[0] };
    return null;
  }
  if (/^(install|setup)\.php$/.test(name)) {
    const m = D.INSTALLER_TITLE.exec(body);
    return m && /<form\b/i.test(body) ? { kind: 'installer', text: m[0], confidence: 'tentative' } : null;
  }
  if (p.script) {
    const original = p.original?.response?.body ?? '';
    for (const re of D.SOURCE_MARKERS) {
      const m = re.exec(body);
      // the rendered original showing the same text means it is content (a tutorial), not our source
      if (m && !original.includes((m[0].split('\n')[0] as string).slice(0, 40))) return { kind: 'source', text: (m[0].split('\n')[0] as string).slice(0, 200) };
    }
    return null;
  }
  const original = p.original?.response;
  if (original && original.body.trim() !== '' && body.trim() !== '' && textSimilarity(body, original.body) >= 0.6) {
    return { kind: 'copy', text: (body.split('\n').find((l) => l.trim() !== '') ?? '').slice(0, 200), confidence: 'tentative' };
  }
  return null;
}

/**
 * A route that answers every name under it (an API catch-all, a rewrite to one script) makes
 * "name.bak" look like a copy: a name that cannot exist, answered alike, shows that it is not one.
 */
async function answersAnySuffix(ctx: CheckContext, originalUrl: string, variant: HttpResponseData): Promise<boolean> {
  const control = await trySend(ctx, { method: 'GET', url: `${originalUrl}.${randomBytes(5).toString('hex')}q` }, { followRedirects: false });
  if (!control) return true;
  const r = control.response;
  return r.status === 200 && !ctx.soft404.isNotFound(control.request.url, r) && textSimilarity(r.body, variant.body) >= 0.6;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const probes = plan(ctx);
  const budget = meta.requestBudget * Math.max(1, ctx.requests.length, ctx.pages.length);
  if (probes.length > budget) ctx.log(`${probes.length - budget} leftover names skipped to stay within the request budget`, { budget });
  const planned = probes.slice(0, budget);
  let done = 0;
  for (const p of planned) {
    if (ctx.signal.aborted) return;
    ctx.progress?.(done++, planned.length);
    const ex = await trySend(ctx, { method: 'GET', url: p.url }, { followRedirects: false });
    if (!ex || ex.response.status !== 200 || ex.response.bytes === 0) continue;
    if (ctx.soft404.isNotFound(p.url, ex.response)) continue;
    const proof = classify(p, ex.response);
    if (!proof) continue;
    if (proof.kind === 'copy' && p.original && (await answersAnySuffix(ctx, p.original.url, ex.response))) continue;
    const info = D.KINDS[proof.kind];
    yield {
      url: p.url,
      method: 'GET',
      parameter: null,
      location: 'url',
      payload: null,
      title: info.title,
      severity: info.severity,
      cwe: info.cwe,
      ...(proof.confidence ? { confidence: proof.confidence } : {}),
      evidence: {
        request: renderRequest(ex.request),
        response: renderResponse(ex.response),
        proof: `${proof.text}\n${info.title}${p.original ? ` (variant of ${p.original.url})` : ''}; ${ex.response.bytes} bytes, ${headerValue(ex.response, 'content-type') ?? 'no content type'}`,
      },
      extra: { kind: proof.kind, ...(p.original ? { original: p.original.url } : {}) },
    };
  }
  ctx.progress?.(planned.length, planned.length);
}

export const fileManagement: Check = { meta, run };
