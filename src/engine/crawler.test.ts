import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { USER_AGENTS } from '../core/items.js';
import { inlineExtractor, workerExtractor, type Extractor } from './crawl/extractor.js';
import { crawl, type CrawlResult } from './crawler.js';
import { ScanSession } from './session.js';
import { CrawlError, DEFAULT_LIMITS, type EngineLimits } from './types.js';

function session(tb: { url: string }, over: Partial<EngineLimits> = {}, headers: Record<string, string> = {}, excludeUrls: string[] = []) {
  const limits = { ...DEFAULT_LIMITS, requestTimeoutMs: 3000, ...over };
  const ac = new AbortController();
  const s = new ScanSession({ startUrl: tb.url + '/', excludeUrls, headers, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits, signal: ac.signal });
  return { s, limits, ac };
}

async function run(
  tb: Testbed,
  over: Partial<EngineLimits> = {},
  headers: Record<string, string> = {},
  excludeUrls: string[] = [],
  extractor: Extractor = inlineExtractor,
): Promise<CrawlResult & { session: ScanSession; progress: number[] }> {
  const { s, limits, ac } = session(tb, over, headers, excludeUrls);
  const progress: number[] = [];
  try {
    const r = await crawl(s, { startUrl: tb.url + '/', limits, signal: ac.signal, onProgress: (n) => progress.push(n), extractor });
    return { ...r, session: s, progress };
  } finally {
    await s.close();
  }
}

const paths = (r: CrawlResult, method = 'GET'): string[] =>
  r.requests.filter((q) => q.method === method).map((q) => new URL(q.url).pathname + new URL(q.url).search);

test('crawler finds links, forms, scripts, robots and sitemap URLs on the testbed', async () => {
  const tb = await startTestbed();
  try {
    const r = await run(tb, {}, { Cookie: 'auth=letmein' });
    const got = paths(r);
    for (const p of [
      '/',
      '/about',
      '/team',
      '/products?id=1',
      '/products?id=3&sort=asc',
      '/landing',
      '/refreshed',
      '/framed',
      '/framed2',
      '/area-target',
      '/alt-page',
      '/based/child',
      '/canonical-page',
      '/api/items?page=1',
      '/api/xhr-data?format=json',
      '/api/axios-list?limit=10',
      '/api/literal/config.json',
      '/api/onclick-target',
      '/hidden-robots/',
      '/robots-allowed.html',
      '/from-sitemap',
      '/from-sitemap-index?ref=map',
      '/private/inner',
      '/private/report?id=7',
    ]) {
      assert.ok(got.includes(p), `expected ${p} among ${got.join(' ')}`);
    }
    // one attack target per path + parameter names
    assert.equal(got.filter((p) => p.startsWith('/products?id=') && !p.includes('sort')).length, 1);
    const search = r.requests.find((q) => q.method === 'GET' && q.url.includes('/search?'));
    assert.ok(search, 'GET form submission');
    assert.equal(new URL(search.url).search, '?q=wsc&category=music&inc=yes&lang=ko');

    const contact = r.requests.find((q) => q.method === 'POST' && q.url.endsWith('/contact/send'));
    assert.ok(contact, 'POST form');
    assert.equal(contact.bodyKind, 'urlencoded');
    assert.deepEqual(
      contact.fields?.map((f) => [f.name, f.value]),
      [
        ['name', 'anon'],
        ['email', 'wsc@example.com'],
        ['csrf', 'abc123'],
        ['message', 'Hello & welcome'],
        ['topic', 'general'],
        ['send', 'Send'],
        ['urgency', 'low'],
      ],
    );
    const upload = r.requests.find((q) => q.method === 'POST' && q.url.endsWith('/upload/save'));
    assert.equal(upload?.bodyKind, 'multipart');
    assert.ok(upload?.fields?.some((f) => f.name === 'attachment' && f.filename !== undefined));
    const save = r.requests.find((q) => q.method === 'POST' && q.url.endsWith('/api/save'));
    assert.equal(save?.bodyKind, 'json');
    assert.deepEqual(Object.keys(JSON.parse(save?.rawBody ?? '{}') as object), ['title', 'done']);
    const axiosCreate = r.requests.find((q) => q.method === 'POST' && q.url.endsWith('/api/axios-create'));
    assert.deepEqual(Object.keys(JSON.parse(axiosCreate?.rawBody ?? '{}') as object), ['name', 'price']);

    // not followed: session-ending links (the job carries a Cookie), other origins, mailto
    assert.ok(!got.some((p) => p.startsWith('/logout') || p.startsWith('/account/remove') || p.startsWith('/private/logout')));
    assert.ok(!got.includes('/misc/action?do=1'), 'link text "Sign out" is recognised');
    assert.ok(!r.urls.some((u) => !u.url.startsWith(tb.url)));
    assert.ok(!tb.log.some((l) => l.url.startsWith('/logout')), 'the logout URL was never requested');
    // static resources are collected, not fetched
    assert.ok(r.urls.some((u) => u.url.endsWith('/docs/logo.png')));
    assert.ok(!tb.log.some((l) => l.url === '/docs/logo.png'));
    // traps are cut at maxVariantsPerPattern
    const limit = DEFAULT_LIMITS.maxVariantsPerPattern;
    assert.ok(tb.log.filter((l) => l.url.startsWith('/calendar')).length <= limit);
    assert.ok(tb.log.filter((l) => l.url.startsWith('/rel/')).length <= 3 * limit, 'a relative-link maze collapses into a few shapes');
    assert.ok(tb.log.filter((l) => l.url.startsWith('/session/')).length <= limit);
    // the site's own cookie was replayed, the job cookie sent everywhere, the UA set
    const inner = tb.log.find((l) => l.url === '/private/inner');
    assert.match(inner?.headers.cookie ?? '', /stage=two/);
    assert.match(inner?.headers.cookie ?? '', /auth=letmein/);
    assert.equal(inner?.headers['user-agent'], USER_AGENTS['PC Chrome']);
    // pages keep responses; a binary body is dropped
    assert.ok(r.pages.some((p) => p.request.url === tb.url + '/' && p.response.body.includes('Testbed home')));
    const binary = r.pages.find((p) => p.request.url === tb.url + '/binary');
    assert.equal(binary?.response.body, '', 'non-text bodies are not kept');
    assert.equal(binary?.response.bytes, 256);
    assert.equal(r.progress.at(-1), r.urls.length, 'progress counts collected URLs');
    // Some testbed pages fetch other testbed URLs server-side; count only what the crawler sent.
    assert.equal(r.session.requestCount(), tb.log.filter((l) => l.headers['user-agent'] === USER_AGENTS['PC Chrome']).length);
    assert.equal(r.limitReached, undefined);
  } finally {
    await tb.close();
  }
});

