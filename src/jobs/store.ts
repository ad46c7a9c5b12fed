// One repository interface over SQLite (embedded, default) and PostgreSQL. Both are Kysely
// dialects behind the same code; see store-kysely.ts. All times are epoch milliseconds.
import type { JobStatus } from '../core/status.js';
import type { Finding } from '../core/model.js';
import type { CollectedUrl, CrawlMode, EngineLimits, EngineStats } from '../engine/types.js';
import type { AuthConfig } from '../engine/auth/types.js';
import type { Seeds } from '../engine/seeds/index.js';
import type { TransportOptions } from '../engine/transport/options.js';
import type { NotifyRepo } from './notify-store.js';
import type { ScheduleRepo } from './schedule-store.js';

export interface Account {
  id: number;
  name: string;
  /** May manage keys and server settings through the API. */
  admin: boolean;
  createdAt: number;
}

export type KeyStatus = 'active' | 'disabled' | 'revoked';

export interface ApiKeyRow {
  accessKey: string;
  accountId: number;
  /** Secret key encrypted with the master key (see core/crypto.ts). */
  secretEnc: string;
  status: KeyStatus;
  createdAt: number;
}

/** host: a name (or address) on every port; origin: scheme://host:port only; cidr: a range, every port. */
export type AssetKind = 'host' | 'cidr' | 'origin';
export type AssetSource = 'admin' | 'verified';

export interface AssetRow {
  id: number;
  accountId: number;
  kind: AssetKind;
  /** Lower-case host name (or IP literal), an origin like http://example.com:8080, or a CIDR like 127.0.0.0/8. */
  value: string;
  source: AssetSource;
  createdAt: number;
}

export interface AssetVerification {
  token: string;
  accountId: number;
  /** The origin to verify, e.g. https://example.com */
  origin: string;
  host: string;
  createdAt: number;
  expiresAt: number;
  verifiedAt: number | null;
}

/** What createJob accepted, as the runner needs it. Headers are stored encrypted. */
export interface JobSettings {
  startUrl: string;
  excludeUrls: string[];
  headers: Record<string, string>;
  /** As given by the client: ["ALL"] or a list of words. */
  vulnItems: string[];
  userAgent: string;
  speed: string;
  limits?: Partial<EngineLimits>;
  /** The login (createJob `Auth`); sealed at rest with the headers. */
  auth?: AuthConfig;
  /** Targets beyond the StartUrl (createJob `Seeds`). */
  seeds?: Seeds;
  /** Proxy and TLS (createJob `Proxy`, `Tls`); sealed at rest with the headers (proxy credentials, client key). */
  transport?: TransportOptions;
  /** Absent: the default ("auto"). */
  crawl?: CrawlMode;
}

export interface JobRow {
  id: number;
  accountId: number;
  status: JobStatus;
  progress: number | null;
  startUrl: string;
  memo: string | null;
  settings: JobSettings;
  masterId: number | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  crawlCount: number | null;
  scanCount: number | null;
  resultDesc: string | null;
  stats: EngineStats | null;
  /** Id of the runner process that holds the job while it runs (for crash recovery). */
  runnerId: string | null;
  heartbeatAt: number | null;
  /** wsc extension: not to be started before this time (a reservation); null for ordinary jobs. */
  reservedAt: number | null;
}

export interface NewJob {
  accountId: number;
  startUrl: string;
  memo: string | null;
  settings: JobSettings;
  masterId: number | null;
  status?: JobStatus;
  createdAt?: number;
  reservedAt?: number | null;
}

export type JobPatch = Partial<
  Pick<
    JobRow,
    'progress' | 'crawlCount' | 'scanCount' | 'resultDesc' | 'startedAt' | 'endedAt' | 'stats' | 'runnerId' | 'heartbeatAt'
  >
>;

export type SearchType = 'url' | 'memo' | '';

