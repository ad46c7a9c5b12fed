// File Management pages: /filemgmt/ is a small PHP-looking site whose folders still hold a backup of
// a script, a vim swap file, a .DS_Store, a SQL dump, a folder archive, a copy of a text file and a
// phpinfo page. /filemgmt-safe/ has the same pages; its leftovers are denied, absent, or rendered
// rather than served raw.
import { deflateRawSync, gzipSync } from 'node:zlib';
import { notFoundPage, type Route, type TestbedResponse } from '../server.js';

const FM = 'File Management' as const;

const INDEX_PHP = `<?php
require __DIR__ . '/config.php';
$user = $_GET['user'] ?? 'guest';
echo "<h1>Welcome, " . htmlspecialchars($user) . "</h1>";
`;
const rendered = (title: string): string => `<!doctype html><html><head><title>${title}</title></head><body><h1>Welcome, guest</h1><p>Latest news and offers.</p></body></html>`;
const README = 'Shop documentation\n\nInstall the shop by copying the files to the server and editing config.php with your database settings.\nSupport: support@example.com\n';

function binary(res: TestbedResponse, body: Buffer, type: string): void {
  res.writeHead(200, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}

function dsStore(): Buffer {
  // header: alignment 1, "Bud1", then the buddy allocator offsets; entry names follow in UTF-16BE
  const head = Buffer.from([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31, 0, 0, 0x10, 0, 0, 0, 0, 0x08, 0, 0, 0x10, 0]);
  return Buffer.concat([head, Buffer.from('index.php.bak', 'utf16le').swap16(), Buffer.alloc(64)]);
}

/** A real one-entry zip archive (local header, deflated data, central directory, end record). */
function zipOf(name: string, content: string): Buffer {
  const data = deflateRawSync(Buffer.from(content));
  const nameBuf = Buffer.from(name);
  let crc = 0xffffffff;
  for (const byte of Buffer.from(content)) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  crc = (crc ^ 0xffffffff) >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(nameBuf.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(nameBuf.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + nameBuf.length, 12);
  end.writeUInt32LE(30 + nameBuf.length + data.length, 16);
  return Buffer.concat([local, nameBuf, data, central, nameBuf, end]);
}

const DUMP = `-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: localhost    Database: shop
CREATE TABLE \`users\` (
  \`id\` int NOT NULL AUTO_INCREMENT,
  \`email\` varchar(255) NOT NULL,
  \`password_hash\` char(60) NOT NULL,
  PRIMARY KEY (\`id\`)
);
INSERT INTO \`users\` VALUES (1,'admin@example.com','$2y$10$abcdefghijklmnopqrstuv');
`;

const PHPINFO = `<!DOCTYPE html><html><head><title>phpinfo()</title></head><body><div class="center">
<table><tr class="h"><td><h1 class="p">PHP Version 8.2.12</h1></td></tr></table>
<table><tr><td class="e">System </td><td class="v">Linux web01 6.1.0 x86_64 </td></tr>
<tr><td class="e">Server API </td><td class="v">Apache 2.0 Handler </td></tr></table></div></body></html>`;

function index(prefix: string, title: string): string {
  return `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><ul>
<li><a href="${prefix}/app/index.php">Shop</a></li><li><a href="${prefix}/app/config.php">Settings</a></li>
<li><a href="${prefix}/docs/readme.txt">Read me</a></li><li><a href="${prefix}/about.html">About</a></li></ul></body></html>`;
}

const settings = '<!doctype html><html><head><title>Settings</title></head><body><p>Nothing to see.</p></body></html>';
const about = '<!doctype html><html><head><title>About</title></head><body><p>We sell things. Version 2 of our shop, running PHP.</p></body></html>';
const v = (path: string): { vulnerable: { item: typeof FM }[]; path: string } => ({ vulnerable: [{ item: FM }], path });

export const routes: Route[] = [
  { method: 'GET', path: '/filemgmt/', index: true, title: 'Leftover files', handler: (_q, r) => r.html(index('/filemgmt', 'Leftover files')) },
  { method: 'GET', path: '/filemgmt-safe/', index: true, title: 'Leftover files (cleaned up)', safeFor: [FM], handler: (_q, r) => r.html(index('/filemgmt-safe', 'Leftover files (cleaned up)')) },
  { method: 'GET', path: /^\/filemgmt(-safe)?\/app\/index\.php$/, handler: (_q, r) => r.html(rendered('Shop')) },
  { method: 'GET', path: /^\/filemgmt(-safe)?\/app\/config\.php$/, handler: (_q, r) => r.html(settings) },
  { method: 'GET', path: /^\/filemgmt(-safe)?\/docs\/readme\.txt$/, handler: (_q, r) => r.text(README) },
  { method: 'GET', path: /^\/filemgmt(-safe)?\/about\.html$/, handler: (_q, r) => r.html(about) },

  { method: 'GET', ...v('/filemgmt/app/index.php.bak'), handler: (_q, r) => r.text(INDEX_PHP, 200, 'application/x-trash') },
  { method: 'GET', ...v('/filemgmt/app/.config.php.swp'), handler: (_q, r) => binary(r, Buffer.concat([Buffer.from('b0VIM 9.0\0\0\0\0'), Buffer.from("<?php $db_password = 'hunter2';")]), 'application/octet-stream') },
  { method: 'GET', ...v('/filemgmt/app/.DS_Store'), handler: (_q, r) => binary(r, dsStore(), 'application/octet-stream') },
  { method: 'GET', ...v('/filemgmt/app/dump.sql'), handler: (_q, r) => r.text(DUMP, 200, 'application/sql') },
  { method: 'GET', ...v('/filemgmt/app.zip'), handler: (_q, r) => binary(r, zipOf('app/index.php', INDEX_PHP), 'application/zip') },
  { method: 'GET', ...v('/filemgmt/docs/readme.txt~'), handler: (_q, r) => r.text(README.replace('Support', 'Support (old)')) },
  { method: 'GET', ...v('/filemgmt/phpinfo.php'), handler: (_q, r) => r.html(PHPINFO) },
  // names no crawled file suggests: a fixed site-backup name, a dump named after the site, a script's archive
  { method: 'GET', ...v('/filemgmt/www.tar.gz'), handler: (_q, r) => binary(r, gzipSync(Buffer.from(INDEX_PHP)), 'application/gzip') },
  { method: 'GET', ...v('/filemgmt/site.sql'), handler: (_q, r) => r.text(DUMP, 200, 'application/octet-stream') },
  { method: 'GET', ...v('/filemgmt/app/index.zip'), handler: (_q, r) => binary(r, zipOf('index.php', INDEX_PHP), 'application/zip') },

  // the cleaned-up twin: denied, rendered by the PHP handler, or a page that only talks about dumps
  { method: 'GET', path: '/filemgmt-safe/app/index.php.bak', safeFor: [FM], handler: (_q, r) => r.html(rendered('Shop')) },
  { method: 'GET', path: '/filemgmt-safe/app/.config.php.swp', safeFor: [FM], handler: (_q, r) => r.html('<h1>Forbidden</h1>', 403) },
  { method: 'GET', path: '/filemgmt-safe/app/.DS_Store', safeFor: [FM], handler: (q, r) => r.html(notFoundPage(q.path)) },
  {
    method: 'GET',
    path: '/filemgmt-safe/app/dump.sql',
    safeFor: [FM],
    handler: (_q, r) => r.html('<!doctype html><html><head><title>Backups</title></head><body><h1>How we back up</h1><p>Nightly we run mysqldump, which writes CREATE TABLE and INSERT INTO statements; the files are kept off the web server.</p></body></html>'),
  },
  { method: 'GET', path: '/filemgmt-safe/app.zip', safeFor: [FM], handler: (_q, r) => r.redirect('/filemgmt-safe/') },
  { method: 'GET', path: '/filemgmt-safe/www.tar.gz', safeFor: [FM], handler: (_q, r) => r.html('<h1>Forbidden</h1>', 403) },
  { method: 'GET', path: '/filemgmt-safe/site.sql', safeFor: [FM], handler: (_q, r) => r.html('<!doctype html><html><head><title>Site</title></head><body><p>INSERT INTO our newsletter: sign up below;</p><p>CREATE TABLE reservations online;</p></body></html>') },
  { method: 'GET', path: '/filemgmt-safe/app/index.zip', safeFor: [FM], handler: (q, r) => r.html(notFoundPage(q.path)) },
  { method: 'GET', path: '/filemgmt-safe/phpinfo.php', safeFor: [FM], handler: (_q, r) => r.html('<!doctype html><html><head><title>PHP</title></head><body><h1>PHP Version check</h1><p>This server runs a supported PHP Version.</p></body></html>') },
];
