// `wsc worker` runs jobs from the farm's queue (no HTTP API; /metrics on WSC_METRICS_LISTEN) and
// `wsc workers` lists the farm's live processes. Both need WSC_DATABASE_URL (PostgreSQL).
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { addDataOption, dataDirOf, parsePositiveInt, printJson, type CliIo } from '../context.js';
import { UsageError } from '../errors.js';
import { renderTable } from '../table.js';

function requireDatabase(io: CliIo, role: string): string {
  const url = loadConfig(io.env).databaseUrl;
  if (!url) {
    throw new UsageError(
      `${role} needs PostgreSQL: set WSC_DATABASE_URL=postgres://... (the embedded SQLite store is single-process; "wsc serve" runs API and jobs in one process)`,
    );
  }
  return url;
}

function ago(ms: number): string {
  if (ms < 1000) return 'now';
  if (ms < 120_000) return `${Math.round(ms / 1000)}s ago`;
  return `${Math.round(ms / 60_000)}m ago`;
}

export function registerWorkerCommands(program: Command, io: CliIo): void {
  addDataOption(
    program
      .command('worker')
      .description('run jobs from the farm queue on PostgreSQL (no HTTP API); SIGTERM drains')
      .option('--concurrency <n>', 'jobs run at once (env WSC_MAX_CONCURRENT_JOBS, default 2)', parsePositiveInt),
  ).action(async (opts: { concurrency?: number }, cmd: Command) => {
    requireDatabase(io, 'wsc worker');
    const { startWorker } = await import('../../farm/worker.js');
    const worker = await startWorker({ dataDir: dataDirOf(cmd, io), env: io.env, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) });
    io.stdout.write(`wsc worker ${worker.id} running${worker.metricsUrl ? `\n  metrics   ${worker.metricsUrl}` : ''}\n`);
    if (!io.signal.aborted) {
      await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    io.stderr.write('wsc worker: draining (running jobs finish or are handed to other workers)\n');
    await worker.drain();
    io.stderr.write('wsc worker: stopped\n');
  });

  addDataOption(
    program
      .command('workers')
      .description("list the farm's live workers and API nodes (host, jobs, heartbeat, version)")
      .option('--json', 'print as JSON')
      .option('--all', 'include processes silent for more than WSC_WORKER_STALE_MS'),
  ).action(async (opts: { json?: boolean; all?: boolean }, cmd: Command) => {
    const databaseUrl = requireDatabase(io, 'wsc workers');
    const { listLiveWorkers } = await import('../../farm/list.js');
    const rows = await listLiveWorkers({ databaseUrl, dataDir: dataDirOf(cmd, io), env: io.env, all: opts.all === true });
    if (opts.json) return printJson(io, rows);
    if (rows.length === 0) return void io.stdout.write('no live workers\n');
    const now = Date.now();
    io.stdout.write(
      renderTable(
        ['ID', 'ROLE', 'HOST', 'PID', 'JOBS', 'HEARTBEAT', 'VERSION', 'STATE'],
        rows.map((w) => [
          w.id,
          w.role,
          w.host,
          String(w.pid),
          w.jobs.length === 0 ? '-' : w.jobs.join(','),
          ago(now - w.heartbeatAt),
          w.version,
          w.draining ? 'draining' : now - w.heartbeatAt > w.staleMs ? 'silent' : 'live',
        ]),
      ),
    );
  });
}
