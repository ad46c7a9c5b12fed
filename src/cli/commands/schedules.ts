// `wsc schedules ...`: recurring scans through the signed API (PUT/GET/PATCH/DELETE /api/v1/schedules).
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Schedule, ScheduleRequest } from '../../sdk/client.js';
import { addClientOptions, parsePositiveInt, printJson, withClient, type CliIo } from '../context.js';
import { renderTable } from '../table.js';
import { addJobOptions, jobRequestFromOptions, type CreateOpts } from './jobs.js';

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function parseId(value: string): string {
  if (!/^\d{1,15}$/.test(value.trim())) throw new InvalidArgumentError('must be a schedule id (digits)');
  return value.trim();
}

function parseWeekday(value: string): number {
  const n = Number(value);
  if (!/^[0-6]$/.test(value.trim())) throw new InvalidArgumentError('must be 0-6 (0 = Sunday)');
  return n;
}

function parseMonthDay(value: string): number {
  const n = Number(value);
  if (!/^\d{1,2}$/.test(value.trim()) || n < 1 || n > 28) throw new InvalidArgumentError('must be 1-28');
  return n;
}

function when(s: Schedule): string {
  return s.every === null ? s.cron : `${s.every} ${s.at ?? ''}${s.weekday !== null ? ` weekday ${s.weekday}` : ''}${s.month_day !== null ? ` day ${s.month_day}` : ''}`;
}

function printSchedule(io: CliIo, s: Schedule): void {
  io.stdout.write(
    [
      `schedule    ${s.schedule_id} ${s.name}`,
      `when        ${when(s)} (cron "${s.cron}", ${s.timezone})`,
      `state       ${s.enabled ? 'enabled' : 'paused'}, runs ${s.run_count}${s.max_runs !== null ? ` of ${s.max_runs}` : ''}${s.skip_if_running ? ', skips a run while the previous one runs' : ''}`,
      `next run    ${iso(s.next_run_at)}`,
      `last run    ${iso(s.last_run_at)}${s.last_instance_id ? ` (job ${s.last_instance_id})` : ''}`,
      `target      ${String(s.job.StartUrl)}`,
    ].join('\n') + '\n',
  );
}

interface CreateScheduleOpts extends CreateOpts {
  name: string;
  cron?: string;
  every?: 'daily' | 'weekly' | 'monthly';
  time?: string;
  weekday?: number;
  monthDay?: number;
  tz?: string;
  maxRuns?: number;
  runOverlap?: boolean;
  paused?: boolean;
  json?: boolean;
}

