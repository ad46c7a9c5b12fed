// `wsc jobs ...`: the NCP job API from the command line, through the SDK. Tables for people,
// --json for the raw envelope (pipe it to jq).
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { resolveVulnItems, USER_AGENTS, ALL_ITEMS_WORD, EXTENDED_WORD, SCAN_ITEMS } from '../../core/items.js';
import { FINAL_STATUSES, STATUS, isJobStatus, type JobStatus } from '../../core/status.js';
import type { CrawlMode } from '../../engine/types.js';
import type { CreateJobRequest, JobList, JobRecord, ReportFormat, SpeedName, UserAgentName, WscClient } from '../../sdk/client.js';
import { WscConnectionError } from '../../sdk/errors.js';
import {
  addClientOptions,
  collect,
  parseInstanceNo,
  parsePositiveInt,
  parseSeconds,
  printJson,
  withClient,
  type CliIo,
} from '../context.js';
import { CliExit, UsageError } from '../errors.js';
import { pemFile, resolveAuth, resolveSeeds, ScanUsageError } from './scan.js';
import { renderTable } from '../table.js';
import { addEventsSubcommand } from './events.js';

const USER_AGENT_WORDS = Object.keys(USER_AGENTS) as UserAgentName[];

/** "Name: value" as curl takes it; the value may contain colons. */
export function parseHeader(line: string): [string, string] {
  const i = line.indexOf(':');
  const name = i < 0 ? '' : line.slice(0, i).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(`--header "${line}" must look like "Name: value"`);
  }
  return [name, line.slice(i + 1).trim()];
}

/** A word as the API spells it, matched without regard to case or spacing ("sql injection", "Sql  Injection"). */
function canonicalItem(word: string): string {
  const key = (w: string): string => w.toLowerCase().replace(/\s+/g, ' ');
  if (key(word) === key(ALL_ITEMS_WORD)) return ALL_ITEMS_WORD;
  if (key(word) === key(EXTENDED_WORD)) return EXTENDED_WORD;
  return SCAN_ITEMS.find((v) => key(v) === key(word)) ?? word;
}

export function parseItems(list: string): string[] {
  const words = list
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '')
    .map(canonicalItem);
  if (resolveVulnItems(words) === null) {
    const unknown = words.filter((w) => w !== ALL_ITEMS_WORD && w !== EXTENDED_WORD && !(SCAN_ITEMS as readonly string[]).includes(w));
    throw new UsageError(
      `--items "${list}" must be ALL, EXTENDED or a comma list of item words${unknown.length > 0 ? ` (not one: ${unknown.map((w) => `"${w}"`).join(', ')})` : '; ALL combines only with EXTENDED and extension items'}. The words (any case): ${SCAN_ITEMS.join(', ')}`,
    );
  }
  return words;
}

function progressText(r: JobRecord): string {
  return r.progress === null ? '' : `${r.progress}%`;
}

function jobRows(records: JobRecord[]): (string | number | null)[][] {
  const rows: (string | number | null)[][] = [];
  const add = (r: JobRecord, prefix: string): void => {
    rows.push([prefix + r.instanceNo, r.status, progressText(r), r.startUrl, r.crawlCount, r.scanCount, r.startDate, r.endDate, r.memo]);
  };
  for (const r of records) {
    add(r, '');
    // re-diagnoses come nested under their master, as NCP lists them
    for (const s of r.slaves) add(s, '└ ');
  }
  return rows;
}

function printJobs(io: CliIo, records: JobRecord[], footer: string): void {
  if (records.length > 0) {
    io.stdout.write(renderTable(['ID', 'STATUS', 'PROGRESS', 'START URL', 'URLS', 'FOUND', 'STARTED', 'ENDED', 'MEMO'], jobRows(records)));
  }
  io.stdout.write(footer + '\n');
}

function printPage(io: CliIo, list: JobList, page: number): void {
  printJobs(io, list.records, list.total === 0 ? 'no jobs' : `page ${page} of ${Math.max(list.totalPages, 1)}, ${list.total} job(s)`);
}

