// `wsc scan URL`: runs the engine in-process against one target and writes a report, without a
// server or store. Flags mirror createJob. Exit codes as ZAP's baseline scan: 0 pass, 1 a finding at
// or above --fail-on (default high), 2 a warning (the scan's coverage was degraded, the target went
// down, or it was interrupted), 3 an error (bad flags, nothing could be scanned).
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { authSchema } from '../../api/schemas.js';
import type { AuthConfig } from '../../engine/auth/types.js';
import type { Seeds } from '../../engine/seeds/index.js';
import { checkProxyUrl, type TransportOptions } from '../../engine/transport/options.js';
import { isIP } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import { ALL_ITEMS_WORD, EXTENDED_WORD, EXTENSION_ITEMS, isSpeedWord, isUserAgentWord, resolveVulnItems, type SpeedWord, type UserAgentWord, type ScanItem } from '../../core/items.js';
import type { Finding, Severity } from '../../core/model.js';
import { allChecks } from '../../checks/registry.js';
import { configureTemplates } from '../../templates/loader.js';
import { runEngine } from '../../engine/engine.js';
import type { ScopeRule, ScopeRules } from '../../engine/scope.js';
import { CRAWL_MODES, DEFAULT_CRAWL_MODE, type CrawlMode, type EngineLimits, type EngineResult, type EngineStats } from '../../engine/types.js';
import { verdictLine } from '../../engine/health.js';
import { buildHtmlReport } from '../../report/html.js';
import { renderReport } from '../../report/render.js';
import { buildJsonReport, type JsonReport, type ReportInput } from '../../report/json.js';
import { buildSarifReport, type SarifLog } from '../../report/sarif.js';
import { collect, parsePositiveInt, parseSeconds, type CliIo, type CliOutput } from '../context.js';
import { CliExit } from '../errors.js';
import { createProgress } from '../progress.js';
import { createScanStream } from '../scan-stream.js';
import { runPlanScan } from './plan.js';

export type ReportFormat = 'json' | 'sarif' | 'html' | 'pdf';
export type FailOn = 'high' | 'medium' | 'low' | 'none';

/** `wsc scan` exit codes (README: CLI), after ZAP's baseline scan. */
export const EXIT = Object.freeze({ pass: 0, fail: 1, warn: 2, error: 3 });

export interface ScanOptions {
  url: string;
  /** Comma-separated VulnItems words, ALL, EXTENDED; default ALL,EXTENDED (every check). */
  items?: string;
  /** "Name: value" each. */
  header?: string[];
  exclude?: string[];
  speed?: string;
  ua?: string;
  format?: string;
  /** File to write the report to; stdout when absent. */
  output?: string;
  failOn?: string;
  maxUrls?: number;
  maxDepth?: number;
  /** Per-request timeout, seconds. */
  timeout?: number;
  /** Whole-scan budget, seconds. */
  maxDuration?: number;
  /** How long a target that stopped answering is probed before the scan ends as "target down", seconds. */
  targetDownAfter?: number;
  iOwnThisTarget?: boolean;
  /** Show the redrawn bar (default: stderr is a TTY). */
  tty?: boolean;
  /** Extra Specific Vulnerability templates (default: WSC_TEMPLATES_DIR). */
  templates?: string;
  /** Form login: the page with the login form, and the credentials (password also from WSC_LOGIN_PASSWORD). */
  loginUrl?: string;
  username?: string;
  password?: string;
  /** A login file (JSON or YAML, the createJob `Auth` object). */
  auth?: string;
  /** OpenAPI/Swagger documents (files, or URLs on the target), HAR files, URL-list files. */
  openapi?: string[];
  har?: string[];
  urls?: string[];
  /** A proxy for every request (else HTTPS_PROXY/HTTP_PROXY/NO_PROXY). */
  proxy?: string;
  /** PEM files: CAs the TLS check trusts, a client certificate and its key. */
  caCert?: string[];
  clientCert?: string;
  clientKey?: string;
  /** browser | html | auto (default). */
  crawl?: string;
  /** Findings as JSON Lines on stdout as they are found, then one stats line (the report only to --output). */
  jsonl?: boolean;
  /** No progress and no summary on stderr (errors still are). */
  silent?: boolean;
  /** Seconds between JSON stats lines on stderr (0: none). */
  stats?: number;
  /** Several reports in one run (a plan's outputs); --format/--output still add one. */
  outputs?: { format: string; file: string }[];
  /** URL prefixes a URL must match one of (besides the target's origin); a plan's scope.include prefixes. */
  include?: string[];
  includeRegex?: string[];
  excludeRegex?: string[];
  /** More URLs the crawl starts from. */
  seed?: string[];
  maxRequests?: number;
  /** Further engine limits (a plan's limits the flags do not cover). */
  limits?: Partial<EngineLimits>;
}

