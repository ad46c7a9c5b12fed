// `wsc scan --plan plan.yaml` and `wsc plan validate|schema`: a plan becomes the same ScanOptions
// the flags would give, one per target, so a plan scan and a flag scan are the same scan.
import type { Command } from 'commander';
import type { EngineLimits } from '../../engine/types.js';
import { formatProblem, PlanError, planPath, readPlan } from '../../plan/load.js';
import { planJsonSchema, type Plan } from '../../plan/schema.js';
import { printJson, type CliIo } from '../context.js';
import { CliExit } from '../errors.js';
import { EXIT, runScan, type ScanOptions } from './scan.js';

/** Flags that shape the scan: with --plan they belong in the plan, so a plan file says everything. */
const PLAN_OWNED: readonly (keyof ScanOptions)[] = [
  'items', 'header', 'exclude', 'speed', 'ua', 'failOn', 'maxUrls', 'maxDepth', 'timeout', 'maxDuration',
  'templates', 'include', 'includeRegex', 'excludeRegex', 'seed', 'maxRequests',
];

function targetLabel(url: string): string {
  const u = new URL(url);
  return `${u.hostname.replace(/[^A-Za-z0-9.-]/g, '_')}_${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

/** The scan options a plan stands for, one per target (paths resolved against the plan's folder). */
export function planToScanOptions(plan: Plan, file: string): ScanOptions[] {
  const limits: Partial<EngineLimits> = {};
  const l = plan.limits;
  if (l['max-requests'] !== undefined) limits.maxRequests = l['max-requests'];
  if (l['max-response-bytes'] !== undefined) limits.maxResponseBytes = l['max-response-bytes'];
  if (l['max-redirects'] !== undefined) limits.maxRedirects = l['max-redirects'];
  if (l['max-variants-per-pattern'] !== undefined) limits.maxVariantsPerPattern = l['max-variants-per-pattern'];
  const prefixes = (rules: Plan['scope']['include']): string[] => rules.flatMap((r) => ('prefix' in r ? [r.prefix] : []));
  const regexes = (rules: Plan['scope']['include']): string[] => rules.flatMap((r) => ('regex' in r ? [r.regex] : []));
  return plan.targets.map((t) => {
    const url = typeof t === 'string' ? t : t.url;
    const o: ScanOptions = {
      url,
      items: plan.items.join(','),
      header: Object.entries(plan.auth.headers).map(([k, v]) => `${k}: ${v}`),
      // exclude prefixes mean what ExcludeUrl means: they are ExcludeUrl entries, reported as such
      exclude: prefixes(plan.scope.exclude),
      excludeRegex: regexes(plan.scope.exclude),
      include: prefixes(plan.scope.include),
      includeRegex: regexes(plan.scope.include),
      seed: plan.seeds,
      speed: String(plan.speed),
      ua: plan['user-agent'],
      outputs: plan.outputs.map((x) => ({ format: x.format, file: planPath(file, x.file.replaceAll('{target}', targetLabel(url))) })),
      iOwnThisTarget: plan['i-own-this-target'],
      limits,
    };
    if (plan['fail-on'] !== undefined) o.failOn = plan['fail-on'];
    if (l['max-urls'] !== undefined) o.maxUrls = l['max-urls'];
    if (l['max-depth'] !== undefined) o.maxDepth = l['max-depth'];
    if (l.timeout !== undefined) o.timeout = l.timeout;
    if (l['max-duration'] !== undefined) o.maxDuration = l['max-duration'];
    if (plan.templates !== undefined) o.templates = planPath(file, plan.templates);
    return o;
  });
}

function isDefault(cmd: Command, key: string): boolean {
  const src = cmd.getOptionValueSource(key);
  return src === undefined || src === 'default';
}

/** Runs every target of the plan in turn; the exit code is the worst of them: error (3), then fail (1), then warning (2), as ZAP ranks FAIL over WARN. */
export async function runPlanScan(file: string, url: string | undefined, flags: Partial<ScanOptions>, cmd: Command, io: CliIo): Promise<number> {
  if (url !== undefined) {
    io.stderr.write('error: with --plan the targets come from the plan; leave the URL out\n');
    return EXIT.error;
  }
  const given = PLAN_OWNED.filter((k) => !isDefault(cmd, k));
  if (given.length > 0) {
    io.stderr.write(`error: with --plan, set ${given.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(', ')} in the plan instead\n`);
    return EXIT.error;
  }
  let plan: Plan;
  try {
    plan = readPlan(file, io.env);
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    for (const p of err.problems) io.stderr.write(`error: ${formatProblem(p)}\n`);
    return EXIT.error;
  }
  let worst = 0;
  for (const o of planToScanOptions(plan, file)) {
    if (io.signal.aborted) break;
    const extra: Partial<ScanOptions> = {};
    if (flags.jsonl) extra.jsonl = true;
    if (flags.silent) extra.silent = true;
    if (flags.stats !== undefined) extra.stats = flags.stats;
    if (flags.tty !== undefined) extra.tty = flags.tty;
    if (flags.iOwnThisTarget) extra.iOwnThisTarget = true;
    if (flags.output !== undefined) {
      extra.output = flags.output;
      if (flags.format !== undefined) extra.format = flags.format;
    }
    const run = await runScan({ ...o, ...extra }, io);
    worst = rankExit(worst, run.exitCode);
  }
  return worst;
}

function rankExit(a: number, b: number): number {
  const rank = (c: number): number => (c === EXIT.error ? 3 : c === EXIT.fail ? 2 : c === EXIT.warn ? 1 : 0);
  return rank(b) > rank(a) ? b : a;
}

export function registerPlanCommand(program: Command, io: CliIo): void {
  const plan = program.command('plan').description('scan plan files (wsc scan --plan FILE)');
  plan
    .command('validate')
    .description('check a plan against its schema; problems are printed as file:line:col and exit 1')
    .argument('<file>', 'plan file (YAML)')
    .option('--json', 'print the plan as wsc reads it (defaults filled in, ${NAME} replaced)')
    .action((file: string, opts: { json?: boolean }) => {
      try {
        const p = readPlan(file, io.env);
        if (opts.json) return printJson(io, p);
        io.stdout.write(`${file}: valid plan, ${p.targets.length} target${p.targets.length === 1 ? '' : 's'}, ${p.outputs.length} output${p.outputs.length === 1 ? '' : 's'}\n`);
      } catch (err) {
        if (!(err instanceof PlanError)) throw err;
        for (const pr of err.problems) io.stderr.write(`${formatProblem(pr)}\n`);
        throw new CliExit(1);
      }
    });
  plan
    .command('schema')
    .description("print the plan's JSON Schema (the one published as schemas/plan.schema.json)")
    .action(() => printJson(io, planJsonSchema()));
}
