// Third-party detection benchmark: OWASP Mutillidae II (PHP + MariaDB, written by other people),
// served by `php -S` on loopback at its default security level 0, scanned by wsc with every check
// (items ALL, no login), scored per item against bench/thirdparty/truth.json, which was written
// from Mutillidae's source and its own documentation. Optionally wapiti scans the same app.
//
// The app runs shell commands and fetches URLs it is handed, so the whole run (MariaDB, PHP, the
// scan) happens in a fresh network namespace with only loopback: the script re-executes itself
// under `unshare -n` (root only). Mutillidae's code is never part of this project: its location
// comes from WSC_MUTILLIDAE (a git directory or an extracted checkout) and is copied to a scratch
// folder that is removed at the end.
//
// Usage: WSC_MUTILLIDAE=DIR npm run bench:thirdparty [-- --wapiti --wapiti-seconds 900 --minutes 30
//        --speed 3 --findings FILE --serve SECONDS]
// --serve keeps the app up (no scan) for manual triage: reach it with `nsenter -t PID -n curl ...`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isVulnItem, VULN_ITEMS, type ScanItem, type SpeedWord, type VulnItem } from '../src/core/items.js';
import type { Finding } from '../src/core/model.js';
import { runEngine } from '../src/engine/engine.js';
import { OastServer } from '../src/engine/oast.js';
import { hasWapiti, runWapiti, scoreMap, table, type Hit, type Score } from './scoring.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const TRUTH_FILE = join(HERE, 'thirdparty', 'truth.json');
const INNER_FLAG = 'WSC_THIRDPARTY_NETNS';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const useWapiti = args.includes('--wapiti');
const wapitiSeconds = Number(opt('--wapiti-seconds')) || 900;
const scanMinutes = Number(opt('--minutes')) || 30;
const speed = (opt('--speed') ?? '3') as SpeedWord;
const findingsFile = opt('--findings');
const serveSeconds = Number(opt('--serve')) || 0;
// Diagnosis: each page of the truth scanned on its own (StartUrl that page, one link deep), so a
// miss the whole-site crawl causes (trap caps, one target per path) tells from one of the checks.
const perPage = args.includes('--per-page');

// Pages that would reset or break the database, or change the app's state for every later request
// (security level, forced HTTPS), kept out of both scanners' reach.
export const EXCLUDED_URLS = [
  '/set-up-database.php',
  '/index.php?*page=set-up-database.php',
  '/index.php?*do=toggle-security',
  '/index.php?*do=toggle-enforce-ssl',
  '/index.php?*do=logout',
];

// ---------------------------------------------------------------------------------------------
// The truth

interface TruthEntry {
  page: string;
  method?: string;
  parameter?: string | null;
  item: VulnItem;
  why: string;
}

interface Truth {
  vulnerable: TruthEntry[];
  excluded: TruthEntry[];
  notVulnerable: TruthEntry[];
}

function loadTruth(): Truth {
  const doc = JSON.parse(readFileSync(TRUTH_FILE, 'utf8')) as Truth;
  for (const list of [doc.vulnerable, doc.excluded, doc.notVulnerable]) {
    for (const e of list) if (!isVulnItem(e.item)) throw new Error(`${TRUTH_FILE}: unknown item ${JSON.stringify(e.item)} on ${e.page}`);
  }
  return doc;
}

/**
 * A page's identity: its path, plus the `page` value for index.php, whose pages are all one script.
 * A finding in the `page` parameter itself is one of index.php's, whatever page it names. `isFile`
 * says which paths exist in the app: php -S answers a path that is no file with the docroot's
 * index.php, and runs the script in front of any path info (/styling.php/x).
 */