/** Looks a job up by number, newest pages first, including re-diagnoses nested in slave_data. */
export async function findJob(client: WscClient, instanceNo: string): Promise<JobRecord | null> {
  for await (const r of client.iterateJobs({ limit: 100 })) {
    if (r.instanceNo === instanceNo) return r;
    const slave = r.slaves.find((s) => s.instanceNo === instanceNo);
    if (slave) return slave;
  }
  return null;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export interface CreateOpts {
  url: string;
  exclude?: string[];
  header?: string[];
  items: string;
  ua: UserAgentName;
  speed: SpeedName;
  memo?: string;
  crawl?: CrawlMode;
  master?: string;
  json?: boolean;
  quiet?: boolean;
  loginUrl?: string;
  username?: string;
  password?: string;
  auth?: string;
  openapi?: string[];
  har?: string[];
  urls?: string[];
  proxy?: string;
  caCert?: string[];
  clientCert?: string;
  clientKey?: string;
}

interface ListOpts {
  limit: number;
  page: number;
  all?: boolean;
  json?: boolean;
}

interface SearchOpts {
  type: 'url' | 'memo' | 'all';
  keyword: string;
  status?: JobStatus;
  limit: number;
  page: number;
  json?: boolean;
}

interface WaitOpts {
  interval: number;
  timeout: number;
  json?: boolean;
  quiet?: boolean;
}

interface ReportOpts {
  format?: ReportFormat;
  out?: string;
}

function parseStatus(value: string): JobStatus {
  const n = Number(value);
  if (!isJobStatus(n)) {
    throw new UsageError(`--status must be one of ${Object.values(STATUS).join(', ')}, got "${value}"`);
  }
  return n;
}

/** createJob's options shared by `jobs create` and `schedules create`. */
export function addJobOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--url <url>', 'StartUrl: where crawling starts')
    .option('--exclude <url>', 'ExcludeUrl entry (repeatable)', collect, [])
    .option('--header <header>', 'HTTP header "Name: value" sent on every request (repeatable)', collect, [])
    .option('--items <list>', `VulnItems: ALL, EXTENDED or a comma list of item words, any case (${SCAN_ITEMS.join(', ')})`, ALL_ITEMS_WORD)
    .addOption(new Option('--ua <name>', 'UserAgent').choices(USER_AGENT_WORDS).default('PC Chrome'))
    .addOption(new Option('--speed <n>', 'Speed: 1 normal, 2 a bit faster, 3 fast').choices(['1', '2', '3']).default('2'))
    .option('--memo <text>', 'Memo (at most 1,000 characters)')
    .addOption(new Option('--crawl <mode>', 'Crawl (wsc extension): html, browser or auto (the server\'s default: auto)').choices(['html', 'browser', 'auto']))
    .option('--login-url <url>', 'Auth: form login page (with --username and --password or WSC_LOGIN_PASSWORD)')
    .option('--username <user>', 'Auth: form login user')
    .option('--password <password>', 'Auth: form login password')
    .option('--auth <file>', 'Auth: login file, JSON or YAML (README, "Authenticated scans")')
    .option('--openapi <file|url>', 'Seeds: OpenAPI 3 / Swagger 2 document (repeatable)', collect, [])
    .option('--har <file>', 'Seeds: HAR file (repeatable)', collect, [])
    .option('--urls <file>', 'Seeds: file of URLs, one a line (repeatable)', collect, [])
    .option('--proxy <url>', 'Proxy: every request of the job goes through it')
    .option('--ca-cert <file>', 'Tls: PEM CA certificates the TLS check trusts (repeatable)', collect, [])
    .option('--client-cert <file>', 'Tls: PEM client certificate (mTLS), with --client-key')
    .option('--client-key <file>', 'Tls: PEM key of --client-cert');
}

