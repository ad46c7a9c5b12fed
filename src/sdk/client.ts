// Typed, signing client for the NCP Web Security Checker API (and wsc's extensions). Raw
// envelopes are returned untouched next to typed views that coerce NCP's mixed number/string fields.
import { Agent, request, type Dispatcher } from 'undici';
import { STATUS_TEXT, isJobStatus, type JobStatus } from '../core/status.js';
import type { Finding } from '../core/model.js';
import type { AuthConfig } from '../engine/auth/types.js';
import type { Seeds } from '../engine/seeds/index.js';
import type { CrawlMode, EngineLimits } from '../engine/types.js';
import { WscApiError, WscConnectionError, isApiErrorBody } from './errors.js';
import { signatureHeaders } from './sign.js';
import { readSse } from './sse.js';

export interface Envelope<T> {
  returnCode: string;
  returnDesc: string;
  returnMessage: string;
  resources: T;
}

export interface WscClientOptions {
  /** Base URL, e.g. http://127.0.0.1:8080 or https://wsc.apigw.ntruss.com */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** Whole-request budget (connect to last body byte), ms. Default 30 s. */
  timeoutMs?: number;
  /** Retries after HTTP 429, honouring Retry-After (capped). Default 2. */
  maxRetries?: number;
  /** Clock for the signature timestamp; tests pin it. */
  now?: () => number;
  /** Aborts every request in flight (e.g. on Ctrl-C). */
  signal?: AbortSignal;
}

export type UserAgentName = 'PC Chrome' | 'PC IE' | 'iPhone' | 'Android';
export type SpeedName = '1' | '2' | '3';

export interface CreateJobRequest {
  StartUrl: string;
  ExcludeUrl?: string[];
  Headers?: Record<string, string>;
  /** ["ALL"] or a list of VulnItems reserved words. */
  VulnItems: string[];
  UserAgent: UserAgentName;
  Speed: SpeedName;
  Memo?: string;
  /** Instance number of a completed job to re-diagnose (a string, as NCP requires). */
  MasterInstanceNo?: string;
  /** wsc extension: per-job engine limits; NCP does not know it. */
  Limits?: Partial<EngineLimits>;
  /** wsc extension: how the scan logs in (README, "Authenticated scans"). */
  Auth?: AuthConfig;
  /** wsc extension: API descriptions, HAR files and URL lists whose requests become targets. */
  Seeds?: Seeds;
  /** wsc extension: a proxy for every request of the job. */
  Proxy?: string;
  /** wsc extension: a private CA the TLS check trusts, a client certificate for mTLS (PEM). */
  Tls?: { caCert?: string; clientCert?: string; clientKey?: string };
  /** wsc extension: "html", "browser" or "auto" (the default); see README "Browser engine". */
  Crawl?: CrawlMode;
  /** wsc extension: start the job at this time (ISO-8601 with an offset, or epoch ms); status 12 until then. */
  ReservedAt?: string | number;
}

/** wsc extension: a recurring schedule (PUT /api/v1/schedules). Exactly one of Cron and Every. */
export interface ScheduleRequest {
  Name: string;
  /** 5-field cron "m h dom mon dow". */
  Cron?: string;
  Every?: 'daily' | 'weekly' | 'monthly';
  /** "HH:MM" (default "00:00"), with Every. */
  At?: string;
  /** 0-6, 0 = Sunday (Every "weekly"). */
  Weekday?: number;
  /** 1-28 (Every "monthly"). */
  MonthDay?: number;
  /** IANA zone, default "UTC". */
  TimeZone?: string;
  MaxRuns?: number | null;
  SkipIfRunning?: boolean;
  Enabled?: boolean;
  /** createJob's body, without ReservedAt and MasterInstanceNo. */
  Job: Omit<CreateJobRequest, 'ReservedAt' | 'MasterInstanceNo'>;
}

export interface Schedule {
  schedule_id: number;
  name: string;
  cron: string;
  every: 'daily' | 'weekly' | 'monthly' | null;
  at: string | null;
  weekday: number | null;
  month_day: number | null;
  timezone: string;
  max_runs: number | null;
  run_count: number;
  skip_if_running: boolean;
  enabled: boolean;
  next_run_at: number | null;
  last_run_at: number | null;
  last_instance_id: string | null;
  /** The Job input, its secrets masked. */
  job: Record<string, unknown>;
  created_at: number;
}

