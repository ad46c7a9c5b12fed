import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { USER_AGENTS } from '../core/items.js';
import type { Finding } from '../core/model.js';
import { directoryListing } from '../checks/directory-listing.js';
import type { Check } from '../checks/types.js';
import { crawl } from './crawler.js';
import { buildCurl, boundResponse, parseRawRequest, runChecks, runEngine, shellQuote } from './engine.js';
import { ScanSession } from './session.js';
import { fingerprintSoft404 } from './soft404.js';
import { DEFAULT_LIMITS, type EngineJob } from './types.js';

const SECRET = 'auth=supersecretvalue123';
let tb: Testbed;

before(async () => {
  tb = await startTestbed({
    routes: [
      {
        method: 'GET',
        path: '/e2e/',
        handler: (_req, res) =>
          res.html('<a href="/dirlist/">a</a> <a href="/dirlist-safe/">b</a> <a href="/infodisc/">c</a> <a href="/infodisc-safe/">d</a>'),
      },
      {
        method: 'GET',
        path: '/slow-e2e/',
        handler: (_req, res) => res.html([1, 2, 3, 4, 5, 6].map((i) => `<a href="/slow-e2e/item?id=${i}">${i}</a>`).join(' ')),
      },
      {
        method: 'GET',
        path: '/slow-e2e/item',
        handler: async (req, res) => {
          await new Promise((r) => setTimeout(r, 150));
          res.html(`<p>item ${(req.query.get('id') ?? '').replace(/[<&]/g, '')}</p>`);
        },
      },
    ],
  });
});
after(async () => {
  await tb.close();
});

function job(over: Partial<EngineJob> = {}): EngineJob {
  return {
    startUrl: `${tb.url}/e2e/`,
    excludeUrls: [],
    headers: { Cookie: SECRET },
    userAgent: 'PC Chrome',
    speed: '3',
    items: ['Directory Listing', 'Information Disclosure', 'XSS'],
    limits: { requestTimeoutMs: 3000 },
    ...over,
  };
}

test('end to end: both checks find their pages, nothing on the safe twins, secrets redacted', async () => {
  const phases: string[] = [];
  const progress: number[] = [];
  const stored: Finding[] = [];
  let urlsSeen = 0;
  const result = await runEngine(
    job(),
    {
      onPhase: (p) => void phases.push(p),
      onUrls: (u) => void (urlsSeen = u.length),
      onScanProgress: (p) => void progress.push(p),
      onFinding: async (f) => {
        await new Promise((r) => setTimeout(r, 1));
        stored.push(f);
      },
    },
    new AbortController().signal,
  );
  assert.deepEqual(phases, ['crawl', 'scan']);
  assert.equal(urlsSeen, result.urls.length);
  assert.equal(result.stats.urls, result.urls.length);
  assert.ok(result.stats.requests > 30);
  assert.ok(result.stats.crawlMs >= 0 && result.stats.scanMs >= 0 && result.stats.durationMs >= result.stats.crawlMs);
  assert.deepEqual(stored, result.findings);
  assert.equal(progress.at(-1), 100);
  assert.deepEqual(progress, [...progress].sort((a, b) => a - b), 'progress only goes up');

  const paths = result.findings.map((f) => `${f.item}|${new URL(f.url).pathname}|${f.parameter ?? ''}`);
  assert.ok(paths.includes('Directory Listing|/dirlist/apache/files/|'));
  assert.ok(paths.includes('Information Disclosure|/infodisc/java/product|id[]'));
  assert.ok(paths.includes('Information Disclosure|/|Server'));
  assert.equal(new Set(paths).size, paths.length, 'de-duplicated');
  assert.deepEqual(result.findings.filter((f) => f.url.includes('-safe/')), []);

  const java = result.findings.find((f) => f.url.includes('/infodisc/java/'))!;
  assert.equal(java.title, 'Java stack trace disclosed');
  assert.equal(java.severity, 'medium');
  assert.equal(java.cwe, 209);
  assert.equal(java.check, 'information-disclosure');
  assert.match(java.curl, /^curl -g -i -s -k -H 'Referer: [^']+' -H 'Cookie: <redacted>' 'http:\/\/127\.0\.0\.1:\d+\/infodisc\/java\/product\?id\[\]=12'$/);
  const banner = result.findings.find((f) => f.parameter === 'Server')!;
  assert.equal(banner.severity, 'low');
  assert.equal(banner.cwe, 200);
  const dl = result.findings.find((f) => f.item === 'Directory Listing')!;
  assert.equal(dl.title, 'Directory listing enabled');
  assert.equal(dl.cwe, 548);
  for (const f of result.findings) {
    assert.ok(f.evidence.request.length <= 4096 + 64);
    assert.ok(f.evidence.response.length <= 1024 + 2048 + 200);
  }
  assert.doesNotMatch(JSON.stringify(result), /supersecretvalue123/);
});

