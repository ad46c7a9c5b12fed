import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { startTestbed, type Route, type TestbedRequest, type TestbedResponse, type Testbed } from '../../test/testbed/server.js';
import { runCheckOn } from '../../test/testbed/check-harness.js';
import { USER_AGENTS } from '../core/items.js';
import type { CrawledRequest, Finding } from '../core/model.js';
import { sqlInjection } from '../checks/sql-injection.js';
import { xss } from '../checks/xss.js';
import { crawl } from './crawler.js';
import { readPage } from './csrf.js';
import { runChecks, type ScanOutput } from './engine.js';
import { ScanSession } from './session.js';
import { fingerprintSoft404 } from './soft404.js';
import { DEFAULT_LIMITS } from './types.js';

// A site whose forms and script calls only work with a valid anti-CSRF token, each bound to a
// session (cookie "sid"): tokens are handed out per page load.
const db = new Database(':memory:');
db.exec(`CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO people (name) VALUES ('ann'), ('bob');`);
const issued = new Map<string, Set<string>>();
/** Every token the site ever handed out, and what became of the single-use form's submissions. */
const everIssued = new Set<string>();
const submitted = { accepted: 0, spent: [] as string[] };

function session(req: TestbedRequest, res: TestbedResponse): Set<string> {
  let sid = req.cookies.sid;
  if (sid === undefined || !issued.has(sid)) {
    sid = randomBytes(8).toString('hex');
    issued.set(sid, new Set());
    res.setHeader('set-cookie', `sid=${sid}; Path=/`);
  }
  return issued.get(sid) as Set<string>;
}

function newToken(tokens: Set<string>): string {
  const t = randomBytes(16).toString('base64url');
  tokens.add(t);
  everIssued.add(t);
  return t;
}

const page = (body: string, head = ''): string => `<!doctype html><html><head><title>t</title>${head}</head><body>${body}</body></html>`;
const refused = (res: TestbedResponse): void => res.html(page('<h1>Forbidden</h1><p>Invalid CSRF token.</p>'), 403);