export function pageOf(url: string, parameter: string | null | undefined, isFile: (path: string) => boolean = () => true): string {
  const u = new URL(url);
  const segments = u.pathname.replace(/^\/+/, '').split('/');
  let path = 'index.php';
  for (let i = 1; i <= segments.length; i++) {
    const prefix = segments.slice(0, i).join('/');
    if (prefix !== '' && isFile(prefix)) {
      path = prefix;
      break;
    }
  }
  if (path !== 'index.php' || parameter?.toLowerCase() === 'page') return path;
  const page = u.searchParams.get('page');
  return page ? `index.php?page=${page}` : 'index.php';
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(value);
}

function matches(e: TruthEntry, item: ScanItem, page: string, parameter: string | null | undefined): boolean {
  if (e.item !== item || !globMatch(e.page, page)) return false;
  // the truth names the parameter where it matters; a finding without one (a page-level finding) matches any
  return !e.parameter || !parameter || e.parameter.toLowerCase() === parameter.toLowerCase();
}

const describe = (e: TruthEntry): string => `${e.page}${e.parameter ? ` (${e.parameter})` : ''}`;

interface Scored {
  scores: Map<ScanItem, Score>;
  untriaged: string[];
  excluded: string[];
}

export function score(truth: Truth, hits: Hit[], isFile?: (path: string) => boolean): Scored {
  const { scores, get } = scoreMap();
  const found = new Set<TruthEntry>();
  const falseSeen = new Set<string>();
  const untriaged = new Set<string>();
  const excluded = new Set<string>();
  for (const h of hits) {
    const page = pageOf(h.url, h.parameter, isFile);
    const tp = truth.vulnerable.filter((e) => matches(e, h.item, page, h.parameter));
    if (tp.length) {
      for (const e of tp) found.add(e);
      continue;
    }
    const key = `${h.item}|${page}|${h.parameter ?? ''}`;
    // a weakness the truth leaves out of the score (login, Apache only) is neither hit nor false
    if (truth.excluded.some((e) => matches(e, h.item, page, h.parameter))) excluded.add(key);
    else if (truth.notVulnerable.some((e) => matches(e, h.item, page, h.parameter))) {
      if (falseSeen.has(key)) continue;
      falseSeen.add(key);
      const s = get(h.item);
      s.fp++;
      s.false.push(`${h.method} ${page}${h.parameter ? ` (${h.parameter})` : ''}`);
    } else if (!untriaged.has(key)) {
      untriaged.add(key);
      get(h.item).unlabelled++;
    }
  }
  for (const e of truth.vulnerable) {
    const s = get(e.item);
    if (found.has(e)) s.tp++;
    else {
      s.fn++;
      s.missed.push(describe(e));
    }
  }
  return { scores, untriaged: [...untriaged].sort(), excluded: [...excluded].sort() };
}

