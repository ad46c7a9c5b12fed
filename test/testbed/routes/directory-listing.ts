// Directory Listing pages: /dirlist/ links to files whose directories answer with the listings of
// seven real servers (the directories themselves are not linked: the check must find them);
// /dirlist-safe/ has look-alikes that are not listings.
import type { Route, TestbedResponse } from '../server.js';

function page(res: TestbedResponse, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(body);
}

const LISTINGS: Record<string, (dir: string) => string> = {
  apache: (d) => `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html><head><title>Index of ${d}</title></head><body><h1>Index of ${d}</h1>
<table><tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th></tr>
<tr><td><a href="/dirlist/apache/">Parent Directory</a></td></tr>
<tr><td><a href="backup.sql.gz">backup.sql.gz</a></td><td>2024-03-01 10:00</td></tr>
<tr><td><a href="report.pdf">report.pdf</a></td><td>2024-03-02 11:00</td></tr>
</table><address>Apache/2.4.57 (Debian) Server at 127.0.0.1 Port 80</address></body></html>`,
  nginx: (d) => `<html>
<head><title>Index of ${d}</title></head>
<body>
<h1>Index of ${d}</h1><hr><pre><a href="../">../</a>
<a href="app.js">app.js</a>                                             01-Mar-2024 10:00    1234
<a href="config.old">config.old</a>                                         01-Mar-2024 10:00     512
</pre><hr></body>
</html>`,
  iis: (d) => `<html><head><title>127.0.0.1 - ${d}</title></head><body><H1>127.0.0.1 - ${d}</H1><hr>

<pre><A HREF="/dirlist/iis/">[To Parent Directory]</A><br><br>     3/1/2024 10:00 AM        &lt;dir&gt; <A HREF="${d}old/">old</A><br>     3/1/2024 10:00 AM         1024 <A HREF="${d}web.config.bak">web.config.bak</A><br></pre><hr></body></html>`,
  tomcat: (d) => `<html><head><title>Directory Listing For [${d}]</title></head>
<body><h1>Directory Listing For [${d}]</h1><hr size="1" noshade="noshade">
<table width="100%"><tr><td><tt><a href="${d}WEB-INF/">WEB-INF/</a></tt></td></tr>
<tr><td><tt><a href="${d}app.war">app.war</a></tt></td></tr></table></body></html>`,
  jetty: (d) => `<!DOCTYPE html><html><head><title>Directory: ${d}</title></head><body>
<h1 class="title">Directory: ${d}</h1><table class="listing"><tbody>
<tr><td class="name"><a href="${d}../">Parent Directory</a></td></tr>
<tr><td class="name"><a href="${d}keys.txt">keys.txt&nbsp;</a></td></tr></tbody></table></body></html>`,
  serveindex: (d) => `<!DOCTYPE html><html><head><meta charset='utf-8'><title>listing directory ${d}</title></head>
<body class="directory"><div id="wrapper"><h1><a href="/">~</a> / </h1>
<ul id="files" class="view-tiles"><li><a href="${d}.." class="icon icon-directory">..</a></li>
<li><a href="${d}.env" class="icon icon-default" title=".env"><span class="name">.env</span></a></li></ul></div></body></html>`,
  python: (d) => `<!DOCTYPE HTML>
<html lang="en"><head><meta charset="utf-8"><title>Directory listing for ${d}</title></head>
<body><h1>Directory listing for ${d}</h1><hr><ul>
<li><a href="notes.txt">notes.txt</a></li><li><a href="private/">private/</a></li></ul><hr></body></html>`,
};

export const DIRLIST_SERVERS = Object.keys(LISTINGS);

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/dirlist/',
    index: true,
    title: 'Directory listings',
    handler: (_req, res) =>
      page(res, `<html><head><title>Downloads</title></head><body><h1>Downloads</h1><ul>
${DIRLIST_SERVERS.map((s) => `<li><a href="/dirlist/${s}/files/readme.txt">${s} readme</a></li>`).join('\n')}
</ul></body></html>`),
  },
  {
    method: 'GET',
    path: /^\/dirlist\/([a-z]+)\/files\/$/,
    vulnerable: [{ item: 'Directory Listing' }],
    handler: (req, res) => {
      const render = LISTINGS[req.params[0] ?? ''];
      if (!render) return res.html('<h1>Not here</h1>', 404);
      page(res, render(req.path));
    },
  },
  { method: 'GET', path: /^\/dirlist\/[a-z]+\/files\/readme\.txt$/, handler: (_req, res) => res.text('Read me.') },
  // a directory above a listing is a real page, not a listing
  { method: 'GET', path: /^\/dirlist\/[a-z]+\/$/, handler: (_req, res) => page(res, '<html><head><title>Section</title></head><body>Section home</body></html>') },

  {
    method: 'GET',
    path: '/dirlist-safe/',
    index: true,
    title: 'Directory listings (safe)',
    handler: (_req, res) =>
      page(res, `<html><head><title>Index of our products</title></head><body><h1>Index of our products</h1>
<a href="/dirlist-safe/docs/manual.txt">manual</a> <a href="/dirlist-safe/blog/post.html">blog</a>
<a href="/dirlist-safe/other/file.txt">other</a></body></html>`),
  },
  { method: 'GET', path: '/dirlist-safe/docs/', safeFor: ['Directory Listing'], handler: (_req, res) => res.html('<h1>Forbidden</h1>', 403) },
  { method: 'GET', path: '/dirlist-safe/docs/manual.txt', handler: (_req, res) => res.text('The manual.') },
  {
    method: 'GET',
    path: '/dirlist-safe/blog/',
    safeFor: ['Directory Listing'],
    handler: (_req, res) =>
      page(res, `<html><head><title>How to turn off directory listing</title></head><body>
<p>An exposed index looks like this:</p><pre>Index of /var/www
Parent Directory
[To Parent Directory]</pre></body></html>`),
  },
  { method: 'GET', path: '/dirlist-safe/blog/post.html', handler: (_req, res) => page(res, '<html><body>A post.</body></html>') },
  // lists another directory than the one asked for: a page about a listing, not this directory's
  {
    method: 'GET',
    path: '/dirlist-safe/other/',
    safeFor: ['Directory Listing'],
    handler: (_req, res) => page(res, '<html><head><title>Index of /mirror/</title></head><body><h1>Index of /mirror/</h1><a href="../">Parent Directory</a></body></html>'),
  },
  { method: 'GET', path: '/dirlist-safe/other/file.txt', handler: (_req, res) => res.text('other') },
];
