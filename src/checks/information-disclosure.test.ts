import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { runCheckOn } from '../../test/testbed/check-harness.js';
import { isVulnItem } from '../core/items.js';
import { findBanners, findStackTrace, informationDisclosure, meta } from './information-disclosure.js';

let tb: Testbed;
before(async () => {
  tb = await startTestbed();
});
after(async () => {
  await tb.close();
});

test('metadata', () => {
  assert.equal(meta.id, 'information-disclosure');
  assert.equal(meta.item, 'Information Disclosure');
  assert.ok(isVulnItem(meta.item));
  assert.equal(meta.severity, 'medium');
  assert.equal(meta.cwe, 209);
  assert.ok(meta.requestBudget >= 2 && meta.remediation.length > 20);
  assert.equal(informationDisclosure.meta, meta);
  // SQL errors belong to the SQL Injection check
  assert.equal(findStackTrace('<b>Warning</b>:  mysqli_fetch_array() expects parameter 1 to be mysqli_result, bool given in <b>/var/www/a.php</b> on line <b>3</b>'), null);
  const res = { status: 200, headers: { server: 'nginx', 'x-powered-by': 'Express' }, rawHeaders: [], body: '', bytes: 0, truncated: false, timeMs: 1, url: 'http://x/', redirects: [] } as const;
  assert.deepEqual(findBanners({ ...res, rawHeaders: [], redirects: [] }), []);
  assert.deepEqual(findBanners({ ...res, rawHeaders: [], redirects: [], headers: { server: 'Jetty(9.4.43.v20210629)' } }).length, 1);
});

test('provokes stack traces of seven platforms and reports version banners', async () => {
  const run = await runCheckOn(informationDisclosure, `${tb.url}/infodisc/`);
  const traces = run.findings.filter((f) => f.severity === undefined);
  const byPath = new Map(traces.map((f) => [new URL(f.url).pathname, f]));
  assert.deepEqual(
    [...byPath.keys()].sort(),
    ['/infodisc/aspnet/login', '/infodisc/go/user', '/infodisc/java/product', '/infodisc/node/search', '/infodisc/php/page', '/infodisc/python/greet', '/infodisc/ruby/items/42'],
  );
  const java = byPath.get('/infodisc/java/product')!;
  assert.equal(java.parameter, 'id[]');
  assert.equal(java.location, 'query');
  assert.equal(java.payload, '[]');
  const python = byPath.get('/infodisc/python/greet')!;
  assert.equal(python.parameter, 'name');
  assert.equal(python.payload, '\'"[]{}\u0000');
  assert.match(python.evidence.request, /^GET \/infodisc\/python\/greet\?name=%27%22%5B%5D%7B%7D%00 HTTP\/1\.1/);
  assert.equal(java.extra?.platform, 'Java');
  assert.match(java.evidence.proof, /at java\.base\/java\.lang\.NumberFormatException\.forInputString\(NumberFormatException\.java:67\)/);
  assert.match(java.evidence.response, /java\.lang\.NumberFormatException/);
  const php = byPath.get('/infodisc/php/page')!;
  assert.equal(php.payload, '[]');
  assert.match(php.evidence.proof, /<b>Warning<\/b>:  htmlspecialchars\(\) expects parameter 1 to be string, array given in <b>\/var\/www\/html\/page\.php<\/b> on line <b>12<\/b>/);
  assert.match(php.evidence.request, /^GET \/infodisc\/php\/page\?page\[\]=home HTTP\/1\.1/);
  assert.equal(byPath.get('/infodisc/ruby/items/42')!.parameter, 'path[3]');
  assert.equal(byPath.get('/infodisc/aspnet/login')!.location, 'body');
  assert.match(byPath.get('/infodisc/node/search')!.evidence.proof, /at parseQuery \(\/app\/src\/search\.js:14:22\)/);
  assert.match(byPath.get('/infodisc/go/user')!.evidence.proof, /goroutine 34 \[running\]:/);
  assert.match(byPath.get('/infodisc/python/greet')!.evidence.proof, /^Traceback \(most recent call last\):\n {2}File "\/srv\/app\/views\.py", line 31/);

  const banners = run.findings.filter((f) => f.title?.startsWith('Software version'));
  const proofs = banners.map((f) => f.evidence.proof).sort();
  assert.deepEqual(proofs, [
    '<meta name="generator" content="WordPress 6.1">',
    'Server: Apache/2.4.49 (Unix)',
    'X-AspNet-Version: 4.0.30319',
    'X-Powered-By: PHP/7.4.3',
  ]);
  for (const b of banners) assert.equal(b.confidence, 'certain');
});

test('safe twin: graceful errors, versionless banners and a quoted traceback yield nothing', async () => {
  const run = await runCheckOn(informationDisclosure, `${tb.url}/infodisc-safe/`);
  assert.ok(run.sent.length >= 3, 'the endpoints were probed');
  assert.deepEqual(run.findings, []);
});