function report(title: string, truth: Truth, hits: Hit[], requests: number | null, ms: number, isFile: (path: string) => boolean): void {
  const { scores, untriaged, excluded } = score(truth, hits, isFile);
  table(title, scores, requests, ms);
  if (excluded.length) process.stdout.write(`  on excluded weaknesses (not scored): ${excluded.join(', ')}\n`);
  if (untriaged.length) {
    process.stdout.write(`  untriaged (in no truth list; read the source and add them to ${TRUTH_FILE}):\n`);
    for (const u of untriaged) process.stdout.write(`    ${u}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// Running the app

const children: { name: string; child: ChildProcess; tail: () => string }[] = [];
const scratchDirs: string[] = [];

function cleanup(): void {
  for (const { child } of children) {
    // each child leads its own group: php -S forks its workers, and they must go with it
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone already: nothing left to end
      }
    }
  }
  children.length = 0;
  for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
  scratchDirs.length = 0;
}

/** The last output of the app's processes, shown when the run fails. */
function childTails(): string {
  return children.map((c) => `--- ${c.name}${c.child.exitCode !== null ? ` (exited ${c.child.exitCode})` : ''}:\n${c.tail()}`).join('\n');
}

function start(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  let tail = '';
  const keep = (c: Buffer): void => {
    tail = (tail + c.toString()).slice(-3000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  children.push({ name: cmd, child, tail: () => tail });
  return child;
}

function run(cmd: string, argv: string[], input?: string): string {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error)).slice(-1500)}`);
  return r.stdout;
}

async function freePort(): Promise<number> {
  return await new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

async function waitFor(what: string, probe: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not come up within ${ms / 1000} s`);
}

/** Copies the app's src/ into `www`, from a git directory (HEAD) or an extracted checkout. Returns a label. */
function extract(source: string, www: string): string {
  const git = spawnSync('git', ['-C', source, 'rev-parse', '--is-bare-repository', 'HEAD'], { encoding: 'utf8' });
  const lines = git.status === 0 ? git.stdout.trim().split('\n') : [];
  const inWorkTree = spawnSync('git', ['-C', source, 'rev-parse', '--show-toplevel'], { encoding: 'utf8' }).status === 0;
  if (lines.length === 2 && !inWorkTree) {
    // a git directory without work tree: its HEAD, src/ only
    const tmp = `${www}.tar`;
    run('sh', ['-c', `git -C "$1" archive --format=tar HEAD src > "$2"`, 'sh', source, tmp]);
    mkdirSync(`${www}.x`);
    run('tar', ['-xf', tmp, '-C', `${www}.x`]);
    cpSync(join(`${www}.x`, 'src'), www, { recursive: true });
    rmSync(tmp);
    rmSync(`${www}.x`, { recursive: true });
    return `git ${lines[1]?.slice(0, 12)}`;
  }
  const root = existsSync(join(source, 'src', 'index.php')) ? join(source, 'src') : source;
  if (!existsSync(join(root, 'index.php'))) throw new Error(`${source} is neither a Mutillidae git directory nor a checkout (no index.php, nor src/index.php)`);
  cpSync(root, www, { recursive: true });
  return `checkout ${resolve(root)}`;
}

interface App {
  url: string;
  label: string;
  /** Whether a path (no leading slash) is a file of the app. */
  isFile: (path: string) => boolean;
}

async function startApp(source: string): Promise<App> {
  const scratch = mkdtempSync(join(tmpdir(), 'wsc-mutillidae-'));
  scratchDirs.push(scratch);
  const www = join(scratch, 'www');
  const label = extract(source, www);

  // a private MariaDB, its files in the scratch folder
  const data = join(scratch, 'db');
  const sock = join(scratch, 'mysqld.sock');
  // MySQLHandler::databaseAvailable() connects without DB_PORT, so only 3306 works; the namespace is
  // ours alone, so it is free.
  const dbPort = 3306;
  run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--user=root', '--skip-test-db']);
  start('mariadbd', ['--no-defaults', `--datadir=${data}`, `--socket=${sock}`, `--port=${dbPort}`, '--bind-address=127.0.0.1', '--user=root', `--pid-file=${join(scratch, 'mysqld.pid')}`]);
  await waitFor('MariaDB', () => spawnSync('mariadb-admin', ['--no-defaults', `--socket=${sock}`, '-u', 'root', 'ping'], { stdio: 'ignore' }).status === 0);
  run('mariadb', ['--no-defaults', `--socket=${sock}`, '-u', 'root'], [
    "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('mutillidae');",
    "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY 'mutillidae';",
    "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;",
    'FLUSH PRIVILEGES;',
  ].join('\n'));

  const cfg = join(www, 'includes', 'database-config.inc');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/define\('DB_PORT',\s*\d+\);/, `define('DB_PORT', ${dbPort});`));
  const sessions = join(scratch, 'sessions');
  mkdirSync(sessions);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  start('php', [
    // Mutillidae's remote file inclusion lab needs allow_url_include, which its install guides turn on.
    '-d', 'allow_url_include=On', '-d', 'allow_url_fopen=On',
    '-d', `session.save_path=${sessions}`, '-d', `upload_tmp_dir=${scratch}`, '-d', `sys_temp_dir=${scratch}`,
    '-S', `127.0.0.1:${port}`, '-t', www,
  ],
    // the built-in server answers one request at a time per worker
    { ...process.env, PHP_CLI_SERVER_WORKERS: '8', TMPDIR: scratch });
  await waitFor('php -S', async () => {
    try {
      await fetch(`${url}/robots.txt`);
      return true;
    } catch {
      return false; // not listening yet: poll again
    }
  });
  const setup = await fetch(`${url}/set-up-database.php`);
  const body = await setup.text();
  if (!setup.ok || !/Executed query .{0,8}CREATE DATABASE/.test(body)) throw new Error(`set-up-database.php answered ${setup.status}: ${body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').slice(0, 600)}`);
  const isFile = (path: string): boolean => {
    try {
      return statSync(join(www, decodeURIComponent(path))).isFile();
    } catch {
      return false; // no such file (or a malformed escape): not a script of the app
    }
  };
  return { url, label, isFile };
}

// ---------------------------------------------------------------------------------------------

async function scanPerPage(app: App, truth: Truth): Promise<void> {
  const pages = [...new Set(truth.vulnerable.map((e) => e.page).filter((p) => !p.includes('*') && p !== 'index.php'))];
  const oast = await OastServer.start();
  const hits: Hit[] = [];
  let requests = 0;
  const started = Date.now();
  try {
    for (const page of pages) {
      const result = await runEngine(
        { startUrl: `${app.url}/${page}`, excludeUrls: EXCLUDED_URLS, headers: {}, userAgent: 'PC Chrome', speed, items: [...VULN_ITEMS], limits: { maxDepth: 1, maxDurationMs: 5 * 60_000, requestTimeoutMs: 15_000 } },
        {},
        new AbortController().signal,
        { oast, label: 'bench' },
      );
      requests += result.stats.requests;
      // only what was found on the page under study counts here
      for (const f of result.findings) if (pageOf(f.url, f.parameter, app.isFile) === page) hits.push({ item: f.item, method: f.method, url: f.url, parameter: f.parameter });
      process.stdout.write(`  ${page}: ${result.findings.filter((f) => pageOf(f.url, f.parameter, app.isFile) === page).map((f) => `${f.item}(${f.parameter ?? ''})`).join(' ') || 'nothing'}\n`);
    }
  } finally {
    await oast.close();
  }
  const scoped: Truth = { ...truth, vulnerable: truth.vulnerable.filter((e) => pages.includes(e.page)) };
  report(`wsc, each page on its own (${pages.length} scans)`, scoped, hits, requests, Date.now() - started, app.isFile);
}

async function scan(app: App, truth: Truth): Promise<void> {
  const oast = await OastServer.start();
  try {
    const startUrl = `${app.url}/index.php`;
    process.stdout.write(`scanning ${startUrl} (${app.label}), speed ${speed}, no login; ExcludeUrl: ${EXCLUDED_URLS.join(' ')}\n`);
    const result = await runEngine(
      { startUrl, excludeUrls: EXCLUDED_URLS, headers: {}, userAgent: 'PC Chrome', speed, items: [...VULN_ITEMS], limits: { maxDurationMs: scanMinutes * 60_000, requestTimeoutMs: 15_000 } },
      { log: (level, message, data) => level !== 'debug' && level !== 'info' && process.stderr.write(`[${level}] ${message} ${data ? JSON.stringify(data).slice(0, 300) : ''}\n`) },
      new AbortController().signal,
      { oast, label: 'bench' },
    );
    if (findingsFile) writeFileSync(findingsFile, JSON.stringify({ urls: result.urls, findings: result.findings.map((f) => brief(f, app.isFile)) }, null, 1));
    const limit = result.limitReached ? `, stopped by ${result.limitReached}` : '';
    report(`wsc (${result.stats.urls} URLs crawled${limit})`, truth, result.findings.map((f) => ({ item: f.item, method: f.method, url: f.url, parameter: f.parameter })), result.stats.requests, result.stats.durationMs, app.isFile);
    if (useWapiti && hasWapiti()) {
      process.stdout.write(`\nrunning wapiti on ${startUrl} (bounded to ${wapitiSeconds} s), same exclusions...\n`);
      const w = await runWapiti({
        startUrl,
        endpoint: oast.baseUrl,
        seconds: wapitiSeconds,
        // wapiti's patterns match the whole URL
        extra: EXCLUDED_URLS.flatMap((e) => ['-x', `${app.url}${e}*`]),
      });
      report(`wapiti (${w.note})`, truth, w.hits, null, w.ms, app.isFile);
    } else if (useWapiti) {
      process.stdout.write('\nwapiti is not on PATH (apt-get install -y wapiti): no comparison\n');
    }
  } finally {
    await oast.close();
  }
}

function brief(f: Finding, isFile: (path: string) => boolean): Record<string, unknown> {
  return { item: f.item, check: f.check, method: f.method, url: f.url, parameter: f.parameter, location: f.location, payload: f.payload, page: pageOf(f.url, f.parameter, isFile), proof: f.evidence.proof.slice(0, 300) };
}

async function inner(source: string): Promise<void> {
  run('ip', ['link', 'set', 'lo', 'up']);
  const links = run('ip', ['-o', 'link', 'show']).trim().split('\n');
  if (links.length !== 1 || !/: lo:/.test(links[0] ?? '')) throw new Error(`the network namespace has more than loopback: ${links.join('; ')}`);
  const truth = loadTruth();
  const counts = VULN_ITEMS.map((i) => [i, truth.vulnerable.filter((e) => e.item === i).length] as const).filter(([, n]) => n > 0);
  process.stdout.write(`truth: ${truth.vulnerable.length} entries (${counts.map(([i, n]) => `${i} ${n}`).join(', ')}), ${truth.excluded.length} excluded, ${truth.notVulnerable.length} not vulnerable\n`);
  const app = await startApp(source);
  if (serveSeconds > 0) {
    process.stdout.write(`serving ${app.url} for ${serveSeconds} s in network namespace of pid ${process.pid}\n`);
    await new Promise((r) => setTimeout(r, serveSeconds * 1000));
    return;
  }
  await (perPage ? scanPerPage(app, truth) : scan(app, truth));
}

function outer(): void {
  if (process.getuid?.() !== 0) {
    process.stdout.write('bench:thirdparty needs root (it runs the app in its own network namespace with unshare -n): skipped\n');
    return;
  }
  const child = spawn('unshare', ['-n', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
    env: { ...process.env, [INNER_FLAG]: '1' },
  });
  // the child gets a terminal's SIGINT itself; a signal sent to us alone is passed on
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

const source = process.env['WSC_MUTILLIDAE'];
if (!source) {
  process.stdout.write(
    'bench:thirdparty: WSC_MUTILLIDAE is not set, nothing to do.\n' +
      'It scans OWASP Mutillidae II (public repository webpwnized/mutillidae): clone it anywhere, then\n' +
      '  WSC_MUTILLIDAE=/path/to/mutillidae npm run bench:thirdparty [-- --wapiti]\n' +
      '(a git directory or a checkout; needs root, php-cli php-mysql php-xml php-curl and mariadb-server).\n',
  );
} else if (process.env[INNER_FLAG] !== '1') {
  outer();
} else {
  const stop = (sig: NodeJS.Signals): void => {
    cleanup();
    process.stderr.write(`stopped by ${sig}\n`);
    process.exit(130);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  inner(source)
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n${childTails()}\n`);
      process.exitCode = 1;
    })
    .finally(() => {
      cleanup();
      // the engine's keep-alive sockets would hold the process a while longer
      setTimeout(() => process.exit(), 500).unref();
    });
}
