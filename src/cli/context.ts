// What every command gets: where to write, the environment, a stop signal, and helpers to
// build an API client or parse common flag values.
import { InvalidArgumentError, type Command } from 'commander';
import { WscClient } from '../sdk/client.js';
import { UsageError } from './errors.js';
import { resolveCredentials, resolveDataDir, type CredentialFlags } from './credentials.js';

export interface CliOutput {
  write(chunk: string | Uint8Array): unknown;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  env: NodeJS.ProcessEnv;
  /** Aborted when the user asks the process to stop (SIGINT/SIGTERM); long-running commands watch it. */
  signal: AbortSignal;
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** --endpoint/--access-key/--secret-key/--data on a command that talks to the API. */
export function addClientOptions(cmd: Command): Command {
  return cmd
    .option('--endpoint <url>', 'API base URL (env WSC_ENDPOINT; default from <data>/credentials, else http://127.0.0.1:8080)')
    .option('--access-key <key>', 'API access key (env WSC_ACCESS_KEY or NCLOUD_ACCESS_KEY)')
    .option('--secret-key <key>', 'API secret key (env WSC_SECRET_KEY or NCLOUD_SECRET_KEY)')
    .option('--data <dir>', 'data directory holding the credentials file (env WSC_DATA_DIR, default ~/.wsc)');
}

/** --data on an admin command that opens the local store. */
export function addDataOption(cmd: Command): Command {
  return cmd.option('--data <dir>', 'data directory (env WSC_DATA_DIR, default ~/.wsc)');
}

export function dataDirOf(cmd: Command, io: CliIo): string {
  return resolveDataDir(cmd.opts<{ data?: string }>().data, io.env);
}

/** Runs `fn` with a client built from the command's flags, the environment or the credentials file. */
export async function withClient<T>(cmd: Command, io: CliIo, fn: (client: WscClient) => Promise<T>): Promise<T> {
  const creds = resolveCredentials(cmd.opts<CredentialFlags>(), io.env);
  let client: WscClient;
  try {
    client = new WscClient({ endpoint: creds.endpoint, accessKey: creds.accessKey, secretKey: creds.secretKey, signal: io.signal });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('must be a positive integer');
  }
  return n;
}

export function parseSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number of seconds >= 0');
  return n;
}

export function parseInstanceNo(value: string): string {
  const s = value.trim();
  if (!/^\d+$/.test(s)) throw new InvalidArgumentError('must be a job instance number (digits)');
  return s;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