test('an abort during the scan rejects with AbortError within 2 s', async () => {
  const controller = new AbortController();
  let abortedAt = 0;
  const run = runEngine(
    job(),
    {
      onFinding: () => {
        if (abortedAt === 0) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    },
    controller.signal,
  );
  await assert.rejects(run, (err: Error) => err.name === 'AbortError');
  assert.ok(abortedAt > 0);
  assert.ok(Date.now() - abortedAt < 2000, `stopped after ${Date.now() - abortedAt} ms`);
});

test('maxDurationMs ends the job early with limitReached, and it still completes', async () => {
  const phases: string[] = [];
  const result = await runEngine(
    job({ startUrl: `${tb.url}/slow-e2e/`, speed: '1', items: ['Information Disclosure'], limits: { maxDurationMs: 1200, requestTimeoutMs: 3000 } }),
    { onPhase: (p) => void phases.push(p) },
    new AbortController().signal,
  );
  assert.equal(result.limitReached, 'maxDurationMs');
  assert.deepEqual(phases, ['crawl', 'scan'], 'the deadline fell in the scan phase');
  assert.ok(result.urls.length >= 7);
  assert.ok(result.stats.durationMs < 2200, `took ${result.stats.durationMs} ms`);
});

test('a failing check is skipped, a greedy one is stopped at its budget, the others run', async () => {
  const controller = new AbortController();
  const limits = { ...DEFAULT_LIMITS, requestTimeoutMs: 3000 };
  const startUrl = `${tb.url}/dirlist/`;
  const session = new ScanSession({ startUrl, excludeUrls: [], headers: {}, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits, signal: controller.signal });
  try {
    const crawled = await crawl(session, { startUrl, limits, signal: controller.signal });
    const soft404 = await fingerprintSoft404(session, startUrl);
    const thrower: Check = {
      meta: { ...directoryListing.meta, id: 'test-thrower', item: 'XSS', requestBudget: 1 },
      async *run() {
        throw new Error('boom');
      },
    };
    const greedy: Check = {
      meta: { ...directoryListing.meta, id: 'test-greedy', item: 'SSRF', requestBudget: 2 },
      async *run(ctx) {
        for (;;) await ctx.send({ method: 'GET', url: startUrl });
      },
    };
    const logs: string[] = [];
    const out = await runChecks({
      session,
      checks: [thrower, greedy, directoryListing],
      requests: crawled.requests,
      pages: crawled.pages,
      soft404,
      startUrl,
      userAgent: USER_AGENTS['PC Chrome'],
      jobHeaders: {},
      signal: controller.signal,
      hooks: { log: (level, message) => void logs.push(`${level} ${message}`) },
    });
    const targets = Math.max(crawled.requests.length, crawled.pages.length);
    assert.equal(out.sentByCheck['test-greedy'], 2 * targets);
    assert.ok(logs.some((l) => l.startsWith('error check test-thrower failed')));
    assert.ok(logs.some((l) => l.startsWith('warn test-greedy spent its budget')));
    assert.equal(out.findings.filter((f) => f.item === 'Directory Listing').length, 7);
  } finally {
    controller.abort();
    await session.close();
  }
});

test('curl lines quote safely and never carry job header values', () => {
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote('a\nb'), `$'a\\nb'`);
  const parsed = parseRawRequest("POST /x?a=1 HTTP/1.1\r\nHost: h:1\r\nCookie: sid=1\r\nContent-Type: text/plain\r\n\r\nit's", 'http://h:1/x');
  assert.ok(parsed);
  assert.equal(
    buildCurl(parsed, ['Cookie', 'Authorization']),
    `curl -g -i -s -k -X 'POST' -H 'Cookie: <redacted>' -H 'Content-Type: text/plain' -H 'Authorization: <redacted>' --data-binary 'it'\\''s' 'http://h:1/x?a=1'`,
  );
  const nul = buildCurl({ method: 'POST', url: 'http://h/', headers: [], body: 'a\u0000b' }, []);
  assert.equal(nul, `printf '%b' 'a\\0000b' | curl -g -i -s -k -X 'POST' --data-binary @- 'http://h/'`);
  const big = 'HTTP/1.1 200 OK\r\nA: b\r\n\r\n' + 'x'.repeat(10_000) + 'PROOF' + 'y'.repeat(10_000);
  const bounded = boundResponse(big, 'PROOF\nmore');
  assert.match(bounded, /^HTTP\/1\.1 200 OK\r\nA: b\r\n\r\n\.\.\.\[/);
  assert.ok(bounded.includes('PROOF') && bounded.length < 2300);
});