test('stays within its request budget per crawled request', async () => {
  const run = await runCheckOn(informationDisclosure, `${tb.url}/infodisc/`);
  assert.ok(run.sent.length <= meta.requestBudget * run.requests.length, `${run.sent.length} requests for ${run.requests.length} targets`);
  const perTarget = new Map<string, number>();
  for (const s of run.sent) {
    const key = `${s.method} ${new URL(s.url).pathname.replace(/\/[^/]*$/, '/*')}`;
    perTarget.set(key, (perTarget.get(key) ?? 0) + 1);
  }
  for (const [k, n] of perTarget) assert.ok(n <= meta.requestBudget * 2, `${k}: ${n}`);
});

test('debug pages of five frameworks, private addresses and file-system paths in crawled pages', async () => {
  const run = await runCheckOn(informationDisclosure, `${tb.url}/infodisc-debug/`);
  const got = run.findings.map((f) => `${new URL(f.url).pathname} ${f.parameter}`).sort();
  assert.deepEqual(got, [
    '/infodisc-debug/admin debug page',
    '/infodisc-debug/contact HTML comment',
    '/infodisc-debug/django/missing debug page',
    '/infodisc-debug/export file-system path',
    '/infodisc-debug/flask/crash debug page',
    '/infodisc-debug/health internal IP address',
    '/infodisc-debug/laravel/order debug page',
    '/infodisc-debug/rails/nowhere debug page',
    '/infodisc-debug/symfony/home debug page',
    '/infodisc-debug/upload file-system path',
  ]);
  const by = new Map(run.findings.map((f) => [new URL(f.url).pathname, f]));
  assert.equal(by.get('/infodisc-debug/flask/crash')!.severity, 'high');
  assert.equal(by.get('/infodisc-debug/flask/crash')!.extra?.framework, 'Werkzeug debugger');
  assert.equal(by.get('/infodisc-debug/django/missing')!.cwe, 489);
  assert.match(by.get('/infodisc-debug/rails/nowhere')!.evidence.proof, /^<h1>Routing Error<\/h1>/);
  assert.deepEqual(by.get('/infodisc-debug/health')!.extra?.addresses, ['10.0.3.7', '192.168.10.5']);
  assert.deepEqual(by.get('/infodisc-debug/upload')!.extra?.paths, ['/var/www/shop/storage/uploads/avatar-17.png']);
  assert.deepEqual(by.get('/infodisc-debug/export')!.extra?.paths, ['C:\\inetpub\\wwwroot\\reports\\q1.xlsx']);
  for (const f of run.findings) assert.ok(f.severity === 'high' || f.severity === 'medium' || f.severity === 'low');
});

test('safe twin: articles about debug pages, public and version-like numbers, and URL paths yield nothing', async () => {
  const run = await runCheckOn(informationDisclosure, `${tb.url}/infodisc-debug-safe/`);
  assert.ok(run.pages.length >= 4, 'the pages were crawled');
  assert.deepEqual(run.findings, []);
});

test('addresses and paths in quoted shell sessions and how-to pages are examples; a leak beside one command is not', async () => {
  const { examplesIn } = await import('./definitions/information-disclosure.js');
  const session = '<pre>user@lab:~$ ip addr\n    inet 192.168.56.101/24\n</pre><p>Saved to /var/www/shop/a.png</p>';
  assert.equal(examplesIn(session)('192.168.56.101'), true, 'the output of a quoted prompt');
  assert.equal(examplesIn(session)('/var/www/shop/a.png'), false, 'prose after the session ended');
  assert.equal(examplesIn('<p>Run:</p><pre>sudo cp /etc/nginx/a.conf /etc/nginx/b.conf\nping 10.1.2.3</pre><p>then open http://10.1.2.3/ (also 10.9.9.9)</p>')('10.9.9.9'), true, 'a how-to page');
  assert.equal(examplesIn('<pre>&lt;VirtualHost *:80&gt;\n  DocumentRoot /var/www/html/app\n&lt;/VirtualHost&gt;</pre>')('/var/www/html/app'), true, 'a quoted configuration file');
  assert.equal(examplesIn('<p>db: postgres://10.0.3.7:5432/shop</p>')('10.0.3.7'), false);
});

test('what stands only inside <code>, <kbd> or <samp> is quoted code, not the server speaking', async () => {
  const { examplesIn } = await import('./definitions/information-disclosure.js');
  const page = '<p>Try these files:</p><code>\n/etc/resolv.conf\n/opt/lampp/etc/httpd.conf\n</code><p>Hook: <code>&lt;script src="http://10.0.0.1:3000/hook.js"&gt;</code></p><p>Stored in /var/www/app/uploads/x.png</p>';
  const judge = examplesIn(page);
  assert.equal(judge('/opt/lampp/etc/httpd.conf'), true);
  assert.equal(judge('10.0.0.1'), true);
  assert.equal(judge('/var/www/app/uploads/x.png'), false);
  assert.equal(examplesIn('<codec>/var/www/a.php</codec>')('/var/www/a.php'), false, 'only the elements themselves');
});