export interface ScanRun {
  exitCode: number;
  /** The rendered report's data (null when the scan could not run). */
  report: JsonReport | SarifLog | string | Buffer | null;
  result?: EngineResult;
}

export class ScanUsageError extends Error {}

const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2, info: 3 };

/** localhost, 127.0.0.0/8 and ::1: what may be scanned without --i-own-this-target. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

export function parseHeaderFlag(raw: string): [string, string] {
  const i = raw.indexOf(':');
  const name = i === -1 ? '' : raw.slice(0, i).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new ScanUsageError(`--header "${raw}" must look like "Name: value"`);
  const value = raw.slice(i + 1).trim();
  if (/[\r\n]/.test(value)) throw new ScanUsageError(`--header "${name}" must not contain line breaks`);
  return [name, value];
}

interface Resolved {
  url: string;
  itemsWords: string[];
  items: ScanItem[];
  headers: Record<string, string>;
  exclude: string[];
  speed: SpeedWord;
  ua: UserAgentWord;
  format: ReportFormat;
  outputs: { format: ReportFormat; file: string }[];
  failOn: Exclude<FailOn, 'none'> | null;
  limits: Partial<EngineLimits>;
  auth?: AuthConfig;
  seeds?: Seeds;
  transport?: TransportOptions;
  crawl: CrawlMode;
  scope: ScopeRules | null;
}

function resolve(opts: ScanOptions, env: NodeJS.ProcessEnv): Resolved {
  let u: URL;
  try {
    u = new URL(opts.url);
  } catch {
    throw new ScanUsageError(`"${opts.url}" is not an absolute URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ScanUsageError('the URL must be http:// or https://');
  if (!isLoopbackHost(u.hostname) && !opts.iOwnThisTarget) {
    throw new ScanUsageError(
      `${u.hostname} is not a loopback address. Scanning sends attack traffic: only scan systems you own or are authorised to test, and confirm it with --i-own-this-target.`,
    );
  }
  const itemsWords = (opts.items ?? DEFAULT_SCAN_ITEMS)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((w) => (w.toUpperCase() === ALL_ITEMS_WORD || w.toUpperCase() === EXTENDED_WORD ? w.toUpperCase() : w));
  const items = resolveVulnItems(itemsWords);
  if (!items) throw new ScanUsageError(`--items "${opts.items}" must be ALL, EXTENDED or a comma-separated list of: ${allItemWords()} (ALL combines only with EXTENDED and extension items)`);
  const speed = opts.speed ?? '2';
  if (!isSpeedWord(speed)) throw new ScanUsageError('--speed must be 1, 2 or 3');
  const ua = opts.ua ?? 'PC Chrome';
  if (!isUserAgentWord(ua)) throw new ScanUsageError('--ua must be one of: PC Chrome, PC IE, iPhone, Android');
  const format = opts.format ?? 'json';
  if (!isReportFormat(format)) throw new ScanUsageError('--format must be json, sarif, html or pdf');
  const outputs: { format: ReportFormat; file: string }[] = [];
  for (const o of opts.outputs ?? []) {
    if (!isReportFormat(o.format)) throw new ScanUsageError(`output ${o.file}: format must be json, sarif, html or pdf`);
    outputs.push({ format: o.format, file: o.file });
  }
  if (opts.output !== undefined) outputs.push({ format, file: opts.output });
  const failWord = opts.failOn ?? 'high';
  if (failWord !== 'high' && failWord !== 'medium' && failWord !== 'low' && failWord !== 'none') throw new ScanUsageError('--fail-on must be high, medium, low or none');
  const failOn = failWord === 'none' ? null : failWord;
  const headers: Record<string, string> = {};
  for (const h of opts.header ?? []) {
    const [k, v] = parseHeaderFlag(h);
    headers[k] = v;
  }
  const limits: Partial<EngineLimits> = { ...opts.limits };
  if (opts.maxRequests !== undefined) limits.maxRequests = opts.maxRequests;
  if (opts.maxUrls !== undefined) limits.maxUrls = opts.maxUrls;
  if (opts.maxDepth !== undefined) limits.maxDepth = opts.maxDepth;
  if (opts.timeout !== undefined && opts.timeout > 0) limits.requestTimeoutMs = Math.round(opts.timeout * 1000);
  if (opts.maxDuration !== undefined && opts.maxDuration > 0) limits.maxDurationMs = Math.round(opts.maxDuration * 1000);
  if (opts.targetDownAfter !== undefined && opts.targetDownAfter > 0) limits.targetDownAfterMs = Math.round(opts.targetDownAfter * 1000);
  const crawl = opts.crawl ?? DEFAULT_CRAWL_MODE;
  if (!(CRAWL_MODES as readonly string[]).includes(crawl)) throw new ScanUsageError('--crawl must be browser, html or auto');
  const include: ScopeRule[] = [...(opts.include ?? []).map((prefix) => ({ prefix })), ...(opts.includeRegex ?? []).map((regex) => ({ regex }))];
  const excludeRules: ScopeRule[] = (opts.excludeRegex ?? []).map((regex) => ({ regex }));
  for (const r of [...include, ...excludeRules]) {
    if ('regex' in r) {
      try {
        new RegExp(r.regex);
      } catch {
        throw new ScanUsageError(`"${r.regex}" is not a valid regular expression`);
      }
    }
  }
  const scope = include.length > 0 || excludeRules.length > 0 ? { include, exclude: excludeRules } : null;
  const planSeeds: string[] = [];
  for (const seed of opts.seed ?? []) {
    let su: URL;
    try {
      su = new URL(seed, u);
    } catch {
      throw new ScanUsageError(`seed "${seed}" is not a URL`);
    }
    if (su.origin !== u.origin) throw new ScanUsageError(`seed ${su.href} is not on the target's origin ${u.origin}`);
    planSeeds.push(su.href);
  }
  const out: Resolved = { url: u.href, itemsWords, items, headers, exclude: opts.exclude ?? [], speed, ua, format, outputs, failOn, limits, crawl: crawl as CrawlMode, scope };
  const seeds = resolveSeeds(opts);
  // a plan's seeds and --seed are start URLs: the URL-list kind of Seeds
  if (planSeeds.length > 0) out.seeds = { ...seeds, urls: [...(seeds?.urls ?? []), ...planSeeds] };
  else if (seeds) out.seeds = seeds;
  const transport: TransportOptions = {};
  if (opts.proxy !== undefined) {
    try {
      transport.proxy = checkProxyUrl(opts.proxy, '--proxy');
    } catch (err) {
      throw new ScanUsageError(err instanceof Error ? err.message : String(err));
    }
  }
  if (opts.caCert && opts.caCert.length > 0) transport.caCerts = opts.caCert.map((f) => pemFile('--ca-cert', f));
  if ((opts.clientCert === undefined) !== (opts.clientKey === undefined)) throw new ScanUsageError('--client-cert and --client-key go together');
  if (opts.clientCert !== undefined && opts.clientKey !== undefined) {
    transport.clientCert = pemFile('--client-cert', opts.clientCert);
    transport.clientKey = pemFile('--client-key', opts.clientKey);
  }
  if (Object.keys(transport).length > 0) out.transport = transport;
  const auth = resolveAuth(opts, env);
  if (auth) {
    for (const url of authUrls(auth)) {
      if (!isLoopbackHost(new URL(url).hostname) && !opts.iOwnThisTarget) throw new ScanUsageError(`the login URL ${url} is not a loopback address: confirm you may use it with --i-own-this-target`);
    }
    out.auth = auth;
  }
  return out;
}

/** The login from --auth FILE or --login-url/--username/--password, validated as createJob's `Auth`. */
export function resolveAuth(opts: Pick<ScanOptions, 'auth' | 'loginUrl' | 'username' | 'password'>, env: NodeJS.ProcessEnv = {}): AuthConfig | undefined {
  const password = opts.password ?? env.WSC_LOGIN_PASSWORD;
  if (opts.auth !== undefined && opts.loginUrl !== undefined) throw new ScanUsageError('give either --auth FILE or --login-url, not both');
  let raw: unknown;
  let where: string;
  if (opts.auth !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.auth, 'utf8');
    } catch (err) {
      throw new ScanUsageError(`cannot read --auth ${opts.auth}: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      raw = /^\s*[{[]/.test(text) ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new ScanUsageError(`--auth ${opts.auth} is neither JSON nor YAML: ${err instanceof Error ? err.message : String(err)}`);
    }
    where = `--auth ${opts.auth}`;
  } else if (opts.loginUrl !== undefined) {
    if (opts.username === undefined || password === undefined) throw new ScanUsageError('--login-url needs --username and --password (or WSC_LOGIN_PASSWORD)');
    raw = { type: 'form', loginUrl: opts.loginUrl, username: opts.username, password };
    where = '--login-url';
  } else {
    if (opts.username !== undefined || opts.password !== undefined) throw new ScanUsageError('--username and --password need --login-url (or use --auth FILE)');
    return undefined;
  }
  const parsed = authSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ScanUsageError(`${where}: ${issue ? `${issue.path.join('.') || 'the login'}: ${issue.message}` : 'not a valid login'}`);
  }
  return parsed.data as AuthConfig;
}

export function pemFile(flag: string, file: string): string {
  const text = readText(flag, file);
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text)) throw new ScanUsageError(`${flag} ${file} is not a PEM file`);
  return text;
}

function readText(flag: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScanUsageError(`cannot read ${flag} ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** --openapi FILE|URL, --har FILE, --urls FILE as the createJob `Seeds` object. */
export function resolveSeeds(opts: Pick<ScanOptions, 'openapi' | 'har' | 'urls'>): Seeds | undefined {
  const seeds: Seeds = {};
  if (opts.openapi && opts.openapi.length > 0) seeds.openapi = opts.openapi.map((f) => (/^https?:\/\//i.test(f) ? f : readText('--openapi', f)));
  if (opts.har && opts.har.length > 0) seeds.har = opts.har.map((f) => readText('--har', f));
  if (opts.urls && opts.urls.length > 0) seeds.urls = opts.urls.flatMap((f) => readText('--urls', f).split(/\r?\n/)).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  return Object.keys(seeds).length > 0 ? seeds : undefined;
}

function authUrls(auth: AuthConfig): string[] {
  if (auth.type === 'headers') return [];
  const urls = auth.type === 'form' ? [auth.loginUrl] : auth.type === 'token' ? [auth.tokenUrl] : auth.steps.flatMap((s) => ('goto' in s ? [s.goto] : []));
  if (auth.verifyUrl !== undefined) urls.push(auth.verifyUrl);
  return urls;
}

function isReportFormat(f: string): f is ReportFormat {
  return f === 'json' || f === 'sarif' || f === 'html' || f === 'pdf';
}

function allItemWords(): string {
  const ncp = allChecks.map((c) => c.meta.item).filter((v, i, a) => a.indexOf(v) === i && !(EXTENSION_ITEMS as readonly string[]).includes(v));
  return `${ncp.join(', ')} (and the other NCP VulnItems words); extension items ${EXTENSION_ITEMS.join(', ')}`;
}

/** wsc scan runs every check unless told otherwise: NCP's 21 items and the extension items. */
export const DEFAULT_SCAN_ITEMS = `${ALL_ITEMS_WORD},${EXTENDED_WORD}`;

async function render(format: ReportFormat, input: ReportInput): Promise<{ data: JsonReport | SarifLog | string | Buffer; text: string | Buffer }> {
  if (format === 'pdf') {
    const pdf = (await renderReport('pdf', input)).body;
    return { data: pdf, text: pdf };
  }
  if (format === 'html') {
    const html = buildHtmlReport(input);
    return { data: html, text: html };
  }
  const data = format === 'sarif' ? buildSarifReport(input) : buildJsonReport(input);
  return { data, text: JSON.stringify(data, null, 2) + '\n' };
}

function isTty(out: CliOutput): boolean {
  return (out as { isTTY?: boolean }).isTTY === true;
}

/** Runs one scan and writes its report; never throws for scan problems, it returns the exit code. */
export async function runScan(opts: ScanOptions, io: CliIo): Promise<ScanRun> {
  let r: Resolved;
  try {
    r = resolve(opts, io.env);
  } catch (err) {
    if (!(err instanceof ScanUsageError)) throw err;
    io.stderr.write(`error: ${err.message}\n`);
    return { exitCode: EXIT.error, report: null };
  }
  if (opts.templates !== undefined) {
    const loaded = configureTemplates({ userDir: opts.templates });
    if (loaded.errors.length > 0) {
      for (const e of loaded.errors) io.stderr.write(`error: template ${e.message}\n`);
      return { exitCode: EXIT.error, report: null };
    }
  }
  // --silent drops the progress, not the errors: those are written to io.stderr directly
  const progress = createProgress(opts.silent ? { write: () => true } : io.stderr, opts.silent ? false : (opts.tty ?? isTty(io.stderr)));
  const stream = createScanStream({ target: r.url, jsonl: opts.jsonl === true, stdout: io.stdout, stderr: io.stderr, ...(opts.stats !== undefined ? { statsEverySeconds: opts.stats } : {}) });
  const findings: Finding[] = [];
  const started = Date.now();
  let result: EngineResult | undefined;
  let failure: Error | undefined;
  // what an interrupted scan did, for its report: the engine's last live statistics and the crawl
  let lastStats: EngineStats | undefined;
  let crawled: { method: string; url: string }[] = [];
  try {
    result = await runEngine(
      { startUrl: r.url, excludeUrls: r.exclude, headers: r.headers, userAgent: r.ua, speed: r.speed, items: r.items, limits: r.limits, crawl: r.crawl, ...(r.scope ? { scope: r.scope } : {}), ...(r.auth ? { auth: r.auth } : {}), ...(r.seeds ? { seeds: r.seeds } : {}), ...(r.transport ? { transport: r.transport } : {}) },
      {
        onPhase: (p) => {
          stream.phase(p);
          progress.phase(p);
        },
        onCrawlProgress: (n) => {
          stream.crawl(n);
          progress.crawl(n);
        },
        onScanProgress: (p) => {
          stream.scan(p);
          progress.scan(p);
        },
        onUrls: (urls) => {
          crawled = urls;
        },
        onStats: (st) => {
          lastStats = st;
          progress.stats(st);
        },
        onFinding: (f) => {
          findings.push(f);
          stream.finding(f);
          progress.finding(f);
        },
        log: (level, message) => {
          if (level === 'warn' || level === 'error') io.stderr.write(`${level}: ${message}\n`);
        },
      },
      io.signal,
      { env: io.env },
    );
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  } finally {
    progress.done();
  }
  // A stopped scan still reports what it found; a crawl that never started has nothing to report.
  if (failure && findings.length === 0 && !(failure.name === 'AbortError' && lastStats)) {
    stream.end({ limitReached: failure.name === 'AbortError' ? 'stopped' : `failed: ${failure.message}` });
    io.stderr.write(`error: ${failure.name === 'AbortError' ? 'the scan was stopped' : failure.message}\n`);
    return { exitCode: failure.name === 'AbortError' ? EXIT.warn : EXIT.error, report: null };
  }
  const input: ReportInput = {
    target: r.url,
    options: { items: r.itemsWords, userAgent: r.ua, speed: r.speed, excludeUrls: r.exclude, headers: r.headers, limits: r.limits, crawl: r.crawl },
    stats: result ? result.stats : (lastStats ?? { requests: 0, durationMs: Date.now() - started, urls: crawled.length }),
    urls: result?.urls ?? crawled,
    findings: result?.findings ?? findings,
    checks: allChecks.map((c) => c.meta),
  };
  const limitReached = failure ? (failure.name === 'AbortError' ? 'stopped' : `failed: ${failure.message}`) : result?.limitReached;
  if (limitReached !== undefined) input.limitReached = limitReached;
  stream.end({ ...(result ? { stats: result.stats } : {}), limitReached });
  // JSON Lines own stdout: the report then goes only to the files asked for
  const targets: { format: ReportFormat; file: string | null }[] = r.outputs.length > 0 || opts.jsonl ? r.outputs : [{ format: r.format, file: null }];
  let data: JsonReport | SarifLog | string | Buffer | null = null;
  for (const t of targets) {
    const rendered = await render(t.format, input);
    if (t.format === r.format || data === null) data = rendered.data;
    try {
      if (t.file !== null) writeFileSync(t.file, rendered.text);
      else io.stdout.write(rendered.text);
    } catch (err) {
      io.stderr.write(`error: cannot write the report${t.file ? ` ${t.file}` : ''}: ${err instanceof Error ? err.message : String(err)}\n`);
      return { exitCode: EXIT.error, report: data };
    }
  }
  const tokenForms = result?.stats.tokenForms ?? 0;
  const tokens = tokenForms > 0 ? `, ${tokenForms} anti-CSRF token form${tokenForms === 1 ? '' : 's'}${result?.stats.tokenRejected ? ` (${result.stats.tokenRejected} refused a fresh token)` : ''}` : '';
  const st = result?.stats;
  const login = st?.logins !== undefined ? `, ${st.logins} login${st.logins === 1 ? '' : 's'} (${st.relogins ?? 0} re-login${st.relogins === 1 ? '' : 's'})` : '';
  if (result?.auth) {
    const a = result.auth;
    io.stderr.write(`login: logged-in indicator ${a.loggedIn ?? 'none'}${a.proposed ? ' (proposed by wsc; put it in an --auth file as loggedInRegex to fix it)' : ''}; logged out: ${a.loggedOut}\n`);
  }
  const browser = result?.stats.browser;
  if (!opts.silent && browser && !browser.used && browser.mode !== 'html') io.stderr.write(`browser engine not used: ${browser.reason}\n`);
  const summary = `${input.findings.length} finding${input.findings.length === 1 ? '' : 's'}, ${input.stats.requests} requests${tokens}${login}, ${(input.stats.durationMs / 1000).toFixed(1)} s${limitReached ? ` (${limitReached})` : ''}${r.outputs.length > 0 ? `; report${r.outputs.length > 1 ? 's' : ''} written to ${r.outputs.map((o) => o.file).join(', ')}` : ''}\n`;
  if (!opts.silent) io.stderr.write(summary);
  const health = input.stats.health;
  if (health && health.verdict !== 'healthy') io.stderr.write(`warning: ${verdictLine(health)}\n`);
  const threshold = r.failOn;
  const failed = threshold !== null && input.findings.some((f) => SEVERITY_RANK[f.severity] <= SEVERITY_RANK[threshold]);
  // a finding at the threshold fails the scan whatever else happened (as ZAP: FAIL before WARN)
  if (failure) {
    io.stderr.write(`${failure.name === 'AbortError' ? 'warning: the scan was stopped before it ended' : `error: ${failure.message}`}\n`);
    return { exitCode: failed ? EXIT.fail : failure.name === 'AbortError' ? EXIT.warn : EXIT.error, report: data, ...(result ? { result } : {}) };
  }
  const warned = health !== undefined && health.verdict !== 'healthy';
  return { exitCode: failed ? EXIT.fail : warned ? EXIT.warn : EXIT.pass, report: data, ...(result ? { result } : {}) };
}

function defaultIo(): CliIo {
  const stop = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: stop.signal };
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('must be an integer >= 0');
  return n;
}

/** Registers `wsc scan`; pass the CLI's io so output and Ctrl-C go through it (process stdio otherwise). */
export function registerScanCommand(program: Command, io?: CliIo): void {
  program
    .command('scan')
    .description('scan a target in-process and write a report (no server needed)')
    .argument('[url]', 'StartUrl of the scan (or the targets of --plan)')
    .option('--plan <file>', 'a scan plan (YAML; see schemas/plan.schema.json): targets, scope, auth, seeds, items, limits, outputs, fail-on')
    .option('--items <list>', `comma-separated VulnItems words, ${ALL_ITEMS_WORD} (NCP's 21), ${EXTENDED_WORD} (the extension items)`, DEFAULT_SCAN_ITEMS)
    .option('--header <header>', 'header sent on every request, "Name: value" (repeatable; values are never reported)', collect, [])
    .option('--exclude <url>', 'URL prefix not to touch (repeatable)', collect, [])
    .option('--speed <1|2|3>', 'request pace: 1 normal, 2 faster, 3 fast', '2')
    .option('--ua <word>', 'user agent: "PC Chrome", "PC IE", iPhone or Android', 'PC Chrome')
    .option('--format <format>', 'report format: json, sarif, html or pdf', 'json')
    .option('--output <file>', 'write the report to a file instead of stdout')
    .option('--fail-on <severity>', 'exit 1 when a finding of this severity or worse exists: high (default), medium, low, or none')
    .option('--max-urls <n>', 'most attack targets to collect', parsePositiveInt)
    .option('--max-depth <n>', 'most link hops from the URL', nonNegativeInt)
    .option('--timeout <seconds>', 'per-request timeout in seconds', parseSeconds)
    .option('--max-duration <seconds>', 'whole-scan time budget in seconds', parseSeconds)
    .option('--target-down-after <seconds>', 'how long a target that stopped answering is probed before the scan ends (default 30)', parseSeconds)
    .option('--login-url <url>', 'form login: the page holding the login form (with --username and --password)')
    .option('--username <user>', 'form login: the user name')
    .option('--password <password>', 'form login: the password (or WSC_LOGIN_PASSWORD, which ps does not show)')
    .option('--auth <file>', 'login file, JSON or YAML: form, token endpoint or static headers/cookies (see README, "Authenticated scans")')
    .option('--openapi <file|url>', 'OpenAPI 3 / Swagger 2 document (JSON or YAML): every operation becomes a target (repeatable)', collect, [])
    .option('--har <file>', 'HAR file recorded in a browser: every request becomes a target (repeatable)', collect, [])
    .option('--urls <file>', 'file of URLs, one a line: each becomes a target (repeatable)', collect, [])
    .option('--proxy <url>', 'send every request through this HTTP(S) proxy (default: HTTPS_PROXY/HTTP_PROXY, minus NO_PROXY)')
    .option('--ca-cert <file>', 'PEM file of CA certificates to trust, for a site under a private CA (repeatable; NODE_EXTRA_CA_CERTS too)', collect, [])
    .option('--client-cert <file>', 'PEM client certificate for sites that ask for one (mTLS), with --client-key')
    .option('--client-key <file>', 'PEM private key of --client-cert')
    .option('--crawl <mode>', 'crawlers: html, browser (also headless Chromium) or auto (Chromium when the site needs it)', DEFAULT_CRAWL_MODE)
    .option('--max-requests <n>', 'most requests the scan may send', parsePositiveInt)
    .option('--include <prefix>', 'scope: URLs must start with one of these prefixes (repeatable)', collect, [])
    .option('--include-regex <regex>', 'scope: or match one of these regular expressions (repeatable)', collect, [])
    .option('--exclude-regex <regex>', 'scope: never request URLs matching this regular expression (repeatable)', collect, [])
    .option('--seed <url>', 'another URL the crawl starts from (repeatable)', collect, [])
    .option('--templates <dir>', 'directory of extra Specific Vulnerability templates (*.json wsc, *.yaml Nuclei; default WSC_TEMPLATES_DIR)')
    .option('--jsonl', 'write each finding to stdout as a JSON line when found, then one stats line (the report only to --output)')
    .option('--silent', 'no progress and no summary on stderr')
    .option('--stats <seconds>', 'write a JSON stats line to stderr every N seconds', parseSeconds)
    .option('--i-own-this-target', 'confirm you may scan a target that is not on this machine')
    .addHelpText('after', '\nExit codes (as ZAP\'s baseline scan): 0 pass, 1 a finding at or above --fail-on,\n2 warning (coverage degraded, target down, or interrupted), 3 error (bad flags, nothing scanned).')
    // bad flags are an error (3) here, not the usage code (2) other commands use: 2 is a warning
    .exitOverride((err) => {
      if (err.exitCode !== 0) throw new CliExit(EXIT.error);
      throw err;
    })
    .action(async (url: string | undefined, flags: Omit<ScanOptions, 'url'> & { plan?: string }, cmd: Command) => {
      const cio = io ?? defaultIo();
      if (flags.plan !== undefined) {
        const code = await runPlanScan(flags.plan, url, flags, cmd, cio);
        if (code !== 0) throw new CliExit(code);
        return;
      }
      if (url === undefined) {
        cio.stderr.write('error: give the URL to scan, or --plan plan.yaml\n');
        throw new CliExit(EXIT.error);
      }
      const run = await runScan({ ...flags, url }, cio);
      if (run.exitCode !== 0) throw new CliExit(run.exitCode);
    });
}
