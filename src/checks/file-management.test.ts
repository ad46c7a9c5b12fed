import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { runCheckOn } from '../../test/testbed/check-harness.js';
import { isVulnItem } from '../core/items.js';
import { fileManagement, meta } from './file-management.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata', () => {
  assert.equal(meta.id, 'file-management');
  assert.ok(isVulnItem(meta.item));
  assert.equal(meta.item, 'File Management');
  assert.ok(meta.requestBudget >= 1 && meta.remediation.length > 20 && meta.references.length > 0);
  assert.equal(fileManagement.meta, meta);
});

test('finds the script backup, swap file, .DS_Store, SQL dump, folder archive, text copy and phpinfo, each with its proof', async () => {
  const run = await runCheckOn(fileManagement, `${tb.url}/filemgmt/`);
  const found = new Map(run.findings.map((f) => [new URL(f.url).pathname, f]));
  assert.deepEqual([...found.keys()].sort(), ['/filemgmt/app.zip', '/filemgmt/app/.DS_Store', '/filemgmt/app/.config.php.swp', '/filemgmt/app/dump.sql', '/filemgmt/app/index.php.bak', '/filemgmt/app/index.zip', '/filemgmt/docs/readme.txt~', '/filemgmt/phpinfo.php', '/filemgmt/site.sql', '/filemgmt/www.tar.gz']);
  assert.match(found.get('/filemgmt/www.tar.gz')!.evidence.proof, /^gzip archive signature/);
  assert.match(found.get('/filemgmt/app/index.zip')!.evidence.proof, /^zip archive signature.*variant of .*index\.php/s);
  assert.match(found.get('/filemgmt/site.sql')!.evidence.proof, /^-- MySQL dump/);
  assert.equal(found.get('/filemgmt/app/index.php.bak')!.extra?.['kind'], 'source');
  assert.match(found.get('/filemgmt/app/index.php.bak')!.evidence.proof, /^<\?php/);
  assert.equal(found.get('/filemgmt/app/index.php.bak')!.severity, 'high');
  assert.match(found.get('/filemgmt/app/.DS_Store')!.evidence.proof, /Bud1/);
  assert.match(found.get('/filemgmt/app/dump.sql')!.evidence.proof, /^-- MySQL dump/);
  assert.match(found.get('/filemgmt/app.zip')!.evidence.proof, /^zip archive signature/);
  assert.equal(found.get('/filemgmt/docs/readme.txt~')!.confidence, 'tentative');
  assert.match(found.get('/filemgmt/phpinfo.php')!.evidence.proof, /PHP Version 8\.2\.12/);
});

test('safe twin: denied, rendered, redirected and look-alike leftovers yield nothing', async () => {
  const run = await runCheckOn(fileManagement, `${tb.url}/filemgmt-safe/`);
  assert.ok(run.sent.some((s) => s.url.endsWith('/filemgmt-safe/app/index.php.bak')), 'the variants were asked for');
  for (const name of ['/filemgmt-safe/www.tar.gz', '/filemgmt-safe/backup.zip', '/filemgmt-safe/site.sql', '/filemgmt-safe/app/index.zip']) assert.ok(run.sent.some((s) => s.url.endsWith(name)), name);
  assert.deepEqual(run.findings.map((f) => f.url), []);
});

test('stays within its request budget and asks for each name once', async () => {
  const run = await runCheckOn(fileManagement, `${tb.url}/filemgmt/`);
  const targets = Math.max(1, run.requests.length, run.pages.length);
  assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  const urls = run.sent.map((s) => s.url);
  assert.equal(new Set(urls).size, urls.length);
});
