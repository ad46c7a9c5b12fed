// The `wsc` command tree and its error handling, separate from main.ts so tests can run
// commands in-process with their own output streams.
import { Command, CommanderError } from 'commander';
import { WscApiError, WscConnectionError } from '../sdk/errors.js';
import type { CliIo } from './context.js';
import { CliExit, UsageError } from './errors.js';

export type Registrar = (program: Command, io: CliIo) => void;

const VERSION = '0.1.0';

export function createProgram(io: CliIo): Command {
  const program = new Command('wsc');
  program
    .description('Web Security Checker: a self-hosted DAST service with an NCP-compatible API')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .exitOverride();
  return program;
}

function describe(err: unknown): string {
  if (err instanceof WscApiError) {
    const code = err.errorCode === null ? '' : ` (errorCode ${err.errorCode})`;
    const details = err.details === undefined || err.details === null ? '' : `\n  details: ${typeof err.details === 'string' ? err.details : JSON.stringify(err.details)}`;
    return `${err.message}${code}${details}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Parses and runs `argv` (user arguments only, no node/script), returning the exit code. */
export async function runCli(program: Command, argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CliExit) return err.exitCode;
    // interrupted by the user: whatever failed after that is a consequence, not news
    if (io.signal.aborted) return 130;
    if (err instanceof CommanderError) {
      // commander has already printed the message (or the help/version it was asked for)
      return err.exitCode === 0 ? 0 : 2;
    }
    io.stderr.write(`error: ${describe(err)}\n`);
    if (err instanceof UsageError) return 2;
    if (err instanceof WscApiError || err instanceof WscConnectionError) return 1;
    if (!(err instanceof Error)) return 1;
    if (io.env.WSC_DEBUG && err.stack) io.stderr.write(err.stack + '\n');
    return 1;
  }
}

export async function runWith(registrars: readonly Registrar[], argv: readonly string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  for (const register of registrars) register(program, io);
  return runCli(program, argv, io);
}
