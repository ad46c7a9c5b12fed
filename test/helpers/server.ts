// Starts the real server (store, runner, API) on 127.0.0.1:0 in a temp data dir, and signs requests
// the way NCP's samples do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { Config } from '../../src/core/config.js';
import type { Logger } from '../../src/core/log.js';
import { signatureV2 } from '../../src/core/signature.js';
import type { Clock } from '../../src/core/time.js';
import type { EngineFn } from '../../src/jobs/runner.js';
import { issueKey } from '../../src/jobs/keys.js';
import { startServer, type RunningServer } from '../../src/server.js';
import type { TxtResolver } from '../../src/jobs/verify-asset.js';

export interface Key {
  accessKey: string;
  secretKey: string;
}

export interface TestServer {
  server: RunningServer;
  url: string;
  admin: Key;
  dataDir: string;
  call(method: string, uri: string, body?: unknown, key?: Key, extraHeaders?: Record<string, string>): Promise<Reply>;
  /** A new account with one key and the given assets. */
  account(name: string, assets?: string[]): Promise<Key & { accountId: number }>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export function signedHeaders(method: string, uri: string, key: Key, ts = String(Date.now())): Record<string, string> {
  return {
    'x-ncp-apigw-timestamp': ts,
    'x-ncp-iam-access-key': key.accessKey,
    'x-ncp-apigw-signature-v2': signatureV2(method, uri, ts, key.accessKey, key.secretKey),
  };
}

export async function send(url: string, method: string, uri: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const res = await request(url + uri, { method: method as 'GET', headers, body });
  const text = await res.body.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

export async function startTestServer(
  opts: {
    config?: Partial<Config>;
    env?: NodeJS.ProcessEnv;
    clock?: Clock;
    engine?: EngineFn;
    databaseUrl?: string;
    logger?: Logger;
    txtResolver?: TxtResolver;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wsc-test-'));
  const env: NodeJS.ProcessEnv = { WSC_LOG_LEVEL: process.env.WSC_TEST_LOG_LEVEL ?? 'silent', ...opts.env };
  if (opts.databaseUrl) env.WSC_DATABASE_URL = opts.databaseUrl;
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    env,
    config: { rateLimitPerKey: 0, rateLimitPerAddress: 0, ...opts.config },
    banner: false,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.engine ? { engine: opts.engine } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.txtResolver ? { txtResolver: opts.txtResolver } : {}),
  });
  if (!server.adminCredentials) throw new Error('expected a fresh store');
  const admin = { accessKey: server.adminCredentials.accessKey, secretKey: server.adminCredentials.secretKey };
  const url = server.url;
  return {
    server,
    url,
    admin,
    dataDir,
    call(method, uri, body, key = admin, extraHeaders = {}) {
      const headers: Record<string, string> = { ...signedHeaders(method, uri, key), ...extraHeaders };
      let payload: string | undefined;
      if (body !== undefined) {
        headers['content-type'] ??= 'application/json';
        payload = typeof body === 'string' ? body : JSON.stringify(body);
      }
      return send(url, method, uri, headers, payload);
    },
    async account(name, assets = []) {
      const acc = await server.store.createAccount(name);
      for (const a of assets) {
        await server.store.addAsset(acc.id, a.includes('://') ? 'origin' : a.includes('/') ? 'cidr' : 'host', a, 'admin');
      }
      const key = await issueKey(server.store, server.sealer, acc.id);
      return { ...key, accountId: acc.id };
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A clock the test moves by hand. */
export function movableClock(start = Date.now()): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
    set(ms) {
      now = ms;
    },
  };
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
