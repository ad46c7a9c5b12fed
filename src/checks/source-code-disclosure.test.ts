import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { runCheckOn } from '../../test/testbed/check-harness.js';
import { isVulnItem } from '../core/items.js';
import { meta, sourceCodeDisclosure } from './source-code-disclosure.js';
import { validDotenv, validGitHead, validHgRequires, validSourceMap } from './definitions/source-code-disclosure.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata and validators', () => {
  assert.equal(meta.id, 'source-code-disclosure');
  assert.equal(meta.item, 'Source Code Disclosure');
  assert.ok(isVulnItem(meta.item));
  assert.ok(meta.requestBudget >= 1 && meta.remediation.length > 20 && meta.references.length > 0);
  assert.equal(sourceCodeDisclosure.meta, meta);
  assert.equal(validGitHead('ref: refs/heads/main\n'), 'ref: refs/heads/main');
  assert.equal(validGitHead('<html>ref: refs/heads/main</html>'), null);
  assert.equal(validHgRequires('hello\nworld\n'), null);
  assert.equal(validSourceMap('{"version":3,"sources":["a.ts"],"mappings":""}'), null);
  assert.equal(validDotenv('NAME=shop\nCOLOR=blue\n'), null, 'no secret key: not an application .env');
});

test('finds .git, .svn (wc.db and entries), .hg, .env, two source maps and raw PHP, with validated proof', async () => {
  const run = await runCheckOn(sourceCodeDisclosure, `${tb.url}/source/`);
  const byPath = new Map(run.findings.map((f) => [new URL(f.url).pathname, f]));
  assert.deepEqual([...byPath.keys()].sort(), [
    '/source/cfg/.env',
    '/source/git/.git/HEAD',
    '/source/hg/.hg/requires',
    '/source/js/app.min.js.map',
    '/source/js/vendor.js.map',
    '/source/php/hello.php',
    '/source/svn/.svn/wc.db',
    '/source/svnold/.svn/entries',
  ]);
  assert.match(byPath.get('/source/git/.git/HEAD')!.evidence.proof, /^ref: refs\/heads\/main\n/);
  assert.equal(byPath.get('/source/git/.git/HEAD')!.cwe, 527);
  assert.match(byPath.get('/source/svn/.svn/wc.db')!.evidence.proof, /^SQLite format 3/);
  assert.match(byPath.get('/source/hg/.hg/requires')!.evidence.proof, /revlogv1/);
  const env = byPath.get('/source/cfg/.env')!;
  assert.match(env.evidence.proof, /secret keys: APP_KEY, DB_HOST, DB_USERNAME, DB_PASSWORD \(values masked\)/);
  assert.ok(!env.evidence.response.includes('Sup3rS3cret!') && !env.evidence.proof.includes('Sup3rS3cret!'), 'secret values never reach the report');
  assert.match(env.evidence.response, /DB_PASSWORD=Su\*+/);
  const map = byPath.get('/source/js/app.min.js.map')!;
  assert.match(map.evidence.proof, /embeds 2 of 2 original files \(webpack:\/\/\/src\/cart\.ts, webpack:\/\/\/src\/config\.ts\)/);
  assert.match(map.evidence.request, /^GET \/source\/js\/app\.min\.js\.map HTTP\/1\.1/);
  const php = byPath.get('/source/php/hello.php')!;
  assert.equal(php.extra?.language, 'PHP');
  assert.match(php.evidence.proof, /^<\?php\nrequire_once/);
});

test('safe twin: forbidden metadata, quoted formats, a map without sources and executed PHP yield nothing', async () => {
  const run = await runCheckOn(sourceCodeDisclosure, `${tb.url}/source-safe/`);
  assert.ok(run.sent.some((s) => s.url.endsWith('/source-safe/hg/.hg/requires')), 'the metadata was asked for');
  assert.ok(run.sent.some((s) => s.url.endsWith('/source-safe/js/app.min.js.map')), 'the source map was fetched');
  assert.deepEqual(run.findings, []);
});

test('stays within its request budget', async () => {
  const run = await runCheckOn(sourceCodeDisclosure, `${tb.url}/source/`);
  const targets = Math.max(1, run.requests.length, run.pages.length);
  assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  const urls = run.sent.map((s) => s.url);
  assert.equal(new Set(urls).size, urls.length, 'no probe twice');
});