const routes: Route[] = [
  {
    method: 'GET',
    path: '/csrf-t/',
    handler: (_req, res) =>
      res.html(page(['form', 'multi', 'app', 'dsc', 'broken', 'plain'].map((p) => `<a href="/csrf-t/${p}">${p}</a>`).join(' '))),
  },
  // single-use, rotating hidden token; q is reflected unescaped once the token is accepted
  {
    method: 'GET',
    path: '/csrf-t/form',
    handler: (req, res) => {
      const t = newToken(session(req, res));
      res.html(page(`<form method="post" action="/csrf-t/submit"><input type="hidden" name="csrf_token" value="${t}"><input name="q" value="hello"><input type="submit" name="go" value="Go"></form>`));
    },
  },
  {
    method: 'POST',
    path: '/csrf-t/submit',
    handler: (req, res) => {
      const form = req.form();
      // an attack on the session cookie itself brings no session its token could belong to
      const known = issued.has(req.cookies.sid ?? '');
      const tokens = session(req, res);
      const t = form.get('csrf_token') ?? '';
      if (!tokens.delete(t)) {
        if (known && everIssued.has(t)) submitted.spent.push(t);
        return refused(res);
      }
      submitted.accepted++;
      res.html(page(`<p>You searched for ${form.get('q') ?? ''}</p>`));
    },
  },
  // the same, multipart
  {
    method: 'GET',
    path: '/csrf-t/multi',
    handler: (req, res) => {
      const t = newToken(session(req, res));
      res.html(page(`<form method="post" enctype="multipart/form-data" action="/csrf-t/multi-submit"><input name="title" value="x"><input type="hidden" name="authenticity_token" value="${t}"></form>`));
    },
  },
  {
    method: 'POST',
    path: '/csrf-t/multi-submit',
    handler: (req, res) => {
      const part = (name: string): string => new RegExp(`name="${name}"\\r\\n\\r\\n([\\s\\S]*?)\\r\\n--`).exec(req.text())?.[1] ?? '';
      if (!session(req, res).delete(part('authenticity_token'))) return refused(res);
      res.html(page(`<h2>${part('title')}</h2>`));
    },
  },
  // a meta token, new on every load and reusable (as Rails masks them), echoed in X-CSRF-Token
  {
    method: 'GET',
    path: '/csrf-t/app',
    handler: (req, res) => {
      const t = newToken(session(req, res));
      res.html(
        page(
          `<script>function find(n) { return fetch('/csrf-t/api/find', { method: 'POST', headers: { 'X-CSRF-Token': document.querySelector('meta[name=csrf-token]').content }, body: JSON.stringify({ name: n }) }); }</script>`,
          `<meta name="csrf-token" content="${t}">`,
        ),
      );
    },
  },
  {
    method: 'POST',
    path: '/csrf-t/api/find',
    handler: (req, res) => {
      if (!session(req, res).has(String(req.headers['x-csrf-token'] ?? ''))) return res.json({ error: 'CSRF token mismatch' }, 403);
      let name = '';
      try {
        name = String((JSON.parse(req.text()) as { name?: unknown }).name ?? '');
      } catch {
        return res.json({ error: 'bad json' }, 400);
      }
      try {
        res.json({ people: db.prepare(`SELECT id, name FROM people WHERE name = '${name}'`).all() });
      } catch (err) {
        res.json({ error: `SQLITE_ERROR: ${(err as Error).message}` }, 500);
      }
    },
  },
  // double-submit cookie: XSRF-TOKEN must come back in X-XSRF-TOKEN
  {
    method: 'GET',
    path: '/csrf-t/dsc',
    handler: (req, res) => {
      if (req.cookies['XSRF-TOKEN'] === undefined) res.setHeader('set-cookie', `XSRF-TOKEN=${randomBytes(12).toString('hex')}; Path=/`);
      res.html(page(`<script>function greet(n) { return fetch('/csrf-t/dsc/api', { method: 'POST', body: JSON.stringify({ name: n }) }); }</script>`));
    },
  },
  {
    method: 'POST',
    path: '/csrf-t/dsc/api',
    handler: (req, res) => {
      const cookie = req.cookies['XSRF-TOKEN'];
      if (cookie === undefined || req.headers['x-xsrf-token'] !== cookie) return refused(res);
      let name = '';
      try {
        name = String((JSON.parse(req.text()) as { name?: unknown }).name ?? '');
      } catch {
        return res.json({ error: 'bad json' }, 400);
      }
      res.html(page(`<p>Hello ${name}</p>`));
    },
  },
  // the page's script reverses the token before submitting: a value we cannot produce
  {
    method: 'GET',
    path: '/csrf-t/broken',
    handler: (req, res) => {
      const t = newToken(session(req, res));
      res.html(page(`<form method="post" action="/csrf-t/broken-submit" onsubmit="this.csrf_token.value = this.csrf_token.value.split('').reverse().join('')"><input type="hidden" name="csrf_token" value="${t}"><input name="comment" value=""></form>`));
    },
  },
  {
    method: 'POST',
    path: '/csrf-t/broken-submit',
    handler: (req, res) => {
      const t = (req.form().get('csrf_token') ?? '').split('').reverse().join('');
      if (!session(req, res).delete(t)) return refused(res);
      res.html(page(`<p>Thanks for ${req.form().get('comment') ?? ''}</p>`));
    },
  },
  // no hidden input: nothing to detect, no request spent on it
  {
    method: 'GET',
    path: '/csrf-t/plain',
    handler: (_req, res) => res.html(page(`<form method="post" action="/csrf-t/plain-submit"><input name="word" value="x"></form>`)),
  },
  {
    method: 'POST',
    path: '/csrf-t/plain-submit',
    handler: (req, res) => res.html(page(`<p>${(req.form().get('word') ?? '').replace(/[<>&"']/g, '')}</p>`)),
  },
];

let tb: Testbed;
before(async () => {
  tb = await startTestbed({ routes });
});
after(async () => {
  await tb.close();
});

