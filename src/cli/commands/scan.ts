// `wsc scan URL`: runs the engine in-process against one target and writes a report, without a
// server or store. Flags mirror createJob; exit 0 clean, 1 when --fail-on matched, 2 on error.
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { InvalidArgumentError, type Command } from 'commander';
import { ALL_ITEMS_WORD, isSpeedWord, isUserAgentWord, resolveVulnItems, type SpeedWord, type UserAgentWord, type VulnItem } from '../../core/items.js';
import type { Finding, Severity } from '../../core/model.js';
import { allChecks } from '../../checks/registry.js';
import { configureTemplates } from '../../templates/loader.js';
import { runEngine } from '../../engine/engine.js';
import type { ScopeRule, ScopeRules } from '../../engine/scope.js';
import type { EngineLimits, EngineResult } from '../../engine/types.js';
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
export type FailOn = 'high' | 'medium' | 'low';

export interface ScanOptions {
  url: string;
  /** Comma-separated VulnItems words, or ALL (default). */
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
  iOwnThisTarget?: boolean;
  /** Show the redrawn bar (default: stderr is a TTY). */
  tty?: boolean;
  /** Extra Specific Vulnerability templates (default: WSC_TEMPLATES_DIR). */
  templates?: string;
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

class ScanUsageError extends Error {}

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
  items: VulnItem[];
  headers: Record<string, string>;
  exclude: string[];
  speed: SpeedWord;
  ua: UserAgentWord;
  format: ReportFormat;
  outputs: { format: ReportFormat; file: string }[];
  failOn: FailOn | null;
  limits: Partial<EngineLimits>;
  scope: ScopeRules | null;
  seeds: string[];
}

function resolve(opts: ScanOptions): Resolved {
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
  const itemsWords = (opts.items ?? ALL_ITEMS_WORD).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const items = resolveVulnItems(itemsWords);
  if (!items) throw new ScanUsageError(`--items "${opts.items}" must be ALL or a comma-separated list of: ${allItemWords()}`);
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
  const failOn = opts.failOn ?? null;
  if (failOn !== null && failOn !== 'high' && failOn !== 'medium' && failOn !== 'low') throw new ScanUsageError('--fail-on must be high, medium or low');
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
  const seeds: string[] = [];
  for (const seed of opts.seed ?? []) {
    let su: URL;
    try {
      su = new URL(seed, u);
    } catch {
      throw new ScanUsageError(`seed "${seed}" is not a URL`);
    }
    if (su.origin !== u.origin) throw new ScanUsageError(`seed ${su.href} is not on the target's origin ${u.origin}`);
    seeds.push(su.href);
  }
  return { url: u.href, itemsWords, items, headers, exclude: opts.exclude ?? [], speed, ua, format, outputs, failOn, limits, scope, seeds };
}

function isReportFormat(f: string): f is ReportFormat {
  return f === 'json' || f === 'sarif' || f === 'html' || f === 'pdf';
}