/** The createJob body the shared options describe. */
export function jobRequestFromOptions(opts: CreateOpts, io: CliIo): CreateJobRequest {
  const headers: Record<string, string> = {};
  for (const h of opts.header ?? []) {
    const [name, value] = parseHeader(h);
    headers[name] = value;
  }
  const req: CreateJobRequest = {
    StartUrl: opts.url,
    ExcludeUrl: opts.exclude ?? [],
    Headers: headers,
    VulnItems: parseItems(opts.items),
    UserAgent: opts.ua,
    Speed: opts.speed,
  };
  if (opts.memo !== undefined) req.Memo = opts.memo;
  if (opts.crawl !== undefined) req.Crawl = opts.crawl;
  try {
    const auth = resolveAuth(opts, io.env);
    if (auth) req.Auth = auth;
    const seeds = resolveSeeds(opts);
    if (seeds) req.Seeds = seeds;
    if (opts.proxy !== undefined) req.Proxy = opts.proxy;
    const tls: NonNullable<CreateJobRequest['Tls']> = {};
    if (opts.caCert && opts.caCert.length > 0) tls.caCert = opts.caCert.map((f) => pemFile('--ca-cert', f)).join('\n');
    if (opts.clientCert !== undefined) tls.clientCert = pemFile('--client-cert', opts.clientCert);
    if (opts.clientKey !== undefined) tls.clientKey = pemFile('--client-key', opts.clientKey);
    if (Object.keys(tls).length > 0) req.Tls = tls;
  } catch (err) {
    if (err instanceof ScanUsageError) throw new UsageError(err.message);
    throw err;
  }
  return req;
}

