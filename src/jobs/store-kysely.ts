// The Store over Kysely: one implementation for SQLite (better-sqlite3) and PostgreSQL (pg).
// The only dialect branch in the queries is substring search (see searchCondition).
import type { AuthConfig } from '../engine/auth/types.js';
import type { TransportOptions } from '../engine/transport/options.js';
import { createHash } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import {
  sql,
  type CompiledQuery,
  type Expression,
  type ExpressionBuilder,
  type Generated,
  type Kysely,
  type Selectable,
  type SqlBool,
  type Updateable,
} from 'kysely';
import type { Sealer } from '../core/crypto.js';
import { findingKey, type Finding } from '../core/model.js';
import { STATUS, type JobStatus } from '../core/status.js';
import { systemClock, type Clock } from '../core/time.js';
import type { CollectedUrl, EngineStats } from '../engine/types.js';
import { runMigrations, type MigrateResult, type StoreDialect } from './migrations.js';
import { KyselyNotifyRepo, type NotifyChannelsTable, type NotifyDeliveriesTable, type NotifyRepo, type SettingsTable } from './notify-store.js';
import { KyselyScheduleRepo, type ScheduleRepo, type ScheduleRunsTable, type SchedulesTable } from './schedule-store.js';
import type {
  Account,
  ApiKeyRow,
  AssetKind,
  AssetRow,
  AssetSource,
  AssetVerification,
  JobPatch,
  JobQuery,
  JobRow,
  JobSettings,
  KeyStatus,
  NewJob,
  Store,
} from './store.js';

export interface AccountsTable {
  id: Generated<number>;
  name: string;
  /** 0 or 1 (both dialects store an integer). */
  admin: Generated<number>;
  created_at: number;
}

export interface ApiKeysTable {
  access_key: string;
  account_id: number;
  secret_enc: string;
  status: KeyStatus;
  created_at: number;
}

export interface AssetsTable {
  id: Generated<number>;
  account_id: number;
  kind: AssetKind;
  value: string;
  source: AssetSource;
  created_at: number;
}

export interface AssetVerificationsTable {
  token: string;
  account_id: number;
  origin: string;
  host: string;
  created_at: number;
  expires_at: number;
  verified_at: number | null;
}

export interface JobsTable {
  id: Generated<number>;
  account_id: number;
  status: JobStatus;
  progress: number | null;
  start_url: string;
  /** Lower-cased copies, so case-insensitive search needs no per-row lower() and can be indexed. */
  start_url_lc: string;
  memo: string | null;
  memo_lc: string | null;
  /** JobSettings as JSON, without headers. */
  settings: string;
  /** JSON of the headers, sealed: they carry session cookies and tokens. */
  headers_enc: string;
  master_id: number | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  crawl_count: number | null;
  scan_count: number | null;
  result_desc: string | null;
  stats: string | null;
  runner_id: string | null;
  heartbeat_at: number | null;
  reserved_at: number | null;
  /** 0 until the job's end has been turned into notification deliveries (migration 4). */
  notify_state: Generated<number>;
}

export interface FindingsTable {
  id: Generated<number>;
  job_id: number;
  /** sha256 of findingKey(): that key holds NUL separators, which PostgreSQL text rejects. */
  dedupe_key: string;
  item: string;
  severity: string;
  url: string;
  parameter: string | null;
  data: string;
}

export interface JobUrlsTable {
  id: Generated<number>;
  job_id: number;
  method: string;
  url: string;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  assets: AssetsTable;
  asset_verifications: AssetVerificationsTable;
  jobs: JobsTable;
  findings: FindingsTable;
  job_urls: JobUrlsTable;
  job_counts: JobCountsTable;
  schedules: SchedulesTable;
  schedule_runs: ScheduleRunsTable;
  notify_channels: NotifyChannelsTable;
  notify_deliveries: NotifyDeliveriesTable;
  settings: SettingsTable;
}

/** Jobs per (account, status), kept exact by triggers (migration 2). */
export interface JobCountsTable {
  account_id: number;
  status: number;
  n: number;
}

type JobRecord = Selectable<JobsTable>;

/** Every jobs column a JobRow needs (the _lc search copies stay in the database). */
const JOB_COLUMNS = [
  'id',
  'account_id',
  'status',
  'progress',
  'start_url',
  'memo',
  'settings',
  'headers_enc',
  'master_id',
  'created_at',
  'started_at',
  'ended_at',
  'crawl_count',
  'scan_count',
  'result_desc',
  'stats',
  'runner_id',
  'heartbeat_at',
  'reserved_at',
] as const satisfies readonly (keyof JobsTable)[];

