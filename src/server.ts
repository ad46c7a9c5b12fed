// `wsc serve`: store + runner + API + console in one process. On first start with an empty store
// it creates an admin account owning localhost and 127.0.0.0/8, prints its key once and writes it to
// <data>/credentials (0600), which the CLI reads by default.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from './api/app.js';
import { loadConfig, type Config } from './core/config.js';
import { createSealer, loadMasterKey, type Sealer } from './core/crypto.js';
import { createLogger, type Logger } from './core/log.js';
import { systemClock, type Clock } from './core/time.js';
import { runEngine } from './engine/engine.js';
import { OastServer } from './engine/oast.js';
import { issueKey } from './jobs/keys.js';
import { openStore } from './jobs/open-store.js';
import { Runner, type EngineFn } from './jobs/runner.js';
import type { Store } from './jobs/store.js';

export interface ServerOptions {
  host?: string;
  port?: number;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  config?: Partial<Config>;
  clock?: Clock;
  logger?: Logger;
  engine?: EngineFn;
  /** Print the startup banner (and the first key) to stdout. Default true. */
  banner?: boolean;
}

export interface Credentials {
  endpoint: string;
  accessKey: string;
  secretKey: string;
}

export interface RunningServer {
  url: string;
  config: Config;
  store: Store;
  runner: Runner;
  sealer: Sealer;
  /** Set only on the first start, when the admin key was created. */
  adminCredentials?: Credentials;
  close(): Promise<void>;
}

export const CREDENTIALS_FILE = 'credentials';
export const ADMIN_ACCOUNT = 'admin';

async function bootstrap(store: Store, sealer: Sealer): Promise<{ accessKey: string; secretKey: string } | null> {
  if ((await store.listAccounts()).length > 0) return null;
  const admin = await store.createAccount(ADMIN_ACCOUNT);
  await store.addAsset(admin.id, 'host', 'localhost', 'admin');
  await store.addAsset(admin.id, 'cidr', '127.0.0.0/8', 'admin');
  await store.addAsset(admin.id, 'cidr', '::1/128', 'admin');
  return issueKey(store, sealer, admin.id);
}

export function writeCredentials(dataDir: string, creds: Credentials): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, CREDENTIALS_FILE);
  writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  // mode applies only when the file is created; an older file keeps its mode otherwise.
  chmodSync(file, 0o600);
  return file;
}

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const env = opts.env ?? process.env;
  const config = loadConfig(env, {
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...opts.config,
  });
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  mkdirSync(config.dataDir, { recursive: true });
  const sealer = createSealer(loadMasterKey(config.dataDir, env));
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, sealer });
  const firstKey = await bootstrap(store, sealer);

  let oast: OastServer;
  try {
    oast = await OastServer.start({ host: config.oastListen.host, port: config.oastListen.port, publicUrl: config.oastUrl });
  } catch (err) {
    await store.close();
    throw err;
  }
  const runner = new Runner({
    store,
    engine: opts.engine ?? ((job, hooks, signal, deps) => runEngine(job, hooks, signal, { ...deps, oast })),
    clock,
    log: logger.child({ part: 'runner' }),
    maxConcurrent: config.maxConcurrentJobs,
    soleRunner: store.dialect === 'sqlite',
  });
  const app = await buildApp({ store, sealer, config, clock, runner, logger: logger.child({ part: 'api' }) });
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await oast.close();
    await store.close();
    throw err;
  }
  const url = address.replace('://[::1]', '://localhost');
  await runner.start();

  let adminCredentials: Credentials | undefined;
  if (firstKey) {
    adminCredentials = { endpoint: url, ...firstKey };
    writeCredentials(config.dataDir, adminCredentials);
  }
  if (opts.banner !== false) {
    const lines = [
      `wsc listening on ${url}`,
      `  console   ${url}/`,
      `  API       ${url}/api/v1  (OpenAPI: ${url}/api/v1/openapi.json)`,
      `  OAST      ${oast.baseUrl}  (out-of-band callbacks; set WSC_OAST_URL/WSC_OAST_LISTEN for remote targets)`,
      `  store     ${store.dialect === 'sqlite' ? join(config.dataDir, 'wsc.db') : 'PostgreSQL (WSC_DATABASE_URL)'}`,
    ];
    if (adminCredentials) {
      lines.push(
        '',
        'First start: created account "admin" owning localhost, 127.0.0.0/8 and ::1.',
        `  access key  ${adminCredentials.accessKey}`,
        `  secret key  ${adminCredentials.secretKey}`,
        `  (shown once; saved to ${join(config.dataDir, CREDENTIALS_FILE)}, mode 0600, which the wsc CLI reads)`,
      );
    } else {
      lines.push(`  API key   see ${join(config.dataDir, CREDENTIALS_FILE)} (or: wsc keys create --account NAME)`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  }

  let closing: Promise<void> | null = null;
  return {
    url,
    config,
    store,
    runner,
    sealer,
    ...(adminCredentials ? { adminCredentials } : {}),
    close() {
      closing ??= (async () => {
        await app.close();
        await runner.close();
        await oast.close();
        await store.close();
      })();
      return closing;
    },
  };
}