test('without session headers, logout links are followed; the members area stays closed', async () => {
  const tb = await startTestbed();
  try {
    const r = await run(tb);
    const got = paths(r);
    assert.ok(got.includes('/logout'));
    assert.ok(!got.includes('/private/inner'));
    assert.ok(got.includes('/login'));
  } finally {
    await tb.close();
  }
});

test('ExcludeUrl prefixes and wildcards keep URLs out of the crawl', async () => {
  const tb = await startTestbed();
  try {
    const r = await run(tb, {}, {}, [tb.url + '/products', '/api/*.json', tb.url + '/cal*']);
    const got = paths(r);
    assert.ok(!got.some((p) => p.startsWith('/products')));
    assert.ok(!got.includes('/api/literal/config.json'));
    assert.ok(got.includes('/api/items?page=1'));
    assert.ok(!tb.log.some((l) => l.url.startsWith('/products') || l.url.startsWith('/calendar')));
  } finally {
    await tb.close();
  }
});

test('limits hold: maxUrls, maxDepth, maxRequests', async () => {
  const tb = await startTestbed();
  try {
    const a = await run(tb, { maxUrls: 10 });
    assert.ok(a.requests.length <= 10, `requests ${a.requests.length}`);
    assert.equal(a.limitReached, 'maxUrls');

    const b = await run(tb, { maxDepth: 1 });
    assert.ok(b.requests.every((q) => q.depth <= 1));
    assert.ok(!paths(b).includes('/team'), '/team is two hops away');
    assert.ok(paths(b).includes('/about'));

    const before = tb.log.length;
    const c = await run(tb, { maxRequests: 15 });
    assert.equal(c.limitReached, 'maxRequests');
    assert.ok(c.session.requestCount() <= 15);
    assert.ok(tb.log.length - before <= 15);

    const d = await run(tb, { maxDepth: 100, maxVariantsPerPattern: 1000 });
    const chain = paths(d).filter((p) => p.startsWith('/chain/'));
    assert.ok(chain.includes('/chain/60'));
    const e = await run(tb, { maxDepth: 5, maxVariantsPerPattern: 1000 });
    const depthOf = Math.max(...paths(e).filter((p) => p.startsWith('/chain/')).map((p) => Number(p.slice(7))));
    assert.equal(depthOf, 5, 'home is depth 0, /chain/n is n hops away');
  } finally {
    await tb.close();
  }
});