type JobColumns = Pick<JobRecord, (typeof JOB_COLUMNS)[number]>;

/** Rows per multi-row INSERT: at most 20 parameters a row keeps a statement below SQLite's 32,766. */
const INSERT_CHUNK = 500;

/**
 * SQLite: how many newest matching ids a keyword search fetches before deciding whether it must
 * count separately (see listJobs). A thousand ids cost well under a millisecond to transfer.
 */
const SEARCH_PROBE = 1000;

export type KyselyStoreOptions = {
  db: Kysely<Database>;
  sealer: Sealer;
  clock?: Clock;
} & (
  | {
      dialect: 'sqlite';
      /** The handle under db's SqliteDialect: migrations and batches run synchronously on it. */
      sqlite: BetterSqlite3.Database;
    }
  | {
      dialect: 'postgres';
      /** Schema to create during migrate() (its connections' search_path names it). */
      pgSchema?: string | null;
    }
);

export class KyselyStore implements Store {
  readonly dialect: StoreDialect;
  readonly db: Kysely<Database>;
  /** Set by migrate(): whether PostgreSQL substring search has trigram indexes. */
  trigramIndexes = false;
  private readonly sealer: Sealer;
  private readonly clock: Clock;
  private readonly pgSchema: string | null;
  private readonly sqlite: BetterSqlite3.Database | null;
  private closed = false;
  readonly schedules: ScheduleRepo;
  readonly notify: NotifyRepo;

  constructor(opts: KyselyStoreOptions) {
    this.db = opts.db;
    this.schedules = new KyselyScheduleRepo(opts.db, opts.sealer);
    this.notify = new KyselyNotifyRepo(opts.db, opts.sealer);
    this.dialect = opts.dialect;
    this.sealer = opts.sealer;
    this.clock = opts.clock ?? systemClock;
    this.pgSchema = opts.dialect === 'postgres' ? (opts.pgSchema ?? null) : null;
    this.sqlite = opts.dialect === 'sqlite' ? opts.sqlite : null;
  }

  async migrate(): Promise<void> {
    await this.migrateWithResult();
  }