interface EngineRun {
  out: ScanOutput;
  logs: { level: string; message: string; data?: Record<string, unknown> }[];
  total: number;
  beforeScan: number;
  requests: CrawledRequest[];
}

async function throughEngine(): Promise<EngineRun> {
  const startUrl = `${tb.url}/csrf-t/`;
  const controller = new AbortController();
  const userAgent = USER_AGENTS['PC Chrome'];
  const session = new ScanSession({
    startUrl,
    excludeUrls: [],
    headers: {},
    userAgent,
    speed: '3',
    limits: { ...DEFAULT_LIMITS, maxDurationMs: 60_000, requestTimeoutMs: 3_000 },
    signal: controller.signal,
  });
  const logs: EngineRun['logs'] = [];
  try {
    const crawled = await crawl(session, { startUrl, limits: session.limits, signal: controller.signal });
    const soft404 = await fingerprintSoft404(session, startUrl);
    const beforeScan = session.requestCount();
    const out = await runChecks({
      session,
      checks: [xss, sqlInjection],
      requests: crawled.requests,
      pages: crawled.pages,
      soft404,
      startUrl,
      userAgent,
      jobHeaders: {},
      signal: controller.signal,
      hooks: { log: (level, message, data) => logs.push({ level, message, ...(data ? { data } : {}) }) },
    });
    return { out, logs, total: session.requestCount(), beforeScan, requests: crawled.requests };
  } finally {
    controller.abort();
    await session.close();
  }
}

const at = (findings: readonly Pick<Finding, 'url' | 'parameter' | 'item'>[], path: string, item: string): boolean =>
  findings.some((f) => new URL(f.url).pathname === path && f.item === item);

test('the engine reaches flaws behind rotating, single-use, meta-header and double-submit tokens; counts and bounds what it costs', async () => {
  const run = await throughEngine();
  const { out, logs } = run;
  assert.ok(at(out.findings, '/csrf-t/submit', 'XSS'), 'XSS behind a single-use hidden token');
  assert.equal(out.findings.find((f) => new URL(f.url).pathname === '/csrf-t/submit')?.parameter, 'q');
  assert.ok(at(out.findings, '/csrf-t/multi-submit', 'XSS'), 'XSS behind a single-use token in a multipart form');
  assert.ok(at(out.findings, '/csrf-t/api/find', 'SQL Injection'), 'SQL injection behind a meta token echoed in X-CSRF-Token');
  assert.ok(at(out.findings, '/csrf-t/dsc/api', 'XSS'), 'XSS behind a double-submit cookie');
  assert.ok(!at(out.findings, '/csrf-t/broken-submit', 'XSS'), 'nothing behind the refused token');

  // five token targets: the single-use forms, the meta-token API, the double-submit API, the broken form
  assert.equal(out.tokens.forms, 5);
  assert.equal(out.tokens.rejected, 1);
  const warn = logs.find((l) => l.level === 'warn' && l.message.startsWith('anti-CSRF token refused'));
  assert.ok(warn, 'the refused form is logged');
  assert.match(String(warn.data?.page), /\/csrf-t\/broken$/);
  const found = logs.filter((l) => l.message === 'anti-CSRF token found').map((l) => [String(l.data?.target).replace(tb.url, ''), l.data?.refreshEachSubmission]);
  assert.deepEqual(new Map(found as [string, boolean][]), new Map([
    ['POST /csrf-t/submit', true],
    ['POST /csrf-t/multi-submit', true],
    ['POST /csrf-t/api/find', false],
    ['POST /csrf-t/dsc/api', false],
    ['POST /csrf-t/broken-submit', false],
  ]));

  // The single-use form is re-fetched before each submission: the only spent token it ever saw
  // back is the validation's deliberate reuse, beside the crawled one, which attacks on the token
  // field itself carry as the check built them.
  const scanLog = tb.log.filter((e) => e.url.startsWith('/csrf-t/'));
  const posts = (path: string): number => scanLog.filter((e) => e.method === 'POST' && e.url === path).length;
  const crawledToken = run.requests.find((r) => r.url.endsWith('/csrf-t/submit'))?.fields?.find((f) => f.name === 'csrf_token')?.value;
  assert.ok(crawledToken, 'the crawl saw the form');
  assert.equal(submitted.spent.filter((t) => t !== crawledToken).length, 1);
  assert.ok(submitted.accepted > 20, `accepted: ${submitted.accepted}`);
  // at most one load per check submission to a token target (the form's, and the others' when an
  // attack on the session cookie made the site start a new session)
  const checkSubmissions = posts('/csrf-t/submit') + posts('/csrf-t/multi-submit') + posts('/csrf-t/api/find') + posts('/csrf-t/dsc/api') + posts('/csrf-t/broken-submit') - 4 * 3 - 2;
  assert.ok(out.tokens.refreshes >= posts('/csrf-t/submit') - 3 - 2 * 5, `refreshes ${out.tokens.refreshes}`);
  assert.ok(out.tokens.refreshes <= checkSubmissions, `refreshes ${out.tokens.refreshes} for ${checkSubmissions} submissions`);
  // fixed cost: a second load of each page with a token form or meta tag (4), 3 validation
  // submissions for each page-sourced token (4 targets), 2 for the cookie-only one
  assert.equal(out.tokens.requests, 4 + 4 * 3 + 2 + out.tokens.refreshes);
  // the token handling is not charged to the checks, and every request is accounted for
  const checkRequests = (out.sentByCheck.xss ?? 0) + (out.sentByCheck['sql-injection'] ?? 0);
  assert.equal(run.total - run.beforeScan, checkRequests + out.tokens.requests);
  // the form without a hidden input cost nothing: beside the checks' attacks on the page itself
  // (which carry the crawl's Referer), only xss' stored-XSS revisit loaded it
  const plainLoads = scanLog.filter((e) => e.method === 'GET' && e.url === '/csrf-t/plain' && e.headers.referer === undefined).length;
  assert.ok(plainLoads <= 1, `plain page loads: ${plainLoads}`);
});