test('maxDurationMs ends the crawl with limitReached', async () => {
  const tb = await startTestbed({
    routes: [{ path: '/', handler: (_req, res) => res.html('<a href="/slow?ms=3000">slow</a><a href="/slow?ms=2500&x=1">slow2</a>') }],
  });
  try {
    const t0 = Date.now();
    const r = await run(tb, { maxDurationMs: 600 });
    assert.equal(r.limitReached, 'maxDurationMs');
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  } finally {
    await tb.close();
  }
});

test('an unreachable StartUrl is a CrawlError; abort settles fast against a hanging site', async () => {
  const tb = await startTestbed();
  const url = tb.url;
  await tb.close();
  const { s, limits, ac } = session({ url });
  await assert.rejects(crawl(s, { startUrl: url + '/', limits, signal: ac.signal }), CrawlError);
  await s.close();

  const hang = await startTestbed({
    routes: [{ path: '/', handler: (_req, res) => res.html('<a href="/hang?1">1</a><a href="/hang?2">2</a><a href="/hang?3">3</a>') }],
  });
  try {
    const x = session(hang, { requestTimeoutMs: 60_000 });
    const p = crawl(x.s, { startUrl: hang.url + '/', limits: x.limits, signal: x.ac.signal });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    x.ac.abort();
    await assert.rejects(p, (e: Error) => e.name === 'AbortError');
    assert.ok(Date.now() - t0 < 2000);
    await x.s.close();
  } finally {
    await hang.close();
  }
});

test('pages read in an extraction thread give the same crawl as pages read inline', async () => {
  const tb = await startTestbed();
  try {
    // Which variants of a trap pattern fill its quota depends on the order pages are read in,
    // which threads change: the relative-link maze (/rel/) is compared by size, the rest exactly.
    // The session-id trap mints a random id per visit, so its URLs are compared by shape.
    const maze = (r: CrawlResult) => r.requests.filter((q) => new URL(q.url).pathname.startsWith('/rel/'));
    const key = (r: CrawlResult): string[] =>
      r.requests
        .filter((q) => !new URL(q.url).pathname.startsWith('/rel/'))
        .map((q) => `${q.method} ${q.url.replace(/\/[0-9a-f]{32}\//, '/{sid}/')} ${(q.fields ?? []).map((f) => f.name).join(',')}`)
        .sort();
    const inline = await run(tb, {}, { Cookie: 'auth=letmein' });
    const threaded = await run(tb, {}, { Cookie: 'auth=letmein' }, [], workerExtractor(1, 0));
    assert.ok(inline.requests.length > 30);
    assert.deepEqual(key(threaded), key(inline));
    assert.ok(maze(inline).length > 0);
    assert.ok(Math.abs(maze(threaded).length - maze(inline).length) <= maze(inline).length / 2, `${maze(threaded).length} vs ${maze(inline).length}`);
  } finally {
    await tb.close();
  }
});

