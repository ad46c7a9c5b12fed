// What the detection benchmarks share: the per-item score table and a wapiti run kept on loopback
// (its endpoints point at our own listener, its store config has no app list to fetch, no bug
// reports), whose report is read back as findings to score the same way as ours.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCAN_ITEMS, type ScanItem } from '../src/core/items.js';

export interface Hit {
  item: ScanItem;
  method: string;
  url: string;
  parameter?: string | null;
}

export interface Score {
  tp: number;
  fn: number;
  fp: number;
  /** Findings the truth says nothing about (neither vulnerable nor safe). */
  unlabelled: number;
  missed: string[];
  false: string[];
}

export function scoreMap(): { scores: Map<ScanItem, Score>; get: (item: ScanItem) => Score } {
  const scores = new Map<ScanItem, Score>();
  const get = (item: ScanItem): Score => {
    let s = scores.get(item);
    if (!s) scores.set(item, (s = { tp: 0, fn: 0, fp: 0, unlabelled: 0, missed: [], false: [] }));
    return s;
  };
  return { scores, get };
}

export function table(title: string, s: Map<ScanItem, Score>, requests: number | null, ms: number, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): void {
  const rows = SCAN_ITEMS.filter((i) => s.has(i)).map((i) => [i, s.get(i)!] as const);
  let tp = 0;
  let fn = 0;
  let fp = 0;
  const pct = (n: number, d: number): string => (d === 0 ? '-' : n === d ? '1.00' : (n / d).toFixed(2));
  out(`\n${title}`);
  out(`${'item'.padEnd(30)}${'TP'.padStart(5)}${'FN'.padStart(5)}${'FP'.padStart(5)}${'other'.padStart(7)}${'recall'.padStart(8)}${'prec.'.padStart(7)}`);
  for (const [item, r] of rows) {
    tp += r.tp;
    fn += r.fn;
    fp += r.fp;
    out(`${item.padEnd(30)}${String(r.tp).padStart(5)}${String(r.fn).padStart(5)}${String(r.fp).padStart(5)}${String(r.unlabelled).padStart(7)}${pct(r.tp, r.tp + r.fn).padStart(8)}${pct(r.tp, r.tp + r.fp).padStart(7)}`);
  }
  out(`${'total'.padEnd(30)}${String(tp).padStart(5)}${String(fn).padStart(5)}${String(fp).padStart(5)}${''.padStart(7)}${pct(tp, tp + fn).padStart(8)}${pct(tp, tp + fp).padStart(7)}`);
  const recall = tp + fn === 0 ? 0 : (100 * tp) / (tp + fn);
  out(`recall ${recall.toFixed(1)} %, false positives ${fp}, ${requests === null ? '' : `requests ${requests}, `}duration ${(ms / 1000).toFixed(1)} s`);
  for (const [item, r] of rows) {
    if (r.missed.length) out(`  missed ${item}: ${r.missed.join(', ')}`);
    if (r.false.length) out(`  false ${item}: ${r.false.join(', ')}`);
  }
}

// Wapiti 3 report categories, mapped to our items; the rest (headers, cookies, CSP...) have no item here.
export const WAPITI_ITEMS: Record<string, ScanItem> = {
  'SQL Injection': 'SQL Injection',
  'Blind SQL Injection': 'SQL Injection',
  'Cross Site Scripting': 'XSS',
  'Stored Cross Site Scripting': 'XSS',
  'Reflected Cross Site Scripting': 'XSS',
  'Command execution': 'Command Injection',
  'Path Traversal': 'LFI',
  'Open Redirect': 'URL Redirection',
  'XML External Entity': 'XXE',
  'Server Side Request Forgery': 'SSRF',
  'Unrestricted File Upload': 'File Upload',
  'Backup file': 'Information Disclosure',
};

interface WapitiVuln {
  method?: string;
  path?: string;
  parameter?: string;
  http_request?: string;
}

