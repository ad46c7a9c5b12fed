// Source Code Disclosure pages: /source/ links to sections whose directories expose real
// version-control metadata (.git, .svn wc.db and old entries, .hg), a .env file, source maps with
// sourcesContent, and a PHP page served unexecuted. /source-safe/ has twins: forbidden metadata,
// pages that quote the formats, a map without sources, and PHP that really runs.
import Database from 'better-sqlite3';
import type { Route, TestbedResponse } from '../server.js';

const SCD = 'Source Code Disclosure' as const;

function html(res: TestbedResponse, body: string, status = 200): void {
  res.html(`<!doctype html><html><head><title>Source</title></head><body>${body}</body></html>`, status);
}

let svnDb: Buffer | null = null;
/** A real Subversion 1.7+ working-copy database (schema excerpt), built with SQLite itself. */
function wcDb(): Buffer {
  if (svnDb) return svnDb;
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE REPOSITORY (id INTEGER PRIMARY KEY AUTOINCREMENT, root TEXT UNIQUE NOT NULL, uuid TEXT NOT NULL);
CREATE TABLE NODES (wc_id INTEGER NOT NULL, local_relpath TEXT NOT NULL, op_depth INTEGER NOT NULL, repos_path TEXT, kind TEXT NOT NULL, checksum TEXT);
INSERT INTO REPOSITORY (root, uuid) VALUES ('https://svn.internal/shop', '6a3f1c2e-1111-4222-8333-944455556666');
INSERT INTO NODES VALUES (1, 'config/db.php', 0, 'trunk/config/db.php', 'file', '$sha1$3b18e512dba79e4c8300dd08aeb37f8e728b8dad');`);
  svnDb = db.serialize();
  db.close();
  return svnDb;
}

const APP_JS = `(()=>{const a=document.querySelector("#cart");a&&a.addEventListener("click",()=>fetch("/api/cart"))})();
//# sourceMappingURL=app.min.js.map`;
const APP_MAP = JSON.stringify({
  version: 3,
  file: 'app.min.js',
  sources: ['webpack:///src/cart.ts', 'webpack:///src/config.ts'],
  sourcesContent: ["import { API_SECRET } from './config';\nexport function bindCart(): void {}\n", "export const API_SECRET = 'sk_live_internal_only';\n"],
  names: [],
  mappings: 'AAAA,SAASA',
});
const SAFE_MAP = JSON.stringify({ version: 3, file: 'app.min.js', sources: ['webpack:///src/cart.ts'], names: [], mappings: 'AAAA' });

const ENV = `APP_NAME=Shop
APP_ENV=production
APP_KEY=base64:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=
DB_HOST=10.0.3.7
DB_USERNAME=shop
DB_PASSWORD=Sup3rS3cret!
`;

const PHP_RAW = `<?php
require_once __DIR__ . '/../config/db.php';
$pdo = new PDO($dsn, $dbUser, $dbPassword);
echo htmlspecialchars($_GET['name'] ?? 'guest');
`;

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/source/',
    index: true,
    title: 'Source code disclosure',
    handler: (_req, res) =>
      html(res, `<h1>Developer corner</h1><ul>
<li><a href="/source/git/index.html">git</a></li><li><a href="/source/svn/index.html">svn</a></li>
<li><a href="/source/svnold/index.html">old svn</a></li><li><a href="/source/hg/index.html">hg</a></li>
<li><a href="/source/cfg/index.html">config</a></li><li><a href="/source/php/hello.php?name=bob">php</a></li>
<li><a href="/source/js/page.html">app</a></li></ul>`),
  },
  { method: 'GET', path: /^\/source\/(git|svn|svnold|hg|cfg)\/index\.html$/, handler: (req, res) => html(res, `<p>Section ${req.params[0]}</p>`) },
  { method: 'GET', path: '/source/git/.git/HEAD', vulnerable: [{ item: SCD }], handler: (_req, res) => res.text('ref: refs/heads/main\n', 200, 'application/octet-stream') },
  {
    method: 'GET',
    path: '/source/git/.git/config',
    handler: (_req, res) => res.text('[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n[remote "origin"]\n\turl = git@git.internal:shop/web.git\n', 200, 'application/octet-stream'),
  },
  { method: 'GET', path: '/source/svn/.svn/wc.db', vulnerable: [{ item: SCD }], handler: (_req, res) => { res.writeHead(200, { 'content-type': 'application/octet-stream' }); res.end(wcDb()); } },
  { method: 'GET', path: '/source/svnold/.svn/entries', vulnerable: [{ item: SCD }], handler: (_req, res) => res.text('10\n\ndir\n1432\nhttps://svn.internal/shop/trunk\nhttps://svn.internal/shop\n\n\n\n2024-03-01T10:00:00.000000Z\n1432\nalice\n', 200, 'application/octet-stream') },
  { method: 'GET', path: '/source/hg/.hg/requires', vulnerable: [{ item: SCD }], handler: (_req, res) => res.text('dotencode\nfncache\ngeneraldelta\nrevlogv1\nsparserevlog\nstore\n', 200, 'application/octet-stream') },
  { method: 'GET', path: '/source/cfg/.env', vulnerable: [{ item: SCD }], handler: (_req, res) => res.text(ENV, 200, 'application/octet-stream') },
  { method: 'GET', path: '/source/php/hello.php', vulnerable: [{ item: SCD }], handler: (_req, res) => res.text(PHP_RAW, 200, 'text/html; charset=utf-8') },
  { method: 'GET', path: '/source/js/page.html', handler: (_req, res) => html(res, '<div id="cart">Cart</div><script src="/source/js/app.min.js"></script><script src="/source/js/vendor.js?v=3"></script>') },
  { method: 'GET', path: '/source/js/app.min.js', handler: (_req, res) => res.text(APP_JS, 200, 'application/javascript') },
  { method: 'GET', path: '/source/js/app.min.js.map', vulnerable: [{ item: SCD }], handler: (_req, res) => res.text(APP_MAP, 200, 'application/json') },
  // no sourceMappingURL comment: the conventional "<script>.map" name still finds it
  { method: 'GET', path: '/source/js/vendor.js', handler: (_req, res) => res.text('window.vendor={v:3};', 200, 'application/javascript') },
  {
    method: 'GET',
    path: '/source/js/vendor.js.map',
    vulnerable: [{ item: SCD }],
    handler: (_req, res) => res.json({ version: 3, sources: ['../node_modules/tiny/index.js'], sourcesContent: ['module.exports = function tiny() { return 3; };'], names: [], mappings: 'AAAA' }),
  },

  {
    method: 'GET',
    path: '/source-safe/',
    index: true,
    title: 'Source code disclosure (safe)',
    handler: (_req, res) =>
      html(res, `<h1>Docs</h1><ul><li><a href="/source-safe/git/guide.html">git guide</a></li>
<li><a href="/source-safe/php/hello.php?name=bob">php</a></li><li><a href="/source-safe/js/page.html">app</a></li>
<li><a href="/source-safe/hg/index.html">hg</a></li></ul>`),
  },
  {
    method: 'GET',
    path: '/source-safe/git/guide.html',
    safeFor: [SCD],
    handler: (_req, res) => html(res, `<h2>What is in .git/HEAD?</h2><pre>ref: refs/heads/main</pre><p>and .git/config starts with</p><pre>[core]\n\trepositoryformatversion = 0</pre><p>A .env holds DB_PASSWORD=... lines; PHP starts with &lt;?php echo $x; ?&gt;</p>`),
  },
  { method: 'GET', path: /^\/source-safe\/.*\/\.(git|svn|hg)\/.*$/, safeFor: [SCD], handler: (_req, res) => res.html('<h1>Forbidden</h1>', 403) },
  { method: 'GET', path: '/source-safe/hg/index.html', handler: (_req, res) => html(res, '<p>Mercurial mirror</p>') },
  { method: 'GET', path: '/source-safe/hg/.env', safeFor: [SCD], handler: (_req, res) => res.text('# copy .env.example and fill in\nThis deployment reads its settings from the vault.\n', 200) },
  { method: 'GET', path: '/source-safe/php/hello.php', safeFor: [SCD], handler: (req, res) => html(res, `<p>Hello ${(req.query.get('name') ?? 'guest').replace(/[<&>"']/g, '')}</p><pre>&lt;?php echo htmlspecialchars($_GET['name']); ?&gt;</pre>`) },
  { method: 'GET', path: '/source-safe/js/page.html', handler: (_req, res) => html(res, '<div id="cart">Cart</div><script src="/source-safe/js/app.min.js"></script>') },
  { method: 'GET', path: '/source-safe/js/app.min.js', handler: (_req, res) => res.text('(()=>{})();\n//# sourceMappingURL=app.min.js.map', 200, 'application/javascript') },
  { method: 'GET', path: '/source-safe/js/app.min.js.map', safeFor: [SCD], handler: (_req, res) => res.text(SAFE_MAP, 200, 'application/json') },
];
