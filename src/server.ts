// `wsc serve`: store + runner + API + console in one process. On first start with an empty store
// it creates an admin account owning localhost and 127.0.0.0/8 and writes its key to
// <data>/credentials (0600), which the CLI reads by default. The secret is never printed: stdout
// (often a terminal log, a journal or a CI transcript) says only where it is.
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from './api/app.js';
import { ApiError } from './api/errors.js';
import { admitJob } from './api/routes/jobs.js';
import { scheduleJobSchema } from './api/schemas.js';
import { Notifier, notifyLimits } from './jobs/notify.js';
import { Scheduler } from './jobs/scheduler.js';
import { loadConfig, type Config } from './core/config.js';
import { createSealer, loadMasterKey, type Sealer } from './core/crypto.js';
import { createLogger, type Logger } from './core/log.js';
import { systemClock, type Clock } from './core/time.js';
import { runEngine } from './engine/engine.js';
import { OastServer } from './engine/oast.js';
import { issueKey } from './jobs/keys.js';
import { openStore } from './jobs/open-store.js';
import { Runner, type EngineFn } from './jobs/runner.js';
import type { KyselyStore } from './jobs/store-kysely.js';
import { loadFarmConfig } from './farm/config.js';
import type { FarmDispatcher } from './farm/dispatcher.js';
import { mountMetrics } from './farm/metrics-route.js';
import { Metrics } from './farm/metrics.js';
import type { ScanQueue } from './farm/queue.js';
import type { Store } from './jobs/store.js';
import type { TxtResolver } from './jobs/verify-asset.js';

export interface ServerOptions {
  host?: string;
  port?: number;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  config?: Partial<Config>;
  clock?: Clock;
  logger?: Logger;
  engine?: EngineFn;
  /** Print the startup banner to stdout. Default true. */
  banner?: boolean;
  /** TXT lookups for DNS ownership proofs (tests answer from a loopback DNS server). */
  txtResolver?: TxtResolver;
  /**
   * False (`wsc serve --no-runner`): API and console only; jobs are queued for `wsc worker`
   * processes on the same PostgreSQL. Refused on the embedded SQLite store. Default true.
   */
  runner?: boolean;
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
  /** The job runner; null on an API node (`--no-runner`), whose jobs run on workers. */
  runner: Runner | null;
  sealer: Sealer;
  /** Set only on the first start, when the admin key was created. */
  adminCredentials?: Credentials;
  close(): Promise<void>;
}

export const CREDENTIALS_FILE = 'credentials';
export const ADMIN_ACCOUNT = 'admin';

async function bootstrap(store: Store, sealer: Sealer): Promise<{ accessKey: string; secretKey: string } | null> {
  if ((await store.listAccounts()).length > 0) return null;
  const admin = await store.createAccount(ADMIN_ACCOUNT, { admin: true });
  await store.addAsset(admin.id, 'host', 'localhost', 'admin');
  await store.addAsset(admin.id, 'cidr', '127.0.0.0/8', 'admin');
  await store.addAsset(admin.id, 'cidr', '::1/128', 'admin');
  return issueKey(store, sealer, admin.id);
}

/**
 * Creates the data dir owner-only (0700), or narrows an existing one that is already wsc's (it
 * holds the master key, the database and the credentials). A directory with other content, say a
 * WSC_DATA_DIR pointed at a shared folder, is left as it is: changing it could lock others out.
 */