function wapitiPath(): string {
  return spawnSync('sh', ['-c', 'command -v wapiti'], { encoding: 'utf8' }).stdout.trim();
}

export function hasWapiti(): boolean {
  return wapitiPath() !== '';
}

/** The Python that wapiti's own script names (another python3 on PATH may lack wapitiCore). */
function wapitiPython(): string {
  const shebang = /^#!\s*(\S+)/.exec(readFileSync(wapitiPath(), 'utf8').split('\n', 1)[0] ?? '');
  return shebang?.[1] ?? 'python3';
}

export interface WapitiRun {
  startUrl: string;
  /** Our own loopback listener, given as wapiti's external and internal endpoint. */
  endpoint: string;
  seconds: number;
  /** Further arguments (depth, exclusions). */
  extra?: string[];
}

// Debian's wapiti 3.0.4 compiles every -x pattern as `...\Z(?ms)`, which Python 3.11 rejects
// ("global flags not at the start"), so any exclusion crashes it. Its entry point is run with that
// one function replaced by the same translation, flags first.
const WAPITI_PRELUDE = [
  'import re, sys',
  'import wapitiCore.net.crawler as crawler',
  'def wildcard_translate(pattern):',
  "    return re.compile('(?ms)' + ''.join('.*' if c == '*' else re.escape(c) for c in pattern) + r'\\Z')",
  'crawler.wildcard_translate = wildcard_translate',
  'from wapitiCore.main.wapiti import wapiti_main',
  "sys.argv[0] = 'wapiti'",
  'sys.exit(wapiti_main())',
].join('\n');

export async function runWapiti(run: WapitiRun): Promise<{ hits: Hit[]; ms: number; note: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'wsc-wapiti-'));
  const config = join(dir, 'config');
  const report = join(dir, 'report.json');
  mkdirSync(config, { recursive: true });
  writeFileSync(join(config, 'apps.json'), '{}');
  const started = Date.now();
  const argv = ['-u', run.startUrl, '--scope', 'domain', '--flush-session', '--store-session', join(dir, 'session'), '--store-config', config,
    '-f', 'json', '-o', report, '--external-endpoint', run.endpoint, '--internal-endpoint', run.endpoint, '--no-bugreport',
    '--max-scan-time', String(run.seconds), '--max-attack-time', '60', '-t', '10', ...(run.extra ?? [])];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(wapitiPython(), ['-c', WAPITI_PRELUDE, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-2000);
    });
    // a hard bound above wapiti's own, should it hang
    const timer = setTimeout(() => child.kill('SIGKILL'), (run.seconds + 120) * 1000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      if (c !== 0) process.stderr.write(`wapiti exited with ${c}: ${err}\n`);
      resolve(c);
    });
  });
  const ms = Date.now() - started;
  let hits: Hit[] = [];
  let note = `exit ${code}`;
  try {
    const doc = JSON.parse(readFileSync(report, 'utf8')) as { vulnerabilities?: Record<string, WapitiVuln[]> };
    const unmapped: string[] = [];
    for (const [category, list] of Object.entries(doc.vulnerabilities ?? {})) {
      const item = WAPITI_ITEMS[category];
      if (!item) {
        if (list.length) unmapped.push(`${category} ${list.length}`);
        continue;
      }
      for (const v of list) {
        // `path` has no query; the request line does, and a page's identity may live there
        const target = /^[A-Z]+ (\S+) HTTP/.exec(v.http_request ?? '')?.[1] ?? v.path ?? '/';
        hits.push({ item, method: v.method ?? 'GET', url: new URL(target, run.startUrl).href, parameter: v.parameter ?? null });
      }
    }
    if (unmapped.length) note += `; categories without an item: ${unmapped.join(', ')}`;
  } catch (err) {
    note += `; no report: ${err instanceof Error ? err.message : String(err)}`;
    hits = [];
  }
  rmSync(dir, { recursive: true, force: true });
  return { hits, ms, note };
}
