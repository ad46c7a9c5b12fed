// Admin commands work on the store directly (no server needed): the same database, master key
// and migrations `wsc serve` uses for this data dir.
import { loadConfig } from '../core/config.js';
import { createSealer, loadMasterKey, type Sealer } from '../core/crypto.js';
import type { Account, Store } from '../jobs/store.js';
import type { CliIo } from './context.js';
import { UsageError } from './errors.js';

export async function withLocalStore<T>(dataDir: string, io: CliIo, fn: (store: Store, sealer: Sealer) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env, { dataDir });
  const sealer = createSealer(loadMasterKey(dataDir, io.env));
  // loaded on demand so API-only commands do not pay for the database drivers
  const { openStore } = await import('../jobs/open-store.js');
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir, sealer });
  try {
    return await fn(store, sealer);
  } finally {
    await store.close();
  }
}

const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function checkAccountName(name: string): string {
  if (!ACCOUNT_NAME.test(name)) {
    throw new UsageError(`account name "${name}" must be 1-64 characters of letters, digits, ".", "_", "@" or "-"`);
  }
  return name;
}

export async function requireAccount(store: Store, name: string): Promise<Account> {
  const account = await store.getAccountByName(checkAccountName(name));
  if (!account) throw new Error(`account "${name}" does not exist (create it with: wsc keys create --account ${name})`);
  return account;
}