export function prepareDataDir(dataDir: string): void {
  const existed = existsSync(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const ours = new Set(['master.key', 'wsc.db', 'wsc.db-wal', 'wsc.db-shm', CREDENTIALS_FILE]);
  if (!existed || readdirSync(dataDir).every((name) => ours.has(name))) chmodSync(dataDir, 0o700);
}

export function writeCredentials(dataDir: string, creds: Credentials): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
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
  prepareDataDir(config.dataDir);
  const withRunner = opts.runner !== false;
  if (!withRunner && !config.databaseUrl) {
    throw new Error(
      'wsc serve --no-runner needs PostgreSQL: set WSC_DATABASE_URL=postgres://... (the embedded SQLite store is single-process; run "wsc serve" for API and runner in one process)',
    );
  }
  const farm = loadFarmConfig(env);
  const sealer = createSealer(loadMasterKey(config.dataDir, env));
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sealer,
    ...(config.databaseUrl && farm.dbSchema ? { pgSchema: farm.dbSchema } : {}),
  });
  const cleanup: (() => Promise<void>)[] = [() => store.close()];
  const unwind = async (): Promise<void> => {
    for (const f of cleanup.splice(0).reverse()) await f().catch((err: unknown) => logger.warn({ err }, 'shutdown step failed'));
  };
  let oast: OastServer | null = null;
  let runner: Runner | null = null;
  let dispatcher: FarmDispatcher | null = null;
  let queue: ScanQueue | null = null;
  let firstKey: Awaited<ReturnType<typeof bootstrap>>;
  try {
    firstKey = await bootstrap(store, sealer);
    if (withRunner) {
      const shared = await OastServer.start({ host: config.oastListen.host, port: config.oastListen.port, publicUrl: config.oastUrl });
      oast = shared;
      cleanup.push(() => shared.close());
      runner = new Runner({
        store,
        engine: opts.engine ?? ((job, hooks, signal, deps) => runEngine(job, hooks, signal, { ...deps, oast: shared })),
        clock,
        log: logger.child({ part: 'runner' }),
        maxConcurrent: config.maxConcurrentJobs,
        soleRunner: store.dialect === 'sqlite',
      });
    } else {
      // loaded only here: the all-in-one serve does not pay for pg-boss at start
      const [{ ensureFarmTables }, { ScanQueue }, { FarmDispatcher }] = await Promise.all([
        import('./farm/state.js'),
        import('./farm/queue.js'),
        import('./farm/dispatcher.js'),
      ]);
      const kstore = store as KyselyStore;
      await ensureFarmTables(kstore.db);
      const q = await ScanQueue.open({ databaseUrl: config.databaseUrl as string, schema: farm.queueSchema, log: logger, supervise: false });
      queue = q;
      cleanup.push(() => q.close());
      dispatcher = new FarmDispatcher(kstore, q, farm.dbSchema, logger.child({ part: 'dispatcher' }), clock);
    }
  } catch (err) {
    await unwind();
    throw err;
  }
  const jobControl = runner ?? (dispatcher as FarmDispatcher);
  let publicUrl: string | null = null;
  const notifier = new Notifier({ store, clock, log: logger.child({ part: 'notify' }), limits: notifyLimits(config), baseUrl: () => publicUrl });
  const app = await buildApp({
    store,
    sealer,
    config,
    clock,
    runner: jobControl,
    notifier,
    logger: logger.child({ part: 'api' }),
    ...(opts.txtResolver ? { txtResolver: opts.txtResolver } : {}),
  });
  const metrics = new Metrics(withRunner ? 'serve' : 'api', {
    store,
    ...(queue ? { queueDepth: () => (queue as ScanQueue).depth() } : {}),
    ...(runner ? { gauges: () => ({ wsc_runner_running_jobs: { help: 'Jobs this process runs now.', value: (runner as Runner).runningCount() } }) } : {}),
  });
  mountMetrics(app, metrics, env.WSC_METRICS_TOKEN || null);
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await unwind();
    throw err;
  }
  const url = address.replace('://[::1]', '://localhost');
  publicUrl = url;
  const bound = app.server.address();
  // a schedule's job is refused, like createJob's, when it targets this very service
  const listening = bound !== null && typeof bound === 'object' ? [{ address: bound.address, port: bound.port }] : [];
  await runner?.start();
  const scheduler = new Scheduler({
    store,
    clock,
    log: logger.child({ part: 'scheduler' }),
    tickMs: config.schedulerTickMs,
    makeJob: async (accountId, input) => {
      const parsed = scheduleJobSchema.safeParse(input);
      if (!parsed.success) return { error: `the stored job is no longer valid: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
      try {
        const job = await admitJob({ store, clock, config }, listening, accountId, parsed.data, false, null);
        jobControl.kick(job.id);
        return { id: job.id };
      } catch (err) {
        if (err instanceof ApiError) return { error: `${err.message}${err.details ? `: ${err.details}` : ''}` };
        throw err;
      }
    },
    kick: (jobId) => jobControl.kick(jobId),
    notifier,
  });
  scheduler.start();
  let apiBeat: NodeJS.Timeout | null = null;
  const apiId = `api-${process.pid}-${Date.now().toString(36)}`;
  if (!withRunner) {
    // API nodes are listed by `wsc workers` too (role api), so an operator sees the whole farm.
    const [{ removeWorker, upsertWorker }, { WSC_VERSION }] = await Promise.all([import('./farm/state.js'), import('./farm/version.js')]);
    const kdb = (store as KyselyStore).db;
    const startedAt = clock.now();
    const beat = () =>
      upsertWorker(kdb, { id: apiId, host: farm.host, pid: process.pid, version: WSC_VERSION, role: 'api', startedAt, heartbeatAt: clock.now(), jobs: [], draining: false, metricsUrl: `${url}/metrics` });
    await beat();
    apiBeat = setInterval(() => void beat().catch((err: unknown) => logger.warn({ err }, 'API node heartbeat failed')), farm.heartbeatMs);
    apiBeat.unref();
    cleanup.push(() => removeWorker(kdb, apiId));
  }

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
      oast
        ? `  OAST      ${oast.baseUrl}  (out-of-band callbacks; set WSC_OAST_URL/WSC_OAST_LISTEN for remote targets)`
        : `  runner    none: jobs are queued (pg-boss, schema ${farm.queueSchema}) for \`wsc worker\` processes`,
      `  metrics   ${url}/metrics`,
      `  store     ${store.dialect === 'sqlite' ? join(config.dataDir, 'wsc.db') : 'PostgreSQL (WSC_DATABASE_URL)'}`,
    ];
    if (adminCredentials) {
      lines.push(
        '',
        'First start: created account "admin" owning localhost, 127.0.0.0/8 and ::1.',
        `  access key  ${adminCredentials.accessKey}`,
        `  secret key  in ${join(config.dataDir, CREDENTIALS_FILE)} (mode 0600, read by the wsc CLI; not printed)`,
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
        if (apiBeat) clearInterval(apiBeat);
        await scheduler.close();
        await app.close();
        await runner?.close();
        await unwind();
      })();
      return closing;
    },
  };
}