test('without the engine, the same checks are stopped by the tokens', async () => {
  const startUrl = `${tb.url}/csrf-t/`;
  const x = await runCheckOn(xss, startUrl);
  assert.ok(!x.findings.some((f) => new URL(f.url).pathname === '/csrf-t/submit'), 'XSS behind the single-use token, without refresh');
  assert.ok(!x.findings.some((f) => new URL(f.url).pathname === '/csrf-t/multi-submit'), 'multipart XSS, without refresh');
  assert.ok(!x.findings.some((f) => new URL(f.url).pathname === '/csrf-t/dsc/api'), 'XSS behind the double-submit cookie, without echo');
  const s = await runCheckOn(sqlInjection, startUrl);
  assert.ok(!s.findings.some((f) => new URL(f.url).pathname === '/csrf-t/api/find'), 'SQL injection behind the meta token, without header');
  // the crawl did find those targets: it is the token that stops the attacks
  for (const p of ['/csrf-t/submit', '/csrf-t/api/find', '/csrf-t/dsc/api']) assert.ok(x.requests.some((r) => new URL(r.url).pathname === p), p);
});

test('readPage reads forms with input types, meta tags and a mentioned CSRF header', () => {
  const p = readPage(
    `<base href="/app/"><meta name="CSRF-Token" content="abc"><form action="post?x=1" method=POST><input type=HIDDEN name=_token value="t&amp;1"><input name=q disabled><input name=v></form><script>h['X-XSRF-TOKEN']=1</script>`,
    'http://h/a/b',
  );
  assert.equal(p.metas.get('csrf-token'), 'abc');
  assert.equal(p.headerName, 'X-XSRF-TOKEN');
  assert.deepEqual(p.forms, [{ action: 'http://h/app/post?x=1', method: 'POST', inputs: [{ name: '_token', type: 'hidden', value: 't&1' }, { name: 'v', type: 'text', value: '' }] }]);
});