  /** migrate() with what it did, for the server's start-up log and for tests. */
  async migrateWithResult(): Promise<MigrateResult> {
    const r = await runMigrations(
      this.db as unknown as Kysely<unknown>,
      this.sqlite ? { dialect: 'sqlite', database: this.sqlite } : { dialect: 'postgres', pgSchema: this.pgSchema },
    );
    this.trigramIndexes = r.trigramIndexes;
    return r;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      // SQLite's advice before closing a connection: refresh planner statistics where stale.
      if (this.dialect === 'sqlite') await sql`PRAGMA optimize`.execute(this.db);
    } finally {
      await this.db.destroy();
    }
  }

  // accounts

  async createAccount(name: string, opts: { admin?: boolean } = {}): Promise<Account> {
    const row = await this.db
      .insertInto('accounts')
      .values({ name, admin: opts.admin ? 1 : 0, created_at: this.clock.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAccount(row);
  }

  async getAccount(id: number): Promise<Account | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toAccount(row);
  }

  async getAccountByName(name: string): Promise<Account | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toAccount(row);
  }

  async listAccounts(): Promise<Account[]> {
    const rows = await this.db.selectFrom('accounts').selectAll().orderBy('id').execute();
    return rows.map(toAccount);
  }

  async setAccountAdmin(id: number, admin: boolean): Promise<void> {
    await this.db.updateTable('accounts').set({ admin: admin ? 1 : 0 }).where('id', '=', id).execute();
  }

  // API keys: secretEnc arrives sealed by the caller and is stored as is.

  async insertKey(row: Omit<ApiKeyRow, 'createdAt' | 'status'>): Promise<ApiKeyRow> {
    const stored = await this.db
      .insertInto('api_keys')
      .values({
        access_key: row.accessKey,
        account_id: row.accountId,
        secret_enc: row.secretEnc,
        status: 'active',
        created_at: this.clock.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toKey(stored);
  }

  async getKey(accessKey: string): Promise<ApiKeyRow | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('access_key', '=', accessKey).executeTakeFirst();
    return row && toKey(row);
  }

  async listKeys(accountId?: number): Promise<ApiKeyRow[]> {
    let q = this.db.selectFrom('api_keys').selectAll();
    if (accountId !== undefined) q = q.where('account_id', '=', accountId);
    const rows = await q.orderBy('created_at').orderBy('access_key').execute();
    return rows.map(toKey);
  }

  async setKeyStatus(accessKey: string, status: KeyStatus): Promise<boolean> {
    const r = await this.db.updateTable('api_keys').set({ status }).where('access_key', '=', accessKey).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  // assets

  async addAsset(accountId: number, kind: AssetKind, value: string, source: AssetSource): Promise<AssetRow> {
    await this.db
      .insertInto('assets')
      .values({ account_id: accountId, kind, value, source, created_at: this.clock.now() })
      .onConflict((oc) => oc.columns(['account_id', 'value']).doNothing())
      .execute();
    const row = await this.db
      .selectFrom('assets')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('value', '=', value)
      .executeTakeFirstOrThrow();
    return toAsset(row);
  }

  async listAssets(accountId: number): Promise<AssetRow[]> {
    const rows = await this.db.selectFrom('assets').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
    return rows.map(toAsset);
  }

  async removeAsset(accountId: number, value: string): Promise<boolean> {
    const r = await this.db.deleteFrom('assets').where('account_id', '=', accountId).where('value', '=', value).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async createVerification(v: Omit<AssetVerification, 'verifiedAt'>): Promise<void> {
    await this.db
      .insertInto('asset_verifications')
      .values({
        token: v.token,
        account_id: v.accountId,
        origin: v.origin,
        host: v.host,
        created_at: v.createdAt,
        expires_at: v.expiresAt,
        verified_at: null,
      })
      .execute();
  }

  async getVerification(token: string): Promise<AssetVerification | undefined> {
    const row = await this.db.selectFrom('asset_verifications').selectAll().where('token', '=', token).executeTakeFirst();
    return (
      row && {
        token: row.token,
        accountId: Number(row.account_id),
        origin: row.origin,
        host: row.host,
        createdAt: Number(row.created_at),
        expiresAt: Number(row.expires_at),
        verifiedAt: row.verified_at === null ? null : Number(row.verified_at),
      }
    );
  }

  /** True when the token exists. A repeated call keeps the first verification time. */
  async markVerified(token: string, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable('asset_verifications')
      .set((eb) => ({ verified_at: eb.fn.coalesce('verified_at', eb.val(at)) }))
      .where('token', '=', token)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  // jobs

  async createJob(input: NewJob): Promise<JobRow> {
    const row = await this.db
      .insertInto('jobs')
      .values(this.jobValues(input))
      .returning(JOB_COLUMNS)
      .executeTakeFirstOrThrow();
    return this.toJob(row);
  }

  /**
   * Inserts many jobs in one transaction with multi-row INSERTs; returns how many. Not part of
   * Store: for imports, benchmarks and load tests, where one round trip per job is too slow.
   */
  async createJobsBulk(inputs: readonly NewJob[]): Promise<number> {
    const queries: CompiledQuery[] = [];
    for (let i = 0; i < inputs.length; i += INSERT_CHUNK) {
      queries.push(
        this.db
          .insertInto('jobs')
          .values(inputs.slice(i, i + INSERT_CHUNK).map((j) => this.jobValues(j)))
          .compile(),
      );
    }
    await this.inTransaction(queries);
    // A bulk load outruns autovacuum: without fresh statistics PostgreSQL plans the job list as a
    // bitmap scan plus an on-disk sort (60 ms instead of 1.5 ms at 100k jobs).
    if (this.dialect === 'postgres') await sql`ANALYZE jobs`.execute(this.db);
    return inputs.length;
  }

  async getJob(id: number, accountId?: number): Promise<JobRow | undefined> {
    // Ids come from clients (instanceNo); one that cannot exist is not found rather than a
    // database error about bigint range or NaN.
    if (!Number.isSafeInteger(id)) return undefined;
    let q = this.db.selectFrom('jobs').select(JOB_COLUMNS).where('id', '=', id);
    if (accountId !== undefined) q = q.where('account_id', '=', accountId);
    const row = await q.executeTakeFirst();
    return row && this.toJob(row);
  }

  async listJobs(accountId: number, query: JobQuery): Promise<{ total: number; rows: JobRow[] }> {
    const keyword = (query.keyword ?? '').toLowerCase();
    const searchType = query.searchType ?? '';
    const status = query.status ?? null;
    const limit = Math.max(0, Math.floor(query.limit));
    const offset = Math.max(0, Math.floor(query.offset));
    const filtered = () => {
      let q = this.db.selectFrom('jobs').where('account_id', '=', accountId);
      if (status !== null) q = q.where('status', '=', status);
      if (keyword !== '') q = q.where((eb) => this.searchCondition(eb, searchType, keyword));
      return q;
    };
    const count = async () =>
      Number((await filtered().select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const page = () => filtered().select(JOB_COLUMNS).orderBy('id', 'desc').limit(limit).offset(offset).execute();

    if (keyword === '') {
      // Without a keyword the total is the trigger-kept count (migration 2), not a scan.
      let cq = this.db.selectFrom('job_counts').where('account_id', '=', accountId);
      if (status !== null) cq = cq.where('status', '=', status);
      const total = cq.select((eb) => eb.fn.sum<number | string>('n').as('n'));
      if (this.dialect === 'postgres') {
        // One round trip: the total rides along as a scalar subquery on every row of the page.
        const rows = await filtered().select(JOB_COLUMNS).select(total.as('total_n')).orderBy('id', 'desc').limit(limit).offset(offset).execute();
        const first = rows[0];
        if (first) return { total: Number(first.total_n ?? 0), rows: rows.map((r) => this.toJob(r)) };
        return { total: Number((await total.executeTakeFirst())?.n ?? 0), rows: [] };
      }
      const [counted, rows] = await Promise.all([total.executeTakeFirst(), page()]);
      return { total: Number(counted?.n ?? 0), rows: rows.map((r) => this.toJob(r)) };
    }
    if (this.dialect === 'postgres' || offset + limit > SEARCH_PROBE) {
      // Count and page newest first. On PostgreSQL the two overlap on separate pool connections
      // and the planner picks trigram bitmap scans or an id-ordered walk per keyword; SQLite
      // serialises them, which is cheap when there is no keyword (both index-only).
      const [total, rows] = await Promise.all([count(), page()]);
      return { total, rows: rows.map((r) => this.toJob(r)) };
    }

    // SQLite keyword search: counting means scanning the covering index, and so does paging when
    // matches are rare. Probe for the newest SEARCH_PROBE matches first: fewer than that means the
    // probe saw every match, so the count comes free (one scan instead of two); a full probe means
    // matches are dense, the id-ordered walk stopped early, and only then is the count run.
    const ids = (await filtered().select('id').orderBy('id', 'desc').limit(SEARCH_PROBE).execute()).map((r) => Number(r.id));
    const total = ids.length < SEARCH_PROBE ? ids.length : await count();
    const pageIds = ids.slice(offset, offset + limit);
    if (pageIds.length === 0) return { total, rows: [] };
    const rows = await this.db.selectFrom('jobs').select(JOB_COLUMNS).where('id', 'in', pageIds).orderBy('id', 'desc').execute();
    return { total, rows: rows.map((r) => this.toJob(r)) };
  }

  async listSlaves(accountId: number, masterIds: number[]): Promise<JobRow[]> {
    if (masterIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('jobs')
      .select(JOB_COLUMNS)
      .where('account_id', '=', accountId)
      .where('master_id', 'in', masterIds)
      .execute();
    // Sorted here: an ORDER BY id lets SQLite's planner walk the (account_id, id) index over every
    // job of the account instead of probing the master_id index (17 ms against 0.1 ms at 100k jobs).
    return rows.map((r) => this.toJob(r)).sort((a, b) => a.id - b.id);
  }

  async transition(id: number, from: readonly JobStatus[], to: JobStatus, patch: JobPatch = {}): Promise<boolean> {
    if (from.length === 0) return false;
    const r = await this.db
      .updateTable('jobs')
      .set({ ...patchColumns(patch), status: to })
      .where('id', '=', id)
      .where('status', 'in', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async updateJob(id: number, patch: JobPatch, onlyIn?: readonly JobStatus[]): Promise<boolean> {
    if (onlyIn !== undefined && onlyIn.length === 0) return false;
    const cols = patchColumns(patch);
    if (Object.keys(cols).length === 0) {
      // Nothing to write: answer whether the same guarded UPDATE would have matched.
      let q = this.db.selectFrom('jobs').select('id').where('id', '=', id);
      if (onlyIn !== undefined) q = q.where('status', 'in', onlyIn);
      return (await q.executeTakeFirst()) !== undefined;
    }
    let q = this.db.updateTable('jobs').set(cols).where('id', '=', id);
    if (onlyIn !== undefined) q = q.where('status', 'in', onlyIn);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async jobsInStatus(statuses: readonly JobStatus[], limit?: number): Promise<JobRow[]> {
    if (statuses.length === 0) return [];
    let q = this.db.selectFrom('jobs').select(JOB_COLUMNS).where('status', 'in', statuses).orderBy('id');
    if (limit !== undefined) q = q.limit(Math.max(0, Math.floor(limit)));
    const rows = await q.execute();
    return rows.map((r) => this.toJob(r));
  }

  async startableJobs(now: number, limit?: number): Promise<JobRow[]> {
    let q = this.db
      .selectFrom('jobs')
      .select(JOB_COLUMNS)
      .where('status', '=', STATUS.CRAWL_PENDING)
      .where((eb) => eb.or([eb('reserved_at', 'is', null), eb('reserved_at', '<=', now)]))
      .orderBy('id');
    if (limit !== undefined) q = q.limit(Math.max(0, Math.floor(limit)));
    return (await q.execute()).map((r) => this.toJob(r));
  }

  async reservationsDue(after: number, upTo: number, limit = 100): Promise<JobRow[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(JOB_COLUMNS)
      .where('status', '=', STATUS.CRAWL_PENDING)
      .where('reserved_at', '>', after)
      .where('reserved_at', '<=', upTo)
      .orderBy('reserved_at')
      .limit(limit)
      .execute();
    return rows.map((r) => this.toJob(r));
  }

  async startPending(id: number, now: number, patch: JobPatch): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ ...patchColumns(patch), status: STATUS.CRAWL_RUNNING })
      .where('id', '=', id)
      .where('status', '=', STATUS.CRAWL_PENDING)
      .where((eb) => eb.or([eb('reserved_at', 'is', null), eb('reserved_at', '<=', now)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async endedUnnotified(statuses: readonly JobStatus[], limit: number): Promise<JobRow[]> {
    if (statuses.length === 0) return [];
    const rows = await this.db
      .selectFrom('jobs')
      .select(JOB_COLUMNS)
      .where('notify_state', '=', 0)
      .where('status', 'in', statuses)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => this.toJob(r));
  }

  async claimJobEnd(id: number): Promise<boolean> {
    const r = await this.db.updateTable('jobs').set({ notify_state: 1 }).where('id', '=', id).where('notify_state', '=', 0).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async listFindingsBySeverity(jobId: number, severity: string): Promise<Finding[]> {
    const rows = await this.db.selectFrom('findings').select('data').where('job_id', '=', jobId).where('severity', '=', severity).orderBy('id').execute();
    return rows.map((r) => JSON.parse(r.data) as Finding);
  }

  // findings and URLs

  async addFinding(jobId: number, finding: Finding): Promise<boolean> {
    const r = await this.db
      .insertInto('findings')
      .values({
        job_id: jobId,
        dedupe_key: createHash('sha256').update(findingKey(finding)).digest('hex'),
        item: finding.item,
        severity: finding.severity,
        url: dbText(finding.url),
        parameter: finding.parameter === null ? null : dbText(finding.parameter),
        data: JSON.stringify(finding),
      })
      .onConflict((oc) => oc.columns(['job_id', 'dedupe_key']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async listFindings(jobId: number): Promise<Finding[]> {
    const rows = await this.db.selectFrom('findings').select('data').where('job_id', '=', jobId).orderBy('id').execute();
    return rows.map((r) => JSON.parse(r.data) as Finding);
  }

  async countFindings(jobId: number): Promise<number> {
    const r = await this.db
      .selectFrom('findings')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async addUrls(jobId: number, urls: CollectedUrl[]): Promise<void> {
    if (urls.length === 0) return;
    const queries: CompiledQuery[] = [];
    for (let i = 0; i < urls.length; i += INSERT_CHUNK) {
      queries.push(
        this.db
          .insertInto('job_urls')
          .values(urls.slice(i, i + INSERT_CHUNK).map((u) => ({ job_id: jobId, method: dbText(u.method), url: dbText(u.url) })))
          .compile(),
      );
    }
    // One transaction: the crawl result is stored whole or not at all.
    await this.inTransaction(queries);
  }

  async listUrls(jobId: number): Promise<CollectedUrl[]> {
    const rows = await this.db.selectFrom('job_urls').select(['method', 'url']).where('job_id', '=', jobId).orderBy('id').execute();
    return rows.map((r) => ({ method: r.method, url: r.url }));
  }

  // helpers

  /**
   * Runs the statements in one transaction. On SQLite it runs synchronously on the raw handle
   * (BEGIN IMMEDIATE): a transaction that awaited between statements would hold the write lock
   * while a second connection in the same process sat in SQLite's busy handler, which blocks the
   * event loop, so neither could finish.
   */
  private async inTransaction(queries: readonly CompiledQuery[]): Promise<void> {
    if (queries.length === 0) return;
    const raw = this.sqlite;
    if (raw) {
      raw
        .transaction(() => {
          for (const q of queries) raw.prepare(q.sql).run(...(q.parameters as unknown[]));
        })
        .immediate();
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      for (const q of queries) await trx.executeQuery(q);
    });
  }

  /**
   * Case-insensitive substring match on the lower-cased copies, LIKE with % and _ escaped. On
   * PostgreSQL this is the form a pg_trgm GIN index serves; on SQLite it was measured faster than
   * instr() over the covering index.
   */
  private searchCondition(eb: ExpressionBuilder<Database, 'jobs'>, searchType: string, keyword: string): Expression<SqlBool> {
    const pattern = '%' + escapeLike(keyword) + '%';
    const like = (c: 'start_url_lc' | 'memo_lc') => sql<SqlBool>`${sql.ref(c)} LIKE ${pattern} ESCAPE '\\'`;
    if (searchType === 'url') return like('start_url_lc');
    if (searchType === 'memo') return like('memo_lc');
    return eb.or([like('start_url_lc'), like('memo_lc')]);
  }

  private jobValues(input: NewJob) {
    const { headers, auth, transport, ...rest } = input.settings;
    return {
      account_id: input.accountId,
      status: input.status ?? STATUS.CRAWL_PENDING,
      progress: null,
      start_url: input.startUrl,
      start_url_lc: input.startUrl.toLowerCase(),
      memo: input.memo,
      memo_lc: input.memo === null ? null : input.memo.toLowerCase(),
      // which sealed parts exist, so that reading a job defines them without opening the seal
      settings: JSON.stringify(auth !== undefined || transport !== undefined ? { ...rest, sealed: [...(auth ? ['auth'] : []), ...(transport ? ['transport'] : [])] } : rest),
      headers_enc: this.sealer.seal(JSON.stringify(sealedPart(headers ?? {}, auth, transport))),
      master_id: input.masterId,
      created_at: input.createdAt ?? this.clock.now(),
      started_at: null,
      ended_at: null,
      crawl_count: null,
      scan_count: null,
      result_desc: null,
      stats: null,
      runner_id: null,
      heartbeat_at: null,
      reserved_at: input.reservedAt ?? null,
    };
  }

  private toJob(r: JobColumns): JobRow {
    // Headers are opened on first use: listing a page of jobs never needs them, and ten AES-GCM
    // opens were a third of a getJobs call.
    const sealer = this.sealer;
    let opened: SealedPart | undefined;
    const open = (): SealedPart => {
      if (opened === undefined) {
        try {
          opened = readSealedPart(JSON.parse(sealer.open(r.headers_enc)) as unknown);
        } catch (err) {
          throw new Error(`job ${r.id}: cannot open its sealed headers (was the master key changed?)`, { cause: err });
        }
      }
      return opened;
    };
    const settings = JSON.parse(r.settings) as JobSettings & { sealed?: string[] };
    const sealedKeys = settings.sealed ?? [];
    delete settings.sealed;
    Object.defineProperty(settings, 'headers', {
      enumerable: true,
      configurable: true,
      get(): Record<string, string> {
        return open().headers;
      },
      set(v: Record<string, string>) {
        opened = { ...open(), headers: v };
      },
    });
    if (sealedKeys.includes('auth')) {
      Object.defineProperty(settings, 'auth', {
        enumerable: true,
        configurable: true,
        get(): AuthConfig | undefined {
          return open().auth;
        },
        set(v: AuthConfig | undefined) {
          opened = { ...open(), ...(v ? { auth: v } : {}) };
        },
      });
    }
    if (sealedKeys.includes('transport')) {
      Object.defineProperty(settings, 'transport', {
        enumerable: true,
        configurable: true,
        get(): TransportOptions | undefined {
          return open().transport;
        },
        set(v: TransportOptions | undefined) {
          opened = { ...open(), ...(v ? { transport: v } : {}) };
        },
      });
    }
    return {
      id: Number(r.id),
      accountId: Number(r.account_id),
      status: Number(r.status) as JobStatus,
      progress: numOrNull(r.progress),
      startUrl: r.start_url,
      memo: r.memo,
      settings,
      masterId: numOrNull(r.master_id),
      createdAt: Number(r.created_at),
      startedAt: numOrNull(r.started_at),
      endedAt: numOrNull(r.ended_at),
      crawlCount: numOrNull(r.crawl_count),
      scanCount: numOrNull(r.scan_count),
      resultDesc: r.result_desc,
      stats: r.stats === null ? null : (JSON.parse(r.stats) as EngineStats),
      runnerId: r.runner_id,
      heartbeatAt: numOrNull(r.heartbeat_at),
      reservedAt: numOrNull(r.reserved_at),
    };
  }
}

function patchColumns(p: JobPatch): Updateable<JobsTable> {
  const cols: Updateable<JobsTable> = {};
  if (p.progress !== undefined) cols.progress = p.progress;
  if (p.crawlCount !== undefined) cols.crawl_count = p.crawlCount;
  if (p.scanCount !== undefined) cols.scan_count = p.scanCount;
  if (p.resultDesc !== undefined) cols.result_desc = p.resultDesc;
  if (p.startedAt !== undefined) cols.started_at = p.startedAt;
  if (p.endedAt !== undefined) cols.ended_at = p.endedAt;
  if (p.stats !== undefined) cols.stats = p.stats === null ? null : JSON.stringify(p.stats);
  if (p.runnerId !== undefined) cols.runner_id = p.runnerId;
  if (p.heartbeatAt !== undefined) cols.heartbeat_at = p.heartbeatAt;
  return cols;
}

/** Escapes LIKE's wildcards and the escape character itself, for ESCAPE '\'. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** PostgreSQL text cannot hold NUL; crawled values are untrusted, so replace it rather than fail. */
function dbText(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '\uFFFD') : s;
}

function numOrNull(v: number | null): number | null {
  return v === null ? null : Number(v);
}

function toAccount(r: Selectable<AccountsTable>): Account {
  return { id: Number(r.id), name: r.name, admin: Number(r.admin) === 1, createdAt: Number(r.created_at) };
}

function toKey(r: Selectable<ApiKeysTable>): ApiKeyRow {
  return {
    accessKey: r.access_key,
    accountId: Number(r.account_id),
    secretEnc: r.secret_enc,
    status: r.status,
    createdAt: Number(r.created_at),
  };
}

function toAsset(r: Selectable<AssetsTable>): AssetRow {
  return {
    id: Number(r.id),
    accountId: Number(r.account_id),
    kind: r.kind,
    value: r.value,
    source: r.source,
    createdAt: Number(r.created_at),
  };
}

/** What is sealed: the headers, and the login when the job has one. */
interface SealedPart {
  headers: Record<string, string>;
  auth?: AuthConfig;
  transport?: TransportOptions;
}

// Jobs without a login keep the sealed text they always had (the headers' record), so stores
// written before logins existed read as they did.
function sealedPart(headers: Record<string, string>, auth: AuthConfig | undefined, transport: TransportOptions | undefined): Record<string, string> | ({ v: 2 } & SealedPart) {
  if (auth === undefined && transport === undefined) return headers;
  return { v: 2, headers, ...(auth ? { auth } : {}), ...(transport ? { transport } : {}) };
}

/** A headers' record has only string values; the newer form is told apart by its object `headers`. */
function readSealedPart(raw: unknown): SealedPart {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (o.v === 2 && typeof o.headers === 'object' && o.headers !== null) {
    const out: SealedPart = { headers: o.headers as Record<string, string> };
    if (o.auth !== undefined) out.auth = o.auth as AuthConfig;
    if (o.transport !== undefined) out.transport = o.transport as TransportOptions;
    return out;
  }
  return { headers: o as Record<string, string> };
}