/** a, b, ..., z, ba, bb...: page names without digits (digits would be generalised as record ids). */
function letters(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

test('code paths: 40 index.php?page= pages with their own forms are 40 targets; a catalogue of 5000 ids of one template is one, cut as a trap', async () => {
  const names = Array.from({ length: 40 }, (_, i) => letters(i + 1));
  const nav = names.map((n) => `<a href="/cp/index.php?page=${n}.php">${n}</a>`).join(' ');
  const tb = await startTestbed({
    routes: [
      { method: 'GET', path: '/', handler: (_req, res) => res.html(`${nav} <a href="/cp/catalogue">catalogue</a>`) },
      {
        method: 'GET',
        path: '/cp/index.php',
        handler: (req, res) => {
          const page = (req.query.get('page') ?? '').replace(/\.php$/, '');
          if (!names.includes(page)) return res.html(`<p>home</p>${nav}`);
          // Each page's own form, and one every page has (same field, action on its own page).
          res.html(`<h1>${page}</h1>${nav}
<form method="post" action="index.php?page=${page}.php"><input name="field_${page}"><input type="submit"></form>
<form method="post" action="index.php?page=${page}.php"><textarea name="comment"></textarea></form>`);
        },
      },
      {
        method: 'GET',
        path: '/cp/catalogue',
        handler: (_req, res) => res.html(Array.from({ length: 5000 }, (_, i) => `<a href="/cp/item?id=${i + 1}">item ${i + 1}</a>`).join('\n')),
      },
      {
        method: 'GET',
        path: '/cp/item',
        handler: (req, res) => {
          const id = Number(req.query.get('id'));
          res.html(`<h1>Item ${id}</h1><p>Description of item ${id}, price ${id * 3}</p>
<form method="post" action="/cp/cart?item=${id}"><input type="hidden" name="id" value="${id}"><input name="qty" value="1"></form>
<a href="/cp/item?id=${id + 1}">next</a>`);
        },
      },
    ],
  });
  try {
    const limit = DEFAULT_LIMITS.maxVariantsPerPattern;
    const r = await run(tb, {}, {}, [], inlineExtractor);
    const got = paths(r);
    for (const n of names) {
      assert.ok(got.includes(`/cp/index.php?page=${n}.php`), `page=${n}.php is a target`);
      assert.ok(tb.log.some((l) => l.url === `/cp/index.php?page=${n}.php`), `page=${n}.php was fetched`);
      assert.equal(paths(r, 'POST').filter((p) => p === `/cp/index.php?page=${n}.php`).length, 2, `both of page ${n}'s forms are targets`);
    }
    assert.deepEqual([...(r.codePaths.get(tb.url + '/cp/index.php')?.keys() ?? [])], ['page'], '`page` chooses the code path');
    assert.equal(r.codePaths.get(tb.url + '/cp/index.php')?.get('page')?.size, 40);

    assert.equal(got.filter((p) => p.startsWith('/cp/item?')).length, 1, 'the catalogue is one target');
    assert.equal(paths(r, 'POST').filter((p) => p.startsWith('/cp/cart')).length, 1, 'its cart form too');
    const items = tb.log.filter((l) => l.url.startsWith('/cp/item?')).length;
    assert.ok(items <= limit, `catalogue pages fetched: ${items}`);
    assert.ok(!r.codePaths.has(tb.url + '/cp/item'));
    assert.equal(r.limitReached, undefined);

    // Without structure to tell them apart, the trap quota cuts index.php as before.
    const one = await run(tb, { maxVariantsPerPattern: 5 }, {}, [], workerExtractor(1, 0));
    assert.equal(paths(one).filter((p) => p.startsWith('/cp/index.php?')).length, 40, 'the same through an extraction thread, past a quota of 5');
  } finally {
    await tb.close();
  }
});

test('code paths: pages of one template stay one target however they are reached, and the quota holds', async () => {
  // 60 values of `view` on one template (the text differs, the forms do not): a trap, cut at the quota.
  const tb = await startTestbed({
    routes: [
      { method: 'GET', path: '/', handler: (_req, res) => res.html(Array.from({ length: 60 }, (_, i) => `<a href="/cp/show?view=${letters(i)}">${i}</a>`).join(' ')) },
      {
        method: 'GET',
        path: '/cp/show',
        handler: (req, res) => res.html(`<p>${req.query.get('view') ?? ''} text of its own</p><form action="/cp/show"><input name="view"><input name="go"></form>`),
      },
    ],
  });
  try {
    const r = await run(tb, { maxVariantsPerPattern: 10 });
    assert.equal(paths(r).filter((p) => p.startsWith('/cp/show?view=') && !p.includes('go')).length, 1);
    assert.ok(tb.log.filter((l) => l.url.startsWith('/cp/show?view=') && !l.url.includes('go')).length <= 10);
    assert.equal(r.codePaths.size, 0);
  } finally {
    await tb.close();
  }
});
