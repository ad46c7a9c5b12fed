// Runs one check through the engine's own runChecks (not a test double of the check context), so
// the raw-socket and TLS probe capabilities, their scope rules and budget counting are the real
// ones. The crawl, soft-404 fingerprint and session are the real ones too.
import { USER_AGENTS } from '../../src/core/items.js';
import type { CrawledRequest, Finding } from '../../src/core/model.js';
import type { Check, CrawledPage } from '../../src/checks/types.js';
import { crawl } from '../../src/engine/crawler.js';
import { runChecks } from '../../src/engine/engine.js';
import { ScanSession } from '../../src/engine/session.js';
import { fingerprintSoft404 } from '../../src/engine/soft404.js';
import { DEFAULT_LIMITS } from '../../src/engine/types.js';

export interface EngineCheckRun {
  findings: Finding[];
  /** Requests, raw connections and TLS handshakes the check made (the engine's count). */
  sent: number;
  requests: CrawledRequest[];
  pages: CrawledPage[];
  logs: { level: string; message: string; data?: Record<string, unknown> }[];
}

export interface EngineCheckOptions {
  /** CA certificates (PEM) the TLS probes trust beside Node's roots. */
  trustedCa?: string[];
}

export async function runCheckThroughEngine(check: Check, startUrl: string, opts: EngineCheckOptions = {}): Promise<EngineCheckRun> {
  const controller = new AbortController();
  const userAgent = USER_AGENTS['PC Chrome'];
  const logs: EngineCheckRun['logs'] = [];
  const session = new ScanSession({
    startUrl,
    excludeUrls: [],
    headers: {},
    userAgent,
    speed: '3',
    limits: { ...DEFAULT_LIMITS, maxDurationMs: 20_000, requestTimeoutMs: 3_000 },
    signal: controller.signal,
  });
  try {
    const crawled = await crawl(session, { startUrl, limits: session.limits, signal: controller.signal });
    const soft404 = await fingerprintSoft404(session, startUrl);
    const out = await runChecks({
      session,
      checks: [check],
      requests: crawled.requests,
      pages: crawled.pages,
      soft404,
      startUrl,
      userAgent,
      jobHeaders: {},
      signal: controller.signal,
      hooks: { log: (level, message, data) => logs.push({ level, message, ...(data ? { data } : {}) }) },
      ...(opts.trustedCa ? { trustedCa: opts.trustedCa } : {}),
    });
    return { findings: out.findings, sent: out.sentByCheck[check.meta.id] ?? 0, requests: crawled.requests, pages: crawled.pages, logs };
  } finally {
    controller.abort();
    await session.close();
  }
}
