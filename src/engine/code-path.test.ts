import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { USER_AGENTS } from '../core/items.js';
import { findingKey, type CrawledRequest, type Finding } from '../core/model.js';
import { checksFor } from '../checks/registry.js';
import { diffFindings } from '../report/diff.js';
import { codePathOf, learnCodePath, pageStructure, type CodePaths } from './crawl/structure.js';
import { pageLinks } from './crawl/page-links.js';
import { crawl } from './crawler.js';
import { runChecks, runEngine } from './engine.js';
import { ScanSession } from './session.js';
import { fingerprintSoft404 } from './soft404.js';
import { DEFAULT_LIMITS } from './types.js';

// A site where index.php?page= chooses the page (each with a form of its own) and item?id= is a
// catalogue of one template; `q` is reflected unescaped everywhere.
const reflect = (q: string | null): string => (q === null ? '' : `<p>You searched for ${q}</p>`);
let tb: Testbed;

before(async () => {
  tb = await startTestbed({
    routes: [
      // the testbed's own robots.txt and sitemap would lead the crawl all over the site
      { method: 'GET', path: '/robots.txt', handler: (_req, res) => res.text('', 404) },
      { method: 'GET', path: '/sitemap.xml', handler: (_req, res) => res.text('', 404) },
      {
        method: 'GET',
        path: '/cp/',
        handler: (_req, res) => res.html('<a href="/cp/index.php?page=a">a</a> <a href="/cp/index.php?page=b">b</a> <a href="/cp/list">catalogue</a>'),
      },
      {
        method: 'GET',
        path: '/cp/index.php',
        handler: (req, res) => {
          const page = req.query.get('page') === 'b' ? 'b' : 'a';
          const own = page === 'a' ? '<form method="post" action="index.php?page=a"><input name="username"><input type="password" name="password"></form>' : '<form method="post" action="index.php?page=b"><input name="hostname"></form>';
          res.html(`<h1>${page}</h1>${own}<form action="index.php"><input type="hidden" name="page" value="${page}"><input name="q"></form>${reflect(req.query.get('q'))}`);
        },
      },
      { method: 'GET', path: '/cp/list', handler: (_req, res) => res.html(Array.from({ length: 200 }, (_, i) => `<a href="/cp/item?id=${i + 1}">${i + 1}</a>`).join(' ')) },
      {
        method: 'GET',
        path: '/cp/item',
        handler: (req, res) => {
          const id = (req.query.get('id') ?? '').replace(/\D/g, '');
          res.html(`<h1>Item ${id}</h1><form action="item"><input type="hidden" name="id" value="${id}"><input name="q"></form>${reflect(req.query.get('q'))}`);
        },
      },
    ],
  });
});
after(async () => {
  await tb.close();
});

const onPath = (fs: Finding[], path: string): Finding[] => fs.filter((f) => f.item === 'XSS' && new URL(f.url).pathname === path && f.parameter === 'q');

test('a parameter vulnerable on two code paths of one path is two findings; on 200 catalogue ids, one', async () => {
  const result = await runEngine(
    { startUrl: `${tb.url}/cp/`, excludeUrls: [], headers: {}, userAgent: 'PC Chrome', speed: '3', items: ['XSS'], limits: { requestTimeoutMs: 3000 } },
    {},
    new AbortController().signal,
  );
  const index = onPath(result.findings, '/cp/index.php');
  assert.deepEqual(index.map((f) => f.codePath).sort(), ['page=a', 'page=b']);
  assert.equal(new Set(index.map(findingKey)).size, 2);
  const item = onPath(result.findings, '/cp/item');
  assert.equal(item.length, 1);
  assert.equal(item[0]?.codePath, undefined, 'a catalogue id is no code path');

  // The re-diagnosis diff tells the two code paths apart too.
  const diff = diffFindings('1', index.slice(0, 1), index);
  assert.deepEqual(diff.counts, { fixed: 0, 'still present': 1, new: 1 });
});

test('the same finding on 200 catalogue targets is one: findings keyed by what the crawl learned', async () => {
  const limits = { ...DEFAULT_LIMITS, requestTimeoutMs: 3000 };
  const ac = new AbortController();
  const startUrl = `${tb.url}/cp/`;
  const session = new ScanSession({ startUrl, excludeUrls: [], headers: {}, userAgent: USER_AGENTS['PC Chrome'], speed: '3', limits, signal: ac.signal });
  try {
    const crawled = await crawl(session, { startUrl, limits, signal: ac.signal });
    // every catalogue URL as a target of its own, as if the crawl had not merged them
    const requests: CrawledRequest[] = Array.from({ length: 200 }, (_, i) => ({ method: 'GET', url: `${tb.url}/cp/item?id=${i + 1}&q=`, source: 'form', depth: 2 }));
    const out = await runChecks({
      session,
      checks: checksFor(['XSS']),
      requests,
      pages: [],
      codePaths: crawled.codePaths,
      soft404: await fingerprintSoft404(session, startUrl),
      startUrl,
      userAgent: USER_AGENTS['PC Chrome'],
      jobHeaders: {},
      signal: ac.signal,
      hooks: {},
    });
    assert.equal(onPath(out.findings, '/cp/item').length, 1);
  } finally {
    ac.abort();
    await session.close();
  }
});

test('structure: forms and script endpoints, not text or record ids; code paths from the values that differ', () => {
  const sig = (html: string): number => pageStructure(pageLinks('html', html, 'http://h/p?id=1'));
  assert.equal(sig('<p>one</p><form method="post" action="/cart?item=1"><input name="qty_1"></form>'), sig('<p>two</p><form method="post" action="/cart?item=2"><input name="qty_2"></form>'));
  assert.notEqual(sig('<form method="post" action="/login"><input name="user"></form>'), sig('<form method="post" action="/login"><input name="host"></form>'));
  assert.notEqual(sig('<script src="/a.js?v=1"></script>'), sig('<script src="/b.js"></script>'));
  assert.equal(sig('<script src="/a.js?v=1"></script>'), sig('<script src="/a.js?v=2"></script>'));
  assert.equal(sig('<a href="/x">x</a>'), sig('<a href="/y">y</a><p>text</p>'), 'plain links are no structure');

  const paths: CodePaths = new Map();
  learnCodePath(paths, new URL('http://h/index.php?page=a&q=1'), new URL('http://h/index.php?page=b&q=1'));
  assert.deepEqual([...(paths.get('http://h/index.php')?.keys() ?? [])], ['page']);
  assert.equal(codePathOf(paths, new URL('http://h/index.php?q=%3Cx%3E&page=b')), 'page=b');
  assert.equal(codePathOf(paths, new URL('http://h/index.php?page=b'), 'page'), '', "a finding's own parameter is no code path");
  // a parameter known to choose the page: its other values are pages too (up to the bound)
  assert.equal(codePathOf(paths, new URL('http://h/index.php?page=zzz')), 'page=zzz', 'a plain page of the same parameter');
  for (let i = 0; i < 200; i++) codePathOf(paths, new URL(`http://h/index.php?page=p${i}`));
  assert.equal(codePathOf(paths, new URL('http://h/index.php?page=past-the-bound')), '', 'past MAX_SELECTORS values a value is no code path');
  assert.equal(codePathOf(paths, new URL('http://h/other.php?page=a')), '');
});