export interface ScheduleRun {
  instance_id: string | null;
  at: number;
  due_at: number;
  outcome: 'created' | 'skipped' | 'failed';
  status_code: number | null;
  status: string | null;
  error: string | null;
}

export type NotifyEventName = 'job.completed' | 'job.failed' | 'finding.high';

/** wsc extension: a notification channel (PUT /api/v1/notifications). */
export interface ChannelRequest {
  Kind: 'webhook' | 'email';
  Name?: string;
  Url?: string;
  /** Webhook signing secret, 16-256 printable characters; generated when absent. */
  Secret?: string;
  To?: string[];
  Events?: NotifyEventName[];
  Enabled?: boolean;
}

export interface Channel {
  channel_id: number;
  kind: 'webhook' | 'email';
  name: string;
  url: string | null;
  to: string[];
  events: NotifyEventName[];
  enabled: boolean;
  secret_hint: string | null;
  created_at: number;
}

export interface Delivery {
  delivery_id: number;
  channel_id: number;
  event: NotifyEventName | 'test';
  instance_id: string | null;
  attempt: number;
  status: 'pending' | 'delivered' | 'failed';
  response: string | null;
  error: string | null;
  attempts: { at: number; response: string | null; error: string | null }[];
  created_at: number;
  next_attempt_at: number | null;
  delivered_at: number | null;
}

/** One event of GET /api/v1/jobs/{id}/events. */
export type JobEvent =
  | { event: 'status'; id: string | null; data: { instanceNo: string; status: number; status_text: string; crawl_cnt: number | null; scan_cnt: number | null; progress: number | null; result_desc: string | null } }
  | { event: 'finding'; id: string | null; data: Finding }
  | { event: 'end'; id: string | null; data: { instanceNo: string; reason: string } };

export interface CreateJobResult {
  /** From the `x-wsc-instance-no` response header; null against servers that do not send it (NCP). */
  instanceNo: string | null;
  envelope: Envelope<null>;
}

/** A job record as the API sends it; NCP mixes numbers, numeric strings, "" and null. */
export interface RawJobRecord {
  instanceNo: string | number;
  start_date: string | null;
  end_date: string | null;
  status: string;
  progress?: number | string | null;
  start_url: string | null;
  crawl_cnt: number | string | null;
  scan_cnt: number | string | null;
  memo: string | null;
  result_button: string | null;
  result_desc: string | null;
  rescan_button: string | null;
  slave_data: RawJobRecord[] | null;
  [extension: string]: unknown;
}

export interface RawJobList {
  total_cnt: number | string;
  total_page_cnt: number | string;
  current_start_page: number | string;
  current_end_page: number | string;
  record_data: RawJobRecord[] | null;
}

export interface JobRecord {
  instanceNo: string;
  startDate: string | null;
  endDate: string | null;
  /** Status text as sent, e.g. "Diagnostics completed". */
  status: string;
  /** Status code derived from the text (or a numeric extension field), null if unknown. */
  statusCode: JobStatus | null;
  progress: number | null;
  startUrl: string | null;
  crawlCount: number | null;
  scanCount: number | null;
  memo: string | null;
  resultButton: string | null;
  resultDesc: string | null;
  rescanButton: string | null;
  slaves: JobRecord[];
  raw: RawJobRecord;
}

export interface JobList {
  total: number;
  totalPages: number;
  currentStartPage: number;
  currentEndPage: number;
  records: JobRecord[];
  envelope: Envelope<RawJobList>;
}

export interface GetJobsQuery {
  limit?: number;
  page?: number;
}

export type SearchTypeName = 'url' | 'memo' | '';

export interface SearchJobsQuery {
  searchType?: SearchTypeName;
  searchKeyword?: string;
  /** null searches every status. */
  statusCode?: JobStatus | null;
  limit?: number;
  page?: number;
}

export type ReportFormat = 'json' | 'sarif' | 'html' | 'pdf';

export interface ReportResult {
  contentType: string;
  body: Buffer;
  /** Parsed body when the server answered with JSON. */
  json?: unknown;
}

export interface AssetVerificationTicket {
  token: string;
  url_to_place: string;
  expires_at: string | number;
  /** What the file proves: the host on every port (https://host/) or that origin only. */
  covers?: string;
  /** The alternative proof: a TXT record that proves the host on every port. */
  dns_record?: { name: string; type: string; value: string; covers: string };
}

