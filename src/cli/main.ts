#!/usr/bin/env node
// The `wsc` executable: wires the commands to the real process (argv, stdio, env, signals).
import { registerScanCommand } from './commands/scan.js';
import { registerAssetsCommand } from './commands/assets.js';
import { registerJobsCommand } from './commands/jobs.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerSchedulesCommand } from './commands/schedules.js';
import { registerServeCommand } from './commands/serve.js';
import { registerChecksCommand } from './commands/checks.js';
import { registerTemplatesCommand } from './commands/templates.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerWorkerCommands } from './commands/worker.js';
import type { CliIo } from './context.js';
import { runWith } from './program.js';

const stop = new AbortController();
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    // first signal: graceful stop; a second one means the user is done waiting
    if (++signals > 1) process.exit(130);
    stop.abort();
  });
}

for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    // the reader went away (e.g. `wsc jobs list | head`): nothing more can be said
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: stop.signal };

const code = await runWith(
  [
    registerServeCommand,
    registerScanCommand,
    registerJobsCommand,
    registerKeysCommand,
    registerSchedulesCommand,
    registerAssetsCommand,
    registerChecksCommand,
    registerTemplatesCommand,
    registerPlanCommand,
    registerWorkerCommands,
  ],
  process.argv.slice(2),
  io,
);
process.exitCode = code;
// Normally the loop is empty by now; a handle someone forgot must not keep a finished command alive.
setTimeout(() => process.exit(code), 2000).unref();
