// LFI proven by a read of the application's own files: a rule in front of these viewers refuses
// anything naming a system file (etc/passwd, win.ini, absolute paths), so only the application's
// own source and descriptor can show the flaw. show.php reads from its docs/ folder (../show.php
// reads the script itself), index.php includes pages and honours php://filter, page.jsp reads from
// pages/ (../WEB-INF/web.xml). The files are real, under a temporary folder. /lfisrc/ links the
// vulnerable pages, /lfisrc-safe/ the twins (allowlists).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

const ROOT = join(tmpdir(), 'wsc-testbed-lfisrc');
const APP = join(ROOT, 'php');
const WEBAPP = join(ROOT, 'java');
for (const d of [join(APP, 'docs'), join(WEBAPP, 'pages'), join(WEBAPP, 'WEB-INF')]) mkdirSync(d, { recursive: true });
writeFileSync(join(APP, 'docs', 'intro.txt'), 'Welcome to the manual.\n');
writeFileSync(join(APP, 'show.php'), "<?php\n$file = $_GET['file'];\nreadfile(__DIR__ . '/docs/' . $file);\n");
writeFileSync(join(APP, 'index.php'), "<?php\n$page = $_GET['page'];\ninclude($page . '.php');\n");
writeFileSync(join(APP, 'home.php'), "<?php echo '<p>Welcome home.</p>'; ?>\n");
writeFileSync(join(WEBAPP, 'pages', 'home.html'), '<p>Java home.</p>\n');
writeFileSync(
  join(WEBAPP, 'WEB-INF', 'web.xml'),
  '<?xml version="1.0"?>\n<web-app xmlns="http://xmlns.jcp.org/xml/ns/javaee" version="4.0">\n  <servlet><servlet-name>pages</servlet-name><servlet-class>com.example.Pages</servlet-class></servlet>\n</web-app>\n',
);

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>`;
const systemFile = (v: string): boolean => /passwd|win\.ini|boot\.ini|^\/|^[a-z]:/i.test(v) || /resource=\//.test(v);
const refuse = (res: TestbedResponse): void => res.html(page('Blocked', '<p>Request blocked by the security rule.</p>'), 403);
const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'latin1');
  } catch (err) {
    void err; // a missing file is the page's own "not found"
    return null;
  }
};

type Mode = 'vuln' | 'safe';
const show = (mode: Mode) => (req: TestbedRequest, res: TestbedResponse): void => {
  const file = req.query.get('file') ?? 'intro.txt';
  if (systemFile(file)) return refuse(res);
  if (mode === 'safe' && file !== 'intro.txt') return res.html(page('Manual', '<p>No such chapter.</p>'), 404);
  const text = read(normalize(join(APP, 'docs', file)));
  // readfile() sends the bytes as they are
  res.html(text === null ? page('Manual', '<p>No such chapter.</p>') : page('Manual', `<pre>${text}</pre>`));
};
const index = (mode: Mode) => (req: TestbedRequest, res: TestbedResponse): void => {
  const name = req.query.get('page') ?? 'home';
  if (systemFile(name)) return refuse(res);
  const wrapper = /^php:\/\/filter\/(?:read=)?convert\.base64-encode\/resource=(.+)$/.exec(name);
  if (wrapper && mode === 'vuln') {
    const target = wrapper[1]!;
    const text = read(normalize(join(APP, /\.php$/.test(target) ? target : `${target}.php`)));
    return res.html(page('Site', text === null ? '<b>Warning</b>: include(): failed to open stream' : Buffer.from(text, 'latin1').toString('base64')));
  }
  // include() runs the page: its output shows, never its source
  if (name === 'home') return res.html(page('Site', '<p>Welcome home.</p>'));
  res.html(page('Site', `<b>Warning</b>: include(${esc(name)}.php): failed to open stream: No such file or directory`));
};
const jsp = (mode: Mode) => (req: TestbedRequest, res: TestbedResponse): void => {
  const name = req.query.get('name') ?? 'home.html';
  if (systemFile(name)) return refuse(res);
  if (mode === 'safe' && name !== 'home.html') return res.html(page('Pages', '<p>No such page.</p>'), 404);
  const text = read(normalize(join(WEBAPP, 'pages', name)));
  res.html(page('Pages', text === null ? '<p>No such page.</p>' : `<pre>${esc(text)}</pre>`));
};

const links = (base: string): string =>
  `<ul><li><a href="${base}/show.php?file=intro.txt">Manual</a></li><li><a href="${base}/index.php?page=home">Site</a></li><li><a href="${base}/app/page.jsp?name=home.html">Pages</a></li></ul>`;

export const routes: Route[] = [
  { method: 'GET', path: '/lfisrc/', index: true, title: "LFI of the application's own files", handler: (_q, r) => r.html(page('Viewers', links('/lfisrc'))) },
  { method: 'GET', path: '/lfisrc-safe/', index: true, title: "LFI of the application's own files (safe)", handler: (_q, r) => r.html(page('Viewers', links('/lfisrc-safe'))) },
  { method: 'GET', path: '/lfisrc/show.php', handler: show('vuln'), vulnerable: [{ item: 'LFI', parameter: 'file' }] },
  { method: 'GET', path: '/lfisrc-safe/show.php', handler: show('safe'), safeFor: ['LFI', 'File Download', 'Source Code Disclosure'] },
  { method: 'GET', path: '/lfisrc/index.php', handler: index('vuln'), vulnerable: [{ item: 'LFI', parameter: 'page' }] },
  { method: 'GET', path: '/lfisrc-safe/index.php', handler: index('safe'), safeFor: ['LFI', 'File Download', 'Source Code Disclosure'] },
  { method: 'GET', path: '/lfisrc/app/page.jsp', handler: jsp('vuln'), vulnerable: [{ item: 'LFI', parameter: 'name' }] },
  { method: 'GET', path: '/lfisrc-safe/app/page.jsp', handler: jsp('safe'), safeFor: ['LFI', 'File Download', 'Source Code Disclosure'] },
];