export interface AssetVerificationResult {
  host: string;
  verified: boolean;
  /** The asset the proof added: "host" (every port) or "origin" (that origin only). */
  kind?: string;
  value?: string;
  covers?: string;
}

export interface AssetEntry {
  kind: string;
  value: string;
  source: string;
  covers?: string;
}

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_RETRY_WAIT_MS = 10_000;

// NCP's documented spellings next to ours, so statusCode works against either server.
const STATUS_BY_TEXT: ReadonlyMap<string, JobStatus> = new Map<string, JobStatus>([
  ...Object.entries(STATUS_TEXT).map(([code, text]) => [text.toLowerCase(), Number(code) as JobStatus] as const),
  ['complete', 4],
  ['completed', 4],
  ['예약', 12],
]);

/** Coerces NCP's number-or-numeric-string fields; "", null and non-numbers become null. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}

export function statusCodeOf(raw: Pick<RawJobRecord, 'status'> & Record<string, unknown>): JobStatus | null {
  for (const field of ['status_code', 'statusCode']) {
    const n = toNumber(raw[field]);
    if (isJobStatus(n)) return n;
  }
  const asNumber = toNumber(raw.status);
  if (isJobStatus(asNumber)) return asNumber;
  return typeof raw.status === 'string' ? (STATUS_BY_TEXT.get(raw.status.trim().toLowerCase()) ?? null) : null;
}

export function toJobRecord(raw: RawJobRecord): JobRecord {
  return {
    instanceNo: String(raw.instanceNo),
    startDate: toText(raw.start_date) || null,
    endDate: toText(raw.end_date) || null,
    status: toText(raw.status) ?? '',
    statusCode: statusCodeOf(raw),
    progress: toNumber(raw.progress),
    startUrl: toText(raw.start_url),
    crawlCount: toNumber(raw.crawl_cnt),
    scanCount: toNumber(raw.scan_cnt),
    memo: toText(raw.memo),
    resultButton: toText(raw.result_button) || null,
    resultDesc: toText(raw.result_desc) || null,
    rescanButton: toText(raw.rescan_button) || null,
    slaves: Array.isArray(raw.slave_data) ? raw.slave_data.map(toJobRecord) : [],
    raw,
  };
}

export function toJobList(envelope: Envelope<RawJobList>): JobList {
  const r = envelope.resources;
  return {
    total: toNumber(r?.total_cnt) ?? 0,
    totalPages: toNumber(r?.total_page_cnt) ?? 0,
    currentStartPage: toNumber(r?.current_start_page) ?? 0,
    currentEndPage: toNumber(r?.current_end_page) ?? 0,
    records: Array.isArray(r?.record_data) ? r.record_data.map(toJobRecord) : [],
    envelope,
  };
}

function headerValue(headers: HttpResult['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseJson(buf: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(buf.toString('utf8')) };
  } catch {
    // not JSON: the caller reports the status with a snippet of the text instead
    return { ok: false };
  }
}

function retryDelayMs(retryAfter: string | undefined, attempt: number): number {
  const seconds = retryAfter === undefined ? NaN : Number(retryAfter);
  const ms = Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 250 * 2 ** attempt;
  return Math.min(ms, MAX_RETRY_WAIT_MS);
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function instancePath(id: string | number, action: string): string {
  const s = String(id).trim();
  if (!/^\d+$/.test(s)) throw new RangeError(`instance number must be digits, got "${s}"`);
  return `/api/v1/jobs/${s}${action}`;
}

function idPath(id: string | number): string {
  const s = String(id).trim();
  if (!/^\d+$/.test(s)) throw new RangeError(`id must be digits, got "${s}"`);
  return s;
}

export class WscClient {
  readonly endpoint: string;
  private readonly accessKey: string;
  private readonly secretKey: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly now: () => number;
  private readonly signal: AbortSignal | undefined;
  private readonly base: URL;
  private readonly dispatcher: Agent;

  constructor(options: WscClientOptions) {
    let base: URL;
    try {
      base = new URL(options.endpoint);
    } catch {
      throw new TypeError(`endpoint is not a URL: "${options.endpoint}"`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new TypeError(`endpoint must be http:// or https://, got "${options.endpoint}"`);
    }
    if (!options.accessKey || !options.secretKey) throw new TypeError('accessKey and secretKey are required');
    this.base = base;
    this.endpoint = base.origin + base.pathname.replace(/\/+$/, '');
    this.accessKey = options.accessKey;
    this.secretKey = options.secretKey;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = options.maxRetries ?? 2;
    this.now = options.now ?? Date.now;
    this.signal = options.signal;
    this.dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  }

  /** Releases pooled connections so the process can exit. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  async createJob(req: CreateJobRequest): Promise<CreateJobResult> {
    const res = await this.send('PUT', '/api/v1/job', req);
    const envelope = this.envelopeOf<null>(res);
    const id = headerValue(res.headers, 'x-wsc-instance-no');
    return { instanceNo: id && id.trim() !== '' ? id.trim() : null, envelope };
  }

  async getJobs(query: GetJobsQuery = {}): Promise<JobList> {
    const limit = positiveInt('limit', query.limit ?? 10);
    const page = positiveInt('page', query.page ?? 1);
    return toJobList(await this.raw<RawJobList>('GET', `/api/v1/jobs?limit=${limit}&page=${page}`));
  }

  async searchJobs(query: SearchJobsQuery = {}): Promise<JobList> {
    const body = {
      searchType: query.searchType ?? '',
      searchKeyword: query.searchKeyword ?? '',
      statusCode: query.statusCode ?? null,
      limit: positiveInt('limit', query.limit ?? 10),
      page: positiveInt('page', query.page ?? 1),
    };
    return toJobList(await this.raw<RawJobList>('POST', '/api/v1/jobs/search', body));
  }

  stopJob(instanceNo: string | number): Promise<Envelope<null>> {
    return this.raw<null>('PATCH', instancePath(instanceNo, '/stop'));
  }

  cancelJob(instanceNo: string | number): Promise<Envelope<null>> {
    return this.raw<null>('PATCH', instancePath(instanceNo, '/cancel'));
  }

  async getReport(instanceNo: string | number, format?: ReportFormat): Promise<ReportResult> {
    const query = format ? `?format=${encodeURIComponent(format)}` : '';
    const res = await this.send('GET', instancePath(instanceNo, '/report') + query);
    const contentType = headerValue(res.headers, 'content-type') ?? 'application/octet-stream';
    if (res.status < 200 || res.status >= 300) throw this.errorOf(res);
    const result: ReportResult = { contentType, body: res.body };
    if (/\bjson\b/i.test(contentType)) {
      const parsed = parseJson(res.body);
      if (parsed.ok) {
        if (isApiErrorBody(parsed.value)) throw this.errorOf(res);
        result.json = parsed.value;
      }
    }
    return result;
  }

  /** Every job, newest first, across all pages. */
  async *iterateJobs(options: { limit?: number } = {}): AsyncGenerator<JobRecord, void, undefined> {
    const limit = positiveInt('limit', options.limit ?? 100);
    for (let page = 1; ; page++) {
      const list = await this.getJobs({ limit, page });
      yield* list.records;
      // total_page_cnt is the stop condition; a short page guards against servers that miscount
      if (page >= list.totalPages || list.records.length < limit) return;
    }
  }

  /** wsc extension: issues a verification token for the origin of `url`. */
  requestAssetVerification(url: string): Promise<Envelope<AssetVerificationTicket>> {
    return this.raw<AssetVerificationTicket>('POST', '/api/v1/assets/verify', { url });
  }

  /** wsc extension: asks the server to look for the token (file on the origin, or DNS TXT record). */
  checkAssetVerification(url: string, method: 'file' | 'dns' = 'file'): Promise<Envelope<AssetVerificationResult>> {
    return this.raw<AssetVerificationResult>('POST', '/api/v1/assets/verify/check', method === 'dns' ? { url, method } : { url });
  }

  /** wsc extension: the assets (hosts, CIDRs) the caller's account may scan. */
  listAssets(): Promise<Envelope<{ assets: AssetEntry[] }>> {
    return this.raw<{ assets: AssetEntry[] }>('GET', '/api/v1/assets');
  }

  /**
   * wsc extension: the job's events (GET /api/v1/jobs/{id}/events, Server-Sent Events) as they
   * happen: `status` (status, counts, progress), `finding` (one finding, its index as `id`) and a
   * last `end`. Ends when the server ends the stream; `lastEventId` resumes after that finding.
   */
  async *jobEvents(instanceNo: string | number, options: { lastEventId?: number; signal?: AbortSignal } = {}): AsyncGenerator<JobEvent, void, undefined> {
    const uri = instancePath(instanceNo, '/events');
    const wireUri = this.base.pathname.replace(/\/+$/, '') + uri;
    const headers: Record<string, string> = { accept: 'text/event-stream', ...signatureHeaders('GET', wireUri, this.accessKey, this.secretKey, this.now()) };
    if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
    const signals = [this.signal, options.signal].filter((x): x is AbortSignal => x !== undefined);
    let res: Dispatcher.ResponseData;
    try {
      // no whole-request timeout: a stream lasts as long as its job; headers must come promptly
      res = await request(this.base.origin + wireUri, {
        method: 'GET',
        headers,
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: 0,
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      });
    } catch (err) {
      throw new WscConnectionError(`cannot reach ${this.endpoint}: ${err instanceof Error ? err.message : String(err)}`, this.endpoint, { cause: err });
    }
    if (res.statusCode !== 200) {
      const body = Buffer.from(await res.body.arrayBuffer());
      throw this.errorOf({ status: res.statusCode, headers: res.headers, body });
    }
    try {
      for await (const e of readSse(res.body)) {
        let data: unknown;
        try {
          data = JSON.parse(e.data);
        } catch {
          data = e.data;
        }
        yield { event: e.event, id: e.id, data } as JobEvent;
      }
    } catch (err) {
      if (signals.some((s) => s.aborted)) return;
      throw new WscConnectionError(`the event stream from ${this.endpoint} broke: ${err instanceof Error ? err.message : String(err)}`, this.endpoint, { cause: err });
    } finally {
      res.body.destroy();
    }
  }

  /** wsc extension: the caller's account and whether it is an admin. */
  whoami(): Promise<Envelope<{ account: string; admin: boolean }>> {
    return this.raw('GET', '/api/v1/whoami');
  }

  /** wsc extension (admin accounts): every API key, never secrets. */
  listKeys(): Promise<Envelope<{ keys: { access_key: string; account: string; created_at: number; revoked: boolean }[] }>> {
    return this.raw('GET', '/api/v1/keys');
  }

  /** wsc extension (admin accounts): a new key for an account (created if new); the secret is shown once. */
  createKey(account: string): Promise<Envelope<{ access_key: string; secret_key: string; account: string }>> {
    return this.raw('PUT', '/api/v1/keys', { Account: account });
  }

  /** wsc extension (admin accounts): revokes a key. */
  revokeKey(accessKey: string): Promise<Envelope<Record<string, never>>> {
    return this.raw('DELETE', `/api/v1/keys/${encodeURIComponent(accessKey)}`);
  }

  listSchedules(): Promise<Envelope<{ schedules: Schedule[] }>> {
    return this.raw('GET', '/api/v1/schedules');
  }

  createSchedule(req: ScheduleRequest): Promise<Envelope<{ schedule: Schedule }>> {
    return this.raw('PUT', '/api/v1/schedules', req);
  }

  getSchedule(id: number | string): Promise<Envelope<{ schedule: Schedule; runs: ScheduleRun[] }>> {
    return this.raw('GET', `/api/v1/schedules/${idPath(id)}`);
  }

  /** Partial update; `{ Enabled: false }` pauses, `{ Enabled: true }` resumes. */
  updateSchedule(id: number | string, patch: Partial<ScheduleRequest>): Promise<Envelope<{ schedule: Schedule }>> {
    return this.raw('PATCH', `/api/v1/schedules/${idPath(id)}`, patch);
  }

  deleteSchedule(id: number | string): Promise<Envelope<Record<string, never>>> {
    return this.raw('DELETE', `/api/v1/schedules/${idPath(id)}`);
  }

  listChannels(): Promise<Envelope<{ channels: Channel[] }>> {
    return this.raw('GET', '/api/v1/notifications');
  }

  /** The webhook secret (given or generated) is in the answer this once. */
  createChannel(req: ChannelRequest): Promise<Envelope<{ channel: Channel; secret?: string }>> {
    return this.raw('PUT', '/api/v1/notifications', req);
  }

  updateChannel(id: number | string, patch: Partial<Omit<ChannelRequest, 'Kind'>>): Promise<Envelope<{ channel: Channel }>> {
    return this.raw('PATCH', `/api/v1/notifications/${idPath(id)}`, patch);
  }

  deleteChannel(id: number | string): Promise<Envelope<Record<string, never>>> {
    return this.raw('DELETE', `/api/v1/notifications/${idPath(id)}`);
  }

  /** Sends a test notification now and answers with its delivery. */
  testChannel(id: number | string): Promise<Envelope<{ delivery: Delivery }>> {
    return this.raw('POST', `/api/v1/notifications/${idPath(id)}/test`);
  }

  /** The channel's last 100 deliveries, newest first, each with its attempts. */
  listDeliveries(id: number | string): Promise<Envelope<{ deliveries: Delivery[] }>> {
    return this.raw('GET', `/api/v1/notifications/${idPath(id)}/deliveries`);
  }

  /**
   * Signed request; returns the parsed success envelope as sent. Throws WscApiError for error
   * envelopes and non-2xx responses. `uri` is path plus query, relative to the endpoint.
   */
  async raw<T = unknown>(method: string, uri: string, body?: unknown): Promise<Envelope<T>> {
    return this.envelopeOf<T>(await this.send(method, uri, body));
  }

  private envelopeOf<T>(res: HttpResult): Envelope<T> {
    const parsed = parseJson(res.body);
    if (res.status < 200 || res.status >= 300 || !parsed.ok || isApiErrorBody(parsed.value)) throw this.errorOf(res);
    const value = parsed.value as Partial<Envelope<T>> | null;
    if (typeof value !== 'object' || value === null || !('returnCode' in value)) {
      throw new WscApiError(`HTTP ${res.status}: response is not an API envelope`, res.status, null, undefined, value);
    }
    if (String(value.returnCode) !== '0') {
      const message = value.returnMessage || value.returnDesc || `returnCode ${String(value.returnCode)}`;
      throw new WscApiError(message, res.status, String(value.returnCode), undefined, value);
    }
    return value as Envelope<T>;
  }

  private errorOf(res: HttpResult): WscApiError {
    const parsed = parseJson(res.body);
    if (parsed.ok && isApiErrorBody(parsed.value)) {
      const e = parsed.value.error;
      return new WscApiError(e.message || `HTTP ${res.status}`, res.status, e.errorCode, e.details, parsed.value);
    }
    const text = res.body.toString('utf8');
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    return new WscApiError(
      snippet ? `HTTP ${res.status}: ${snippet}` : `HTTP ${res.status}`,
      res.status,
      null,
      undefined,
      parsed.ok ? parsed.value : text,
    );
  }

  private async send(method: string, uri: string, body?: unknown): Promise<HttpResult> {
    if (!uri.startsWith('/')) throw new TypeError(`uri must start with "/", got "${uri}"`);
    const basePath = this.base.pathname.replace(/\/+$/, '');
    // the gateway signs the path as it arrives, so a base path prefix is part of the signed URI
    const wireUri = basePath + uri;
    const url = this.base.origin + wireUri;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {
        accept: 'application/json',
        ...signatureHeaders(method, wireUri, this.accessKey, this.secretKey, this.now()),
      };
      if (payload !== undefined) headers['content-type'] = 'application/json';
      let res: Dispatcher.ResponseData;
      let buf: Buffer;
      const timeout = AbortSignal.timeout(this.timeoutMs);
      try {
        res = await request(url, {
          method: method as Dispatcher.HttpMethod,
          headers,
          body: payload,
          dispatcher: this.dispatcher,
          signal: this.signal ? AbortSignal.any([timeout, this.signal]) : timeout,
        });
        buf = Buffer.from(await res.body.arrayBuffer());
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const message = this.signal?.aborted
          ? `request to ${this.endpoint} aborted`
          : timeout.aborted
            ? `no answer from ${this.endpoint} within ${this.timeoutMs} ms`
            : `cannot reach ${this.endpoint}: ${reason}`;
        throw new WscConnectionError(message, this.endpoint, { cause: err });
      }
      if (res.statusCode === 429 && attempt < this.maxRetries && !this.signal?.aborted) {
        await new Promise((r) => setTimeout(r, retryDelayMs(headerValue(res.headers, 'retry-after'), attempt)));
        continue;
      }
      return { status: res.statusCode, headers: res.headers, body: buf };
    }
  }
}