export function registerJobsCommand(program: Command, io: CliIo): void {
  const jobs = program.command('jobs').description('create, list, search, stop, cancel and wait for scan jobs (API client)');

  addClientOptions(
    addJobOptions(jobs.command('create').description('create a scan job (PUT /api/v1/job)'))
      .option('--master <id>', 'MasterInstanceNo: re-diagnose this completed job', parseInstanceNo)
      .option('--at <time>', 'ReservedAt (wsc extension): start at this time, ISO-8601 with an offset (2026-12-03T15:00:00+09:00) or epoch ms; status 12 until then')
      .option('--json', 'print the raw response envelope')
      .option('-q, --quiet', 'print only the new job number'),
  ).action(async (opts: CreateOpts & { at?: string }, cmd: Command) => {
    const req = jobRequestFromOptions(opts, io);
    if (opts.master !== undefined) req.MasterInstanceNo = opts.master;
    if (opts.at !== undefined) req.ReservedAt = /^\d+$/.test(opts.at.trim()) ? Number(opts.at.trim()) : opts.at.trim();
    await withClient(cmd, io, async (client) => {
      const res = await client.createJob(req);
      if (opts.json) return printJson(io, res.envelope);
      if (opts.quiet) {
        if (res.instanceNo === null) throw new Error('job created, but the server did not return its number');
        io.stdout.write(res.instanceNo + '\n');
        return;
      }
      io.stdout.write(res.instanceNo === null ? 'job created\n' : `job ${res.instanceNo} created\n`);
    });
  });

  addClientOptions(
    jobs
      .command('list')
      .description('list jobs, newest first (GET /api/v1/jobs)')
      .option('--limit <n>', 'jobs per page (1-1000)', parsePositiveInt, 10)
      .option('--page <n>', 'page number', parsePositiveInt, 1)
      .option('--all', 'every page (with --json: one envelope per line)')
      .option('--json', 'print the raw response envelope'),
  ).action(async (opts: ListOpts, cmd: Command) => {
    await withClient(cmd, io, async (client) => {
      if (!opts.all) {
        const list = await client.getJobs({ limit: opts.limit, page: opts.page });
        return opts.json ? printJson(io, list.envelope) : printPage(io, list, opts.page);
      }
      const records: JobRecord[] = [];
      let total = 0;
      for (let page = 1; ; page++) {
        const list = await client.getJobs({ limit: opts.limit, page });
        if (opts.json) io.stdout.write(JSON.stringify(list.envelope) + '\n');
        records.push(...list.records);
        total = list.total;
        if (page >= list.totalPages || list.records.length < opts.limit) break;
      }
      if (!opts.json) printJobs(io, records, total === 0 ? 'no jobs' : `${total} job(s)`);
    });
  });

  addClientOptions(
    jobs
      .command('search')
      .description('search jobs by URL or memo and status (POST /api/v1/jobs/search)')
      .addOption(new Option('--type <type>', 'searchType').choices(['url', 'memo', 'all']).default('all'))
      .option('--keyword <text>', 'searchKeyword (substring)', '')
      .option('--status <code>', 'statusCode: 2 3 4 5 12 13 14 15 91 92 93', parseStatus)
      .option('--limit <n>', 'jobs per page (1-1000)', parsePositiveInt, 10)
      .option('--page <n>', 'page number', parsePositiveInt, 1)
      .option('--json', 'print the raw response envelope'),
  ).action(async (opts: SearchOpts, cmd: Command) => {
    await withClient(cmd, io, async (client) => {
      const list = await client.searchJobs({
        searchType: opts.type === 'all' ? '' : opts.type,
        searchKeyword: opts.keyword,
        statusCode: opts.status ?? null,
        limit: opts.limit,
        page: opts.page,
      });
      return opts.json ? printJson(io, list.envelope) : printPage(io, list, opts.page);
    });
  });

  for (const [name, what] of [
    ['stop', 'stop a running job (PATCH /api/v1/jobs/{id}/stop)'],
    ['cancel', 'cancel a job that has not started (PATCH /api/v1/jobs/{id}/cancel)'],
  ] as const) {
    addClientOptions(
      jobs
        .command(name)
        .description(what)
        .argument('<id>', 'job instance number', parseInstanceNo)
        .option('--json', 'print the raw response envelope'),
    ).action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      await withClient(cmd, io, async (client) => {
        const env = name === 'stop' ? await client.stopJob(id) : await client.cancelJob(id);
        if (opts.json) return printJson(io, env);
        io.stdout.write(name === 'stop' ? `job ${id}: stop requested\n` : `job ${id}: canceled\n`);
      });
    });
  }

  addEventsSubcommand(jobs, io);

  addClientOptions(
    jobs
      .command('wait')
      .description('poll until the job ends; exit 0 when diagnostics completed (4), else 1')
      .argument('<id>', 'job instance number', parseInstanceNo)
      .option('--interval <seconds>', 'seconds between polls', parseSeconds, 5)
      .option('--timeout <seconds>', 'give up after this long (0: never)', parseSeconds, 0)
      .option('--json', 'print the final job record as sent')
      .option('-q, --quiet', 'print nothing; the exit code tells'),
  ).action(async (id: string, opts: WaitOpts, cmd: Command) => {
    await withClient(cmd, io, async (client) => {
      const deadline = opts.timeout > 0 ? Date.now() + opts.timeout * 1000 : Infinity;
      let last = '';
      let failures = 0;
      for (;;) {
        let record: JobRecord | null;
        try {
          record = await findJob(client, id);
          failures = 0;
        } catch (err) {
          // a restarting server should not end a long wait; a server that stays away does
          if (!(err instanceof WscConnectionError) || ++failures > 5) throw err;
          io.stderr.write(`warning: ${err.message}; retrying\n`);
          record = null;
        }
        if (record === null && failures === 0) throw new Error(`job ${id} not found`);
        if (record !== null) {
          const line = `${record.status}${record.progress === null ? '' : ` ${record.progress}%`}`;
          if (line !== last && !opts.quiet && !opts.json) io.stdout.write(`job ${id}: ${line}\n`);
          last = line;
          if (record.statusCode !== null && (FINAL_STATUSES as readonly number[]).includes(record.statusCode)) {
            if (opts.json) printJson(io, record.raw);
            // why it failed, or the warning a completed job carries (its scan health): on stderr
            if (record.resultDesc && !opts.json && !opts.quiet) io.stderr.write(`job ${id}: ${record.statusCode === STATUS.DIAG_DONE ? 'warning' : 'cause'}: ${record.resultDesc}\n`);
            if (record.statusCode !== STATUS.DIAG_DONE) throw new CliExit(1);
            return;
          }
        }
        if (io.signal.aborted) throw new CliExit(130);
        if (Date.now() + opts.interval * 1000 > deadline) {
          throw new Error(`job ${id} still "${record?.status ?? 'unknown'}" after ${opts.timeout} s`);
        }
        await sleep(opts.interval * 1000, io.signal);
      }
    });
  });

  addClientOptions(
    jobs
      .command('report')
      .description('download the report of a completed job (GET /api/v1/jobs/{id}/report)')
      .argument('<id>', 'job instance number', parseInstanceNo)
      .addOption(new Option('--format <format>', 'report format').choices(['json', 'sarif', 'html', 'pdf']))
      .option('-o, --out <file>', 'write to this file instead of stdout'),
  ).action(async (id: string, opts: ReportOpts, cmd: Command) => {
    await withClient(cmd, io, async (client) => {
      const report = await client.getReport(id, opts.format);
      if (opts.out) {
        writeFileSync(opts.out, report.body);
        io.stderr.write(`wrote ${report.body.length} bytes (${report.contentType}) to ${opts.out}\n`);
        return;
      }
      io.stdout.write(report.body);
      if (report.json !== undefined && report.body.at(-1) !== 0x0a) io.stdout.write('\n');
    });
  });

  addClientOptions(
    jobs
      .command('rescan')
      .description('re-diagnose a completed job with its settings (PUT /api/v1/job with MasterInstanceNo)')
      .argument('<id>', 'instance number of the completed master job', parseInstanceNo)
      .option('--wait', 'wait for the re-diagnosis to end, then print fixed / still present / new')
      .option('--interval <seconds>', 'seconds between polls with --wait', parseSeconds, 5)
      .option('--timeout <seconds>', 'give up waiting after this long (0: never)', parseSeconds, 0)
      .option('--json', 'print the raw envelope (with --wait: the comparison as JSON)'),
  ).action(async (id: string, opts: RescanOpts, cmd: Command) => {
    await withClient(cmd, io, async (client) => {
      // The server takes a rescan with MasterInstanceNo alone and copies the master's settings;
      // the SDK's request type is written for new jobs, where the other fields are required.
      const res = await client.createJob({ MasterInstanceNo: id } as CreateJobRequest);
      if (!opts.wait) {
        if (opts.json) return printJson(io, res.envelope);
        io.stdout.write(res.instanceNo === null ? `re-diagnosis of ${id} created\n` : `job ${res.instanceNo} created (re-diagnosis of ${id})\n`);
        return;
      }
      if (res.instanceNo === null) throw new Error('re-diagnosis created, but the server did not return its number');
      const newId = res.instanceNo;
      if (!opts.json) io.stdout.write(`job ${newId} created (re-diagnosis of ${id})\n`);
      const deadline = opts.timeout > 0 ? Date.now() + opts.timeout * 1000 : Infinity;
      for (;;) {
        const record = await findJob(client, newId);
        if (record === null) throw new Error(`job ${newId} not found`);
        if (record.statusCode !== null && (FINAL_STATUSES as readonly number[]).includes(record.statusCode)) {
          if (record.statusCode !== STATUS.DIAG_DONE) {
            io.stderr.write(`job ${newId} ended "${record.status}"${record.resultDesc ? `: ${record.resultDesc}` : ''}\n`);
            throw new CliExit(1);
          }
          break;
        }
        if (io.signal.aborted) throw new CliExit(130);
        if (Date.now() + opts.interval * 1000 > deadline) throw new Error(`job ${newId} still "${record.status}" after ${opts.timeout} s`);
        await sleep(opts.interval * 1000, io.signal);
      }
      const report = await client.getReport(newId, 'json');
      const comparison = comparisonOf(report.json);
      if (!comparison) throw new Error(`the report of job ${newId} carries no comparison with job ${id}`);
      if (opts.json) return printJson(io, comparison);
      io.stdout.write(printDiff(comparison));
    });
  });
}

interface RescanOpts {
  wait?: boolean;
  interval: number;
  timeout: number;
  json?: boolean;
}

interface ComparisonView {
  master_instance_no: string;
  counts: { fixed: number; 'still present': number; new: number };
  entries: { status: string; severity: string; item: string; url: string; parameter: string | null }[];
}

function comparisonOf(json: unknown): ComparisonView | null {
  if (json === null || typeof json !== 'object') return null;
  const c = (json as { comparison?: unknown }).comparison;
  if (c === null || typeof c !== 'object') return null;
  const v = c as Partial<ComparisonView>;
  return Array.isArray(v.entries) && v.counts && typeof v.master_instance_no === 'string' ? (v as ComparisonView) : null;
}

export function printDiff(c: ComparisonView): string {
  const table =
    c.entries.length === 0
      ? ''
      : renderTable(['STATUS', 'SEVERITY', 'ITEM', 'URL', 'PARAMETER'], c.entries.map((e) => [e.status, e.severity, e.item, e.url, e.parameter ?? '']));
  return `${table}against job ${c.master_instance_no}: ${c.counts.fixed} fixed, ${c.counts['still present']} still present, ${c.counts.new} new\n`;
}
