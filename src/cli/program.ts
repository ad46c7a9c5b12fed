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

/**
 * What each createJob/getJobs/searchJobs field accepts, told after the API's bare "Param Value Not
 * Define - <Field>" (NCP's message, which the server keeps byte for byte).
 */
const FIELD_RULES: Readonly<Record<string, string>> = {
  StartUrl: 'an absolute http(s) URL of at most 2,048 characters, on a host the account owns',
  ExcludeUrl: 'at most 500 URL prefixes of at most 2,048 characters each',
  Headers: 'at most 100 headers, single-line values of at most 8,192 characters, no framing headers (Host, Content-Length...)',
  VulnItems: '["ALL"] alone, or VulnItems words',
  UserAgent: 'PC Chrome, PC IE, iPhone or Android',
  Speed: '"1", "2" or "3"',
  Memo: 'a text of at most 1,000 characters',
  MasterInstanceNo: 'the instance number of a completed job of the account',
  Limits: 'engine limits within their ranges (README: Engine limits)',
  limit: 'an integer from 1 to 1000',
  page: 'an integer from 1',
  searchType: 'url, memo or "" (both)',
  searchKeyword: 'a text of at most 2,048 characters',
  statusCode: 'null or a status code (2 3 4 5 12 13 14 15 91 92 93)',
  format: 'json, sarif, html or pdf',
};

function describe(err: unknown): string {
  if (err instanceof WscApiError) {
    const field = err.errorCode === 160433 ? / - (\w+)$/.exec(err.message)?.[1] : undefined;
    const rule = field !== undefined ? FIELD_RULES[field] : undefined;
    if (rule !== undefined) return `${err.message} (errorCode ${err.errorCode}): ${field} must be ${rule}`;
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