export function registerSchedulesCommand(program: Command, io: CliIo): void {
  const schedules = program.command('schedules').description('recurring scans: create, list, show, pause, resume, delete (API client)');

  addClientOptions(
    schedules
      .command('list')
      .description('list the account\'s schedules (GET /api/v1/schedules)')
      .option('--json', 'print the raw response envelope'),
  ).action(async (opts: { json?: boolean }, cmd: Command) => {
    await withClient(cmd, io, async (client) => {
      const env = await client.listSchedules();
      if (opts.json) return printJson(io, env);
      const rows = env.resources.schedules;
      if (rows.length === 0) return void io.stdout.write('no schedules\n');
      io.stdout.write(
        renderTable(
          ['ID', 'NAME', 'WHEN', 'ZONE', 'STATE', 'RUNS', 'NEXT RUN', 'TARGET'],
          rows.map((s) => [s.schedule_id, s.name, when(s), s.timezone, s.enabled ? 'enabled' : 'paused', s.max_runs !== null ? `${s.run_count}/${s.max_runs}` : s.run_count, iso(s.next_run_at), String(s.job.StartUrl)]),
        ),
      );
    });
  });

  addClientOptions(
    addJobOptions(schedules.command('create').description('create a recurring scan (PUT /api/v1/schedules); the job options are createJob\'s'))
      .requiredOption('--name <name>', 'Name (1-100 characters)')
      .option('--cron <expr>', 'Cron: 5 fields "m h dom mon dow", e.g. "0 3 * * 1-5"')
      .addOption(new Option('--every <period>', 'Every: instead of --cron').choices(['daily', 'weekly', 'monthly']))
      .option('--time <HH:MM>', 'At: time of day with --every (default 00:00)')
      .option('--weekday <0-6>', 'Weekday with --every weekly (0 = Sunday)', parseWeekday)
      .option('--month-day <1-28>', 'MonthDay with --every monthly', parseMonthDay)
      .option('--tz <zone>', 'TimeZone: IANA zone (default UTC)')
      .option('--max-runs <n>', 'MaxRuns: stop after this many runs', parsePositiveInt)
      .option('--run-overlap', 'SkipIfRunning false: start a run even while the previous one still runs')
      .option('--paused', 'create it paused (Enabled false)')
      .option('--json', 'print the raw response envelope'),
  ).action(async (opts: CreateScheduleOpts, cmd: Command) => {
    const req: ScheduleRequest = { Name: opts.name, Job: jobRequestFromOptions(opts, io) };
    if (opts.cron !== undefined) req.Cron = opts.cron;
    if (opts.every !== undefined) req.Every = opts.every;
    if (opts.time !== undefined) req.At = opts.time;
    if (opts.weekday !== undefined) req.Weekday = opts.weekday;
    if (opts.monthDay !== undefined) req.MonthDay = opts.monthDay;
    if (opts.tz !== undefined) req.TimeZone = opts.tz;
    if (opts.maxRuns !== undefined) req.MaxRuns = opts.maxRuns;
    if (opts.runOverlap) req.SkipIfRunning = false;
    if (opts.paused) req.Enabled = false;
    await withClient(cmd, io, async (client) => {
      const env = await client.createSchedule(req);
      if (opts.json) return printJson(io, env);
      printSchedule(io, env.resources.schedule);
    });
  });

  addClientOptions(
    schedules
      .command('show')
      .description('a schedule and its last runs (GET /api/v1/schedules/{id})')
      .argument('<id>', 'schedule id', parseId)
      .option('--json', 'print the raw response envelope'),
  ).action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
    await withClient(cmd, io, async (client) => {
      const env = await client.getSchedule(id);
      if (opts.json) return printJson(io, env);
      printSchedule(io, env.resources.schedule);
      const runs = env.resources.runs;
      if (runs.length === 0) return void io.stdout.write('no runs yet\n');
      io.stdout.write('\n' + renderTable(['AT', 'OUTCOME', 'JOB', 'STATUS', 'NOTE'], runs.map((r) => [iso(r.at), r.outcome, r.instance_id ?? '-', r.status ?? '-', r.error ?? ''])));
    });
  });

  for (const [name, enabled, what] of [
    ['pause', false, 'stop creating runs until resumed'],
    ['resume', true, 'create runs again, from the next time on (missed ones are not made up)'],
  ] as const) {
    addClientOptions(
      schedules
        .command(name)
        .description(`${what} (PATCH /api/v1/schedules/{id})`)
        .argument('<id>', 'schedule id', parseId)
        .option('--json', 'print the raw response envelope'),
    ).action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      await withClient(cmd, io, async (client) => {
        const env = await client.updateSchedule(id, { Enabled: enabled });
        if (opts.json) return printJson(io, env);
        const s = env.resources.schedule;
        io.stdout.write(`schedule ${s.schedule_id} ${s.enabled ? `resumed; next run ${iso(s.next_run_at)}` : 'paused'}\n`);
      });
    });
  }

  addClientOptions(
    schedules
      .command('delete')
      .description('delete a schedule; the jobs it created stay (DELETE /api/v1/schedules/{id})')
      .argument('<id>', 'schedule id', parseId),
  ).action(async (id: string, _opts: unknown, cmd: Command) => {
    await withClient(cmd, io, async (client) => {
      await client.deleteSchedule(id);
      io.stdout.write(`schedule ${id} deleted\n`);
    });
  });
}