export interface JobQuery {
  limit: number;
  offset: number;
  searchType?: SearchType;
  /** Case-insensitive substring; empty matches everything. */
  keyword?: string;
  status?: JobStatus | null;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Applies pending versioned migrations. Safe to call on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  createAccount(name: string, opts?: { admin?: boolean }): Promise<Account>;
  getAccount(id: number): Promise<Account | undefined>;
  getAccountByName(name: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  setAccountAdmin(id: number, admin: boolean): Promise<void>;

  insertKey(row: Omit<ApiKeyRow, 'createdAt' | 'status'>): Promise<ApiKeyRow>;
  getKey(accessKey: string): Promise<ApiKeyRow | undefined>;
  listKeys(accountId?: number): Promise<ApiKeyRow[]>;
  setKeyStatus(accessKey: string, status: KeyStatus): Promise<boolean>;

  /** Idempotent: adding an existing (account, value) returns the existing row. */
  addAsset(accountId: number, kind: AssetKind, value: string, source: AssetSource): Promise<AssetRow>;
  listAssets(accountId: number): Promise<AssetRow[]>;
  removeAsset(accountId: number, value: string): Promise<boolean>;
  createVerification(v: Omit<AssetVerification, 'verifiedAt'>): Promise<void>;
  getVerification(token: string): Promise<AssetVerification | undefined>;
  markVerified(token: string, at: number): Promise<boolean>;

  createJob(input: NewJob): Promise<JobRow>;
  /** With accountId, only that account's job (tenant scoping). */
  getJob(id: number, accountId?: number): Promise<JobRow | undefined>;
  /** Newest first. */
  listJobs(accountId: number, query: JobQuery): Promise<{ total: number; rows: JobRow[] }>;
  /** Re-diagnosis jobs whose master is one of masterIds, oldest first. */
  listSlaves(accountId: number, masterIds: number[]): Promise<JobRow[]>;
  /**
   * Guarded transition, one UPDATE ... WHERE id = ? AND status IN (from). Returns true when the
   * row changed, so concurrent or repeated stop/cancel calls are safe.
   */
  transition(id: number, from: readonly JobStatus[], to: JobStatus, patch?: JobPatch): Promise<boolean>;
  /** Updates fields without changing status; with onlyIn, only while the status is one of them. */
  updateJob(id: number, patch: JobPatch, onlyIn?: readonly JobStatus[]): Promise<boolean>;
  /** All jobs (any account) in these statuses, oldest first: the runner's queue and recovery. */
  jobsInStatus(statuses: readonly JobStatus[], limit?: number): Promise<JobRow[]>;
  /** Pending (12) jobs that may start at `now`: not reserved, or reserved for `now` or earlier; oldest first. */
  startableJobs(now: number, limit?: number): Promise<JobRow[]>;
  /** Reserved pending jobs whose time is in (after, upTo], soonest first. */
  reservationsDue(after: number, upTo: number, limit?: number): Promise<JobRow[]>;
  /**
   * Guarded start of a pending job: 12 -> 13 only when its reservation (if any) is due at `now`.
   * True when this caller moved it.
   */
  startPending(id: number, now: number, patch: JobPatch): Promise<boolean>;
  /**
   * Final jobs whose end has not been turned into notifications yet (notify_state 0).
   * claimJobEnd marks one done; true only for the one caller that did.
   */
  endedUnnotified(statuses: readonly JobStatus[], limit: number): Promise<JobRow[]>;
  claimJobEnd(id: number): Promise<boolean>;
  /** High-severity findings of a job. */
  listFindingsBySeverity(jobId: number, severity: string): Promise<Finding[]>;

  readonly schedules: ScheduleRepo;
  readonly notify: NotifyRepo;

  /** Stores a finding unless one with the same (item, url path, parameter) exists; true if stored. */
  addFinding(jobId: number, finding: Finding): Promise<boolean>;
  listFindings(jobId: number): Promise<Finding[]>;
  countFindings(jobId: number): Promise<number>;
  addUrls(jobId: number, urls: CollectedUrl[]): Promise<void>;
  listUrls(jobId: number): Promise<CollectedUrl[]>;
}
