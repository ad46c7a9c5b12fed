// Where the CLI finds its data dir and API credentials. Precedence, per setting: flag, then
// environment, then <data>/credentials (written by `wsc serve` on first start).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDataDir } from '../core/config.js';
import { UsageError } from './errors.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8080';

export interface StoredCredentials {
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

export interface CredentialFlags {
  endpoint?: string;
  accessKey?: string;
  secretKey?: string;
  data?: string;
}

export interface ResolvedCredentials extends StoredCredentials {
  /** Where the key pair came from, for messages. */
  source: 'flags' | 'env' | 'file';
  dataDir: string;
}

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ? resolve(flag) : defaultDataDir(env);
}

export function credentialsPath(dataDir: string): string {
  return join(dataDir, 'credentials');
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

/** The credentials file, or null when there is none. A malformed file is an error, not a silent miss. */
export function readCredentialsFile(dataDir: string): Partial<StoredCredentials> | null {
  const file = credentialsPath(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${file} must hold a JSON object`);
  const o = parsed as Record<string, unknown>;
  const out: Partial<StoredCredentials> = {};
  if (nonEmpty(o.endpoint)) out.endpoint = o.endpoint;
  if (nonEmpty(o.accessKey)) out.accessKey = o.accessKey;
  if (nonEmpty(o.secretKey)) out.secretKey = o.secretKey;
  return out;
}

function pairFrom(
  source: ResolvedCredentials['source'],
  label: string,
  accessKey: string | undefined,
  secretKey: string | undefined,
): { accessKey: string; secretKey: string; source: ResolvedCredentials['source'] } | null {
  const a = nonEmpty(accessKey);
  const s = nonEmpty(secretKey);
  if (a && s) return { accessKey: accessKey.trim(), secretKey: secretKey.trim(), source };
  if (a || s) throw new UsageError(`${label}: set both the access key and the secret key`);
  return null;
}

/** Key pairs are taken whole from one place, so a flag never pairs with a secret from elsewhere. */
export function resolveCredentials(flags: CredentialFlags, env: NodeJS.ProcessEnv = process.env): ResolvedCredentials {
  const dataDir = resolveDataDir(flags.data, env);
  const file = readCredentialsFile(dataDir);
  const pair =
    pairFrom('flags', '--access-key/--secret-key', flags.accessKey, flags.secretKey) ??
    pairFrom('env', 'WSC_ACCESS_KEY/WSC_SECRET_KEY', env.WSC_ACCESS_KEY, env.WSC_SECRET_KEY) ??
    pairFrom('env', 'NCLOUD_ACCESS_KEY/NCLOUD_SECRET_KEY', env.NCLOUD_ACCESS_KEY, env.NCLOUD_SECRET_KEY) ??
    (file ? pairFrom('file', credentialsPath(dataDir), file.accessKey, file.secretKey) : null);
  if (!pair) {
    throw new UsageError(
      `no API credentials: pass --access-key and --secret-key, set WSC_ACCESS_KEY and WSC_SECRET_KEY, ` +
        `or start \`wsc serve\` once to create ${credentialsPath(dataDir)}`,
    );
  }
  const endpoint = [flags.endpoint, env.WSC_ENDPOINT, file?.endpoint].find(nonEmpty) ?? DEFAULT_ENDPOINT;
  return { endpoint: endpoint.trim(), ...pair, dataDir };
}