function allItemWords(): string {
  return allChecks.map((c) => c.meta.item).filter((v, i, a) => a.indexOf(v) === i).join(', ') + ' (and the other NCP VulnItems words)';
}

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
    r = resolve(opts);
  } catch (err) {
    if (!(err instanceof ScanUsageError)) throw err;
    io.stderr.write(`error: ${err.message}\n`);
    return { exitCode: 2, report: null };
  }
  if (opts.templates !== undefined) {
    const loaded = configureTemplates({ userDir: opts.templates });
    if (loaded.errors.length > 0) {
      for (const e of loaded.errors) io.stderr.write(`error: template ${e.message}\n`);
      return { exitCode: 2, report: null };
    }
  }
  // --silent drops the progress, not the errors: those are written to io.stderr directly
  const progress = createProgress(opts.silent ? { write: () => true } : io.stderr, opts.silent ? false : (opts.tty ?? isTty(io.stderr)));
  const stream = createScanStream({ target: r.url, jsonl: opts.jsonl === true, stdout: io.stdout, stderr: io.stderr, ...(opts.stats !== undefined ? { statsEverySeconds: opts.stats } : {}) });
  const findings: Finding[] = [];
  const started = Date.now();
  let result: EngineResult | undefined;
  let failure: Error | undefined;
  try {
    result = await runEngine(
      {
        startUrl: r.url,
        excludeUrls: r.exclude,
        headers: r.headers,
        userAgent: r.ua,
        speed: r.speed,
        items: r.items,
        limits: r.limits,
        ...(r.scope ? { scope: r.scope } : {}),
        ...(r.seeds.length > 0 ? { seeds: r.seeds } : {}),
      },
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
    );
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
  } finally {
    progress.done();
  }
  // A stopped scan still reports what it found; a crawl that never started has nothing to report.
  if (failure && findings.length === 0) {
    stream.end({ limitReached: failure.name === 'AbortError' ? 'stopped' : `failed: ${failure.message}` });
    io.stderr.write(`error: ${failure.name === 'AbortError' ? 'the scan was stopped' : failure.message}\n`);
    return { exitCode: 2, report: null };
  }
  const input: ReportInput = {
    target: r.url,
    options: { items: r.itemsWords, userAgent: r.ua, speed: r.speed, excludeUrls: r.exclude, headers: r.headers, limits: r.limits },
    stats: result ? result.stats : { requests: 0, durationMs: Date.now() - started, urls: 0 },
    urls: result?.urls ?? [],
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
      return { exitCode: 2, report: data };
    }
  }
  const tokenForms = result?.stats.tokenForms ?? 0;
  const tokens = tokenForms > 0 ? `, ${tokenForms} anti-CSRF token form${tokenForms === 1 ? '' : 's'}${result?.stats.tokenRejected ? ` (${result.stats.tokenRejected} refused a fresh token)` : ''}` : '';
  const summary = `${input.findings.length} finding${input.findings.length === 1 ? '' : 's'}, ${input.stats.requests} requests${tokens}, ${(input.stats.durationMs / 1000).toFixed(1)} s${limitReached ? ` (${limitReached})` : ''}${r.outputs.length > 0 ? `; report${r.outputs.length > 1 ? 's' : ''} written to ${r.outputs.map((o) => o.file).join(', ')}` : ''}\n`;
  if (!opts.silent) io.stderr.write(summary);
  if (failure) {
    io.stderr.write(`error: ${failure.name === 'AbortError' ? 'the scan was stopped' : failure.message}\n`);
    return { exitCode: 2, report: data, ...(result ? { result } : {}) };
  }
  const threshold = r.failOn;
  const failed = threshold !== null && input.findings.some((f) => SEVERITY_RANK[f.severity] <= SEVERITY_RANK[threshold]);
  return { exitCode: failed ? 1 : 0, report: data, ...(result ? { result } : {}) };
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
    .option('--items <list>', `comma-separated VulnItems words, or ${ALL_ITEMS_WORD}`, ALL_ITEMS_WORD)
    .option('--header <header>', 'header sent on every request, "Name: value" (repeatable; values are never reported)', collect, [])
    .option('--exclude <url>', 'URL prefix not to touch (repeatable)', collect, [])
    .option('--speed <1|2|3>', 'request pace: 1 normal, 2 faster, 3 fast', '2')
    .option('--ua <word>', 'user agent: "PC Chrome", "PC IE", iPhone or Android', 'PC Chrome')
    .option('--format <format>', 'report format: json, sarif, html or pdf', 'json')
    .option('--output <file>', 'write the report to a file instead of stdout')
    .option('--fail-on <severity>', 'exit 1 when a finding of this severity or worse exists: high, medium or low')
    .option('--max-urls <n>', 'most attack targets to collect', parsePositiveInt)
    .option('--max-depth <n>', 'most link hops from the URL', nonNegativeInt)
    .option('--timeout <seconds>', 'per-request timeout in seconds', parseSeconds)
    .option('--max-duration <seconds>', 'whole-scan time budget in seconds', parseSeconds)
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
    .action(async (url: string | undefined, flags: Omit<ScanOptions, 'url'> & { plan?: string }, cmd: Command) => {
      const cio = io ?? defaultIo();
      if (flags.plan !== undefined) {
        const code = await runPlanScan(flags.plan, url, flags, cmd, cio);
        if (code !== 0) throw new CliExit(code);
        return;
      }
      if (url === undefined) {
        cio.stderr.write('error: give the URL to scan, or --plan plan.yaml\n');
        throw new CliExit(2);
      }
      const run = await runScan({ ...flags, url }, cio);
      if (run.exitCode !== 0) throw new CliExit(run.exitCode);
    });
}
