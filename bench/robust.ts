// `npm run bench:robust`: runs the hostile suites (hostile targets, API fuzzing, stop/cancel races,
// kill -9 restarts, attacks on the service: ownership, verification as a port scanner, replays,
// unknown-key floods, leaked secrets) through the project's test runner and prints one table: cases tried and
// passed, peak RSS, the slowest job end and the slowest stop, crashes, 5xx answers and lost jobs.
// (A record with `ms` is a hostile job and needs `ended`.) The suites append their measurements to a JSON-lines file named by WSC_ROBUST_OUT.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wsc-robust-'));
const out = join(dir, 'robust.jsonl');
const suites = ['test/hostile', 'test/api/fuzz', 'test/api/races', 'test/jobs/crash-restart', 'test/api/security', 'test/api/redaction'];

const started = Date.now();
let text = '';
const code = await new Promise<number | null>((resolve) => {
  const child = spawn(process.execPath, ['scripts/run-tests.mjs', ...suites], {
    cwd: root,
    env: { ...process.env, WSC_ROBUST_OUT: out },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const take = (d: Buffer): void => {
    const s = d.toString();
    text += s;
    // test names as they pass or fail, so a long run shows progress
    for (const line of s.split('\n')) if (/^[✔✖]/.test(line)) process.stdout.write(line.slice(0, 140) + '\n');
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  child.on('close', resolve);
});
const wallS = (Date.now() - started) / 1000;

const num = (re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);
const tests = num(/ℹ tests (\d+)/);
const pass = num(/ℹ pass (\d+)/);
const fail = num(/ℹ fail (\d+)/);
const cancelled = num(/ℹ cancelled (\d+)/);

interface Rec {
  case: string;
  [k: string]: unknown;
}
let recs: Rec[] = [];
try {
  recs = readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Rec);
} catch (err) {
  process.stderr.write(`no measurements were recorded: ${err instanceof Error ? err.message : String(err)}\n`);
}
rmSync(dir, { recursive: true, force: true });

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const hostile = recs.filter((r) => typeof r.ms === 'number');
const slowest = hostile.reduce<Rec | null>((a, r) => (a === null || n(r.ms) > n(a.ms) ? r : a), null);
const stops = hostile.filter((r) => r.case.startsWith('stop:'));
const slowestStop = stops.reduce((m, r) => Math.max(m, n(r.ms)), 0);
const peakRss = recs.reduce((m, r) => Math.max(m, n(r.rssMb)), 0);
const peakDelta = recs.reduce((m, r) => Math.max(m, n(r.peakRssMb)), 0);
// A crash: a job that ended in anything but completion, a CrawlError (the target failed) or an
// abort (a stop); or a test process that died instead of reporting (cancelled tests).
const crashes = hostile.filter((r) => !['completed', 'CrawlError', 'AbortError'].includes(String(r.ended))).length + cancelled;
const fivexx = recs.reduce((m, r) => m + n(r.fivexx), 0);
const lost = recs.reduce((m, r) => m + n(r.lost), 0);
const fuzz = recs.find((r) => r.case === 'fuzz');
const races = recs.find((r) => r.case === 'races');
const crash = recs.find((r) => r.case === 'crash-restart');
const security = recs.find((r) => r.case === 'security');

const rows: [string, string, string][] = [
  ['test cases tried', String(tests), ''],
  ['test cases passed', String(pass), fail === 0 ? 'ok' : `${fail} FAILED`],
  ['hostile target jobs', String(hostile.length), ''],
  ['fuzzed API requests', String(n(fuzz?.cases)), fuzz ? `seed ${String(fuzz.seed)}` : 'not run'],
  ['race operations', String(n(races?.ops)), races ? `${n(races.jobs)} jobs` : 'not run'],
  ['kill -9 rounds', String(n(crash?.rounds)), crash ? `slowest restart ${n(crash.slowestRestartMs)} ms` : 'not run'],
  [
    'unknown-key flood requests',
    String(n(security?.cases)),
    security ? `${n(security.lookups)} lookups for ${n(security.distinctKeys)} keys, ${n(security.limited)} refused before auth, ${n(security.floodMs)} ms` : 'not run',
  ],
  ['peak RSS (MB)', String(peakRss), `largest rise in one job +${peakDelta} MB`],
  ['slowest job end (ms)', String(n(slowest?.ms)), slowest ? slowest.case : ''],
  ['slowest stop (ms)', String(slowestStop), 'goal < 2000'],
  ['crashes', String(crashes), crashes === 0 ? 'ok (goal 0)' : 'goal 0'],
  ['5xx answers', String(fivexx), fivexx === 0 ? 'ok (goal 0)' : 'goal 0'],
  ['lost jobs', String(lost), lost === 0 ? 'ok (goal 0)' : 'goal 0'],
  ['wall time (s)', wallS.toFixed(1), ''],
];
const w0 = Math.max(...rows.map((r) => r[0].length));
const w1 = Math.max(...rows.map((r) => r[1].length));
process.stdout.write('\nbench:robust\n');
for (const [a, b, c] of rows) process.stdout.write(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}\n`);
// Per hostile target of test/hostile/health.test.ts: the verdict and how long after the target's
// first failure the job had reached it (for "down": paused, probed, ended).
const verdicts = recs.filter((r) => r.case.startsWith('verdict:'));
if (verdicts.length > 0) {
  process.stdout.write('\nscan health verdicts (hostile targets)\n');
  const vw = Math.max(...verdicts.map((r) => r.case.length - 8));
  for (const r of verdicts) {
    process.stdout.write(
      `  ${r.case.slice(8).padEnd(vw)}  ${String(r.verdict).padEnd(8)}  ${r.verdictMs === null ? 'n/a' : `${n(r.verdictMs)} ms`} after its first failure (job ${n(r.jobMs)} ms, ${n(r.findings)} findings kept, ${n(r.pauses)} pause(s), ${n(r.probes)} probe(s))\n`,
    );
  }
}
if (fail > 0 || code !== 0) {
  process.stdout.write('\nfailures:\n' + text.slice(text.indexOf('✖ failing tests')).slice(0, 4000) + '\n');
  process.exitCode = 1;
}
if (crashes > 0 || fivexx > 0 || lost > 0) process.exitCode = 1;
