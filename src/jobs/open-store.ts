// Opens the configured store: PostgreSQL when a postgres:// URL is given, else SQLite at
// <dataDir>/wsc.db. Migrations run before the store is handed out.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Sealer } from '../core/crypto.js';
import type { Logger } from '../core/log.js';
import type { Clock } from '../core/time.js';
import { KyselyStore, type Database } from './store-kysely.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  databaseUrl?: string | null;
  dataDir: string;
  sealer: Sealer;
  /** PostgreSQL only: use (and create) this schema instead of the default search_path. */
  pgSchema?: string;
  /** Time source for created_at and friends; tests move it. */
  clock?: Clock;
  /** Receives errors of idle PostgreSQL connections (e.g. the server restarted). */
  logger?: Logger;
  /** PostgreSQL pool size. */
  poolMax?: number;
}

export const SQLITE_FILE = 'wsc.db';
/** How long a SQLite writer waits for another process's write lock before SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;
const PG_INT8_OID = 20;

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  return openKyselyStore(opts);
}

/** openStore() typed as the implementation, for callers that need createJobsBulk() or db. */
export async function openKyselyStore(opts: OpenStoreOptions): Promise<KyselyStore> {
  const store = opts.databaseUrl ? openPostgres(opts.databaseUrl, opts) : openSqlite(opts);
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

function openSqlite(opts: OpenStoreOptions): KyselyStore {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const file = join(opts.dataDir, SQLITE_FILE);
  // The database holds sealed secrets and every finding: owner-only. SQLite gives its -wal and
  // -shm files the database file's mode, so creating (or fixing) that one is enough.
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  const database = new BetterSqlite3(file);
  try {
    // WAL + synchronous=NORMAL: a kill -9 (or crash) loses no committed transaction and never
    // corrupts the file; only a power loss may drop the last few commits.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    database.pragma('foreign_keys = ON');
    // 64 MiB page cache (allocated as used; SQLite's default is 2 MiB): a keyword search scans
    // the jobs index, which is ~10 MiB per 100k jobs, and re-reading it through the OS costs ~2x.
    database.pragma('cache_size = -65536');
    // SQLite's advice for long-lived connections: refresh planner statistics cheaply at open.
    database.pragma('analysis_limit = 1000');
    database.pragma('optimize = 0x10002');
  } catch (err) {
    database.close();
    throw err;
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return new KyselyStore({ db, dialect: 'sqlite', sqlite: database, sealer: opts.sealer, clock: opts.clock });
}

/**
 * Kysely prepares every query it runs; preparing is a third of a getJobs call's cost on SQLite.
 * The store's queries come from a few shapes (values are bound), so statements are cached by their
 * SQL text. Kysely's driver runs a statement to completion synchronously (all/run), so one cached
 * statement is never in use twice at once.
 */
function withStatementCache(database: BetterSqlite3.Database, max = 256): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (source: string): BetterSqlite3.Statement => {
    let stmt = cache.get(source);
    if (stmt) return stmt;
    stmt = database.prepare(source);
    if (cache.size >= max) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(source, stmt);
    return stmt;
  };
  return new Proxy(database, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function openPostgres(url: string, opts: OpenStoreOptions): KyselyStore {
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('databaseUrl must start with postgres://');
  const schema = opts.pgSchema ?? null;
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    // It goes into the connection's options string unquoted, so only plain identifiers are allowed.
    throw new Error(`pgSchema "${schema}" must be a lower-case identifier`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolMax ?? 10,
    // Ids, counts and epoch-ms times are int8; all fit a JS number, so parse them as numbers
    // for this pool only instead of changing pg's process-wide parsers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID && format !== 'binary'
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
    ...(schema !== null ? { options: `-c search_path=${schema}` } : {}),
  });
  pool.on('error', (err) => {
    // An idle client died (server restart, network); pg-pool drops it and the next query gets a
    // fresh connection, so this is only worth a log line.
    opts.logger?.warn({ err }, 'postgres idle connection error');
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselyStore({ db, dialect: 'postgres', sealer: opts.sealer, clock: opts.clock, pgSchema: schema });
}
