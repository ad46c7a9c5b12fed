// A small real HTTP server on 127.0.0.1 that speaks the NCP envelope protocol and verifies
// signature v2, so the SDK and CLI are tested over real sockets independently of src/api/.
// Jobs live in memory; it answers with NCP's mixed field types on purpose (strings for numbers).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STATUS_TEXT } from '../../src/core/status.js';
import { signRequest } from '../../src/sdk/sign.js';

export interface FakeJob {
  id: number;
  status: number;
  statusText: string;
  startUrl: string;
  memo: string;
  body: Record<string, unknown>;
}

export interface SeenRequest {
  method: string;
  uri: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface FakeApi {
  url: string;
  accessKey: string;
  secretKey: string;
  jobs: FakeJob[];
  seen: SeenRequest[];
  /** Responses to send before normal handling (e.g. a 429), consumed in order. */
  queued: { status: number; headers?: Record<string, string>; body: string }[];
  close(): Promise<void>;
}

// The status words come from the product's own table, so the double cannot drift from it.
const TEXT: Readonly<Record<number, string>> = STATUS_TEXT;

function ok(resources: unknown): string {
  return JSON.stringify({ returnCode: '0', returnDesc: 'Request Success', returnMessage: 'Success', resources });
}

function fail(errorCode: number | string, message: string, details?: unknown): string {
  return JSON.stringify({ error: details === undefined ? { errorCode, message } : { errorCode, message, details } });
}

function record(j: FakeJob): Record<string, unknown> {
  return {
    instanceNo: String(j.id),
    start_date: '2024-07-08 13:12:03',
    end_date: j.status === 4 ? '2024-07-08 13:15:10' : '',
    status: j.statusText,
    progress: null,
    start_url: j.startUrl,
    crawl_cnt: j.status === 4 ? '12' : '',
    scan_cnt: j.status === 4 ? 3 : null,
    memo: j.memo,
    result_button: j.status === 4 ? 'report' : 'cancel',
    result_desc: '',
    rescan_button: j.status === 4 ? 'possible' : '',
    slave_data: null,
  };
}

function page(rows: FakeJob[], limit: number, pageNo: number): unknown {
  const totalPages = Math.max(1, Math.ceil(rows.length / limit));
  const slice = rows.slice((pageNo - 1) * limit, pageNo * limit);
  return {
    total_cnt: rows.length,
    total_page_cnt: String(totalPages),
    current_start_page: '1',
    current_end_page: String(Math.min(totalPages, 10)),
    record_data: slice.length ? slice.map(record) : null,
  };
}

export async function startFakeApi(accessKey = 'FAKEACCESSKEY0000001', secretKey = 'fake-secret-key-0123456789abcdefghijklmn'): Promise<FakeApi> {
  const jobs: FakeJob[] = [];
  const seen: SeenRequest[] = [];
  const queued: FakeApi['queued'] = [];
  let nextId = 1000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const uri = req.url ?? '/';
    const method = req.method ?? 'GET';
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        // a malformed body is answered like NCP does below
        body = undefined;
      }
    }
    seen.push({ method, uri, headers: req.headers, body });
    const send = (status: number, payload: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
      res.end(payload);
    };
    const q = queued.shift();
    if (q) {
      res.writeHead(q.status, { 'content-type': 'application/json', ...q.headers });
      res.end(q.body);
      return;
    }
    const ts = String(req.headers['x-ncp-apigw-timestamp'] ?? '');
    const ak = String(req.headers['x-ncp-iam-access-key'] ?? '');
    const sig = String(req.headers['x-ncp-apigw-signature-v2'] ?? '');
    if (ak !== accessKey) return send(401, fail('200', 'Authentication Failed'));
    if (sig !== signRequest(method, uri, ts, accessKey, secretKey)) return send(401, fail('200', 'Authentication Failed', 'signature mismatch'));
    if (body === undefined) return send(400, fail(901, 'API Call Fail'));

    const u = new URL(uri, 'http://x');
    const path = u.pathname;
    if (method === 'PUT' && path === '/api/v1/job') {
      const b = body as Record<string, unknown>;
      if (!Array.isArray(b.VulnItems) || b.VulnItems.length === 0) return send(400, fail(160433, 'Param Value Not Define - VulnItems'));
      if (String(b.StartUrl).includes('forbidden')) return send(400, fail(160451, 'Assets_Check_Fail'));
      const job: FakeJob = { id: nextId++, status: 12, statusText: TEXT[12]!, startUrl: String(b.StartUrl), memo: String(b.Memo ?? ''), body: b };
      jobs.unshift(job);
      return send(200, ok(null), { 'x-wsc-instance-no': String(job.id) });
    }
    if (method === 'GET' && path === '/api/v1/jobs') {
      const limit = Number(u.searchParams.get('limit') ?? 10);
      const p = Number(u.searchParams.get('page') ?? 1);
      return send(200, ok(page(jobs, limit, p)));
    }
    if (method === 'POST' && path === '/api/v1/jobs/search') {
      const b = body as { searchType: string; searchKeyword: string; statusCode: number | null; limit: number; page: number };
      const kw = (b.searchKeyword ?? '').toLowerCase();
      const rows = jobs.filter(
        (j) =>
          (b.statusCode === null || j.status === b.statusCode) &&
          (b.searchType === 'url' ? j.startUrl.toLowerCase().includes(kw) : b.searchType === 'memo' ? j.memo.toLowerCase().includes(kw) : true),
      );
      if (rows.length === 0) {
        return send(200, ok({ total_cnt: 0, total_page_cnt: 0, current_start_page: 0, current_end_page: 0, record_data: null }));
      }
      return send(200, ok(page(rows, b.limit, b.page)));
    }
    const m = /^\/api\/v1\/jobs\/(\d+)\/(stop|cancel|report)$/.exec(path);
    if (m) {
      const job = jobs.find((j) => j.id === Number(m[1]));
      if (!job) return send(400, fail(901, 'API Call Fail'));
      if (m[2] === 'report' && method === 'GET') {
        if (job.status !== 4) return send(400, fail(901, 'API Call Fail'));
        const format = u.searchParams.get('format') ?? 'json';
        if (format === 'html') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(`<html><body>report ${job.id}</body></html>`);
          return;
        }
        return send(200, JSON.stringify({ version: 1, instanceNo: String(job.id), findings: [] }));
      }
      if (method !== 'PATCH') return send(404, fail(404, 'Not Found'));
      const allowed = m[2] === 'stop' ? [13, 14, 3] : [12, 2];
      if (!allowed.includes(job.status)) return send(400, fail(901, 'API Call Fail'));
      job.status = m[2] === 'stop' ? 93 : 91;
      job.statusText = TEXT[job.status]!;
      return send(200, ok(null));
    }
    if (method === 'POST' && path === '/api/v1/assets/verify') {
      const url = String((body as { url?: unknown }).url ?? '');
      return send(200, ok({ token: 'wsc-verify-abc123', url_to_place: `${url.replace(/\/$/, '')}/.well-known/wsc-verify-abc123.txt`, expires_at: '2030-01-01 00:00:00' }));
    }
    if (method === 'POST' && path === '/api/v1/assets/verify/check') {
      const url = String((body as { url?: unknown }).url ?? '');
      if (url.includes('unverified')) return send(400, fail(160452, 'Verification token not found'));
      return send(200, ok({ host: new URL(url).hostname, verified: true }));
    }
    if (method === 'GET' && path === '/api/v1/assets') {
      return send(200, ok({ assets: [{ kind: 'host', value: 'localhost', source: 'admin' }] }));
    }
    return send(404, fail(404, 'Not Found'));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accessKey,
    secretKey,
    jobs,
    seen,
    queued,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

export const FAKE_STATUS_TEXT = TEXT;
