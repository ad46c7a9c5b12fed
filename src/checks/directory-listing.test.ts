import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn } from '../../test/testbed/check-harness.js';
import { DIRLIST_SERVERS } from '../../test/testbed/routes/directory-listing.js';
import { directoryListing, meta } from './directory-listing.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(directoryListing, meta, { id: 'directory-listing', item: 'Directory Listing', cwe: 548 }));

test('finds the unlinked listings of seven servers, with signature and entries as evidence', async () => {
  const run = await runCheckOn(directoryListing, `${tb.url}/dirlist/`);
  const found = new Map(run.findings.map((f) => [new URL(f.url).pathname, f]));
  assert.deepEqual([...found.keys()].sort(), DIRLIST_SERVERS.map((s) => `/dirlist/${s}/files/`).sort());
  const apache = found.get('/dirlist/apache/files/')!;
  assert.match(apache.evidence.proof, /^<title>Index of \/dirlist\/apache\/files\/<\/title>/);
  assert.match(apache.evidence.proof, /Apache listing; entries: backup\.sql\.gz, report\.pdf/);
  assert.match(found.get('/dirlist/iis/files/')!.evidence.proof, /IIS listing/);
  assert.match(found.get('/dirlist/tomcat/files/')!.evidence.proof, /Tomcat listing; entries: WEB-INF\/, app\.war/);
  assert.match(found.get('/dirlist/python/files/')!.evidence.proof, /Python http\.server listing; entries: notes\.txt, private\//);
  assert.match(found.get('/dirlist/serveindex/files/')!.evidence.proof, /Node serve-index listing; entries: \.env/);
  assert.match(found.get('/dirlist/nginx/files/')!.evidence.proof, /nginx listing; entries: app\.js, config\.old/);
  assert.match(found.get('/dirlist/jetty/files/')!.evidence.proof, /Jetty listing; entries: keys\.txt/);
  for (const f of run.findings) {
    assert.equal(f.location, 'url');
    assert.match(f.evidence.request, /^GET \/dirlist\/\w+\/files\/ HTTP\/1\.1/);
    assert.match(f.evidence.response, /^HTTP\/1\.1 200/);
  }
});

test('safe twin: forbidden directories, look-alike titles, quoted listings and the soft-404 page yield nothing', async () => {
  const run = await runCheckOn(directoryListing, `${tb.url}/dirlist-safe/`);
  assert.ok(run.sent.length >= 3, 'the directories were asked for');
  assert.deepEqual(run.findings, []);
});

test('stays within its request budget and never re-requests a directory the crawl fetched', async () => {
  const run = await runCheckOn(directoryListing, `${tb.url}/dirlist/`);
  const targets = Math.max(1, run.requests.length, run.pages.length);
  assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  const urls = run.sent.map((s) => s.url);
  assert.equal(new Set(urls).size, urls.length, 'each directory at most once');
  assert.ok(!urls.includes(`${tb.url}/dirlist/`), 'the crawled start page is judged from the crawl');
  // the root, /dirlist/, seven sections and seven listings: 16 directories, one already crawled
  assert.equal(run.sent.length, 15);
});
