// Information Disclosure pages: /infodisc/ links to endpoints that leak a stack trace of a real
// framework when given malformed input, and to pages with version banners; /infodisc-safe/ has
// twins that fail gracefully, banners without versions, and a tutorial that quotes a traceback.
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

const ID = 'Information Disclosure' as const;
const BAD = /['"[\]{}\u0000]/;

function html(res: TestbedResponse, body: string, status = 200, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(body);
}

function arrayParam(req: TestbedRequest, name: string): boolean {
  return req.query.has(`${name}[]`) || req.form().has(`${name}[]`);
}

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/infodisc/',
    index: true,
    title: 'Error handling',
    handler: (_req, res) =>
      html(
        res,
        `<html><head><title>Shop</title><meta name="generator" content="WordPress 6.1"></head><body><ul>
<li><a href="/infodisc/java/product?id=12">java</a></li>
<li><a href="/infodisc/python/greet?name=bob">python</a></li>
<li><a href="/infodisc/php/page?page=home">php</a></li>
<li><a href="/infodisc/node/search?q=shoes">node</a></li>
<li><a href="/infodisc/ruby/items/42">ruby</a></li>
<li><a href="/infodisc/go/user?id=7">go</a></li>
<li><a href="/infodisc/banner">about</a></li>
</ul><form method="post" action="/infodisc/aspnet/login"><input name="user" value="guest"><input type="password" name="pass"></form>
</body></html>`,
      ),
  },
  {
    method: 'GET',
    path: '/infodisc/java/product',
    handler: (req, res) => {
      const id = req.query.get('id') ?? '';
      if (/^\d+$/.test(id)) return html(res, `<p>Product ${id}</p>`);
      html(
        res,
        `<html><head><title>HTTP Status 500 – Internal Server Error</title></head><body><h1>HTTP Status 500 – Internal Server Error</h1>
<p><b>Exception</b></p><pre>java.lang.NumberFormatException: For input string: &quot;x&quot;
\tat java.base/java.lang.NumberFormatException.forInputString(NumberFormatException.java:67)
\tat java.base/java.lang.Integer.parseInt(Integer.java:668)
\tat com.example.shop.ProductServlet.doGet(ProductServlet.java:42)
</pre><h3>Apache Tomcat/9.0.65</h3></body></html>`,
        500,
      );
    },
  },
  {
    method: 'GET',
    path: '/infodisc/python/greet',
    handler: (req, res) => {
      const name = req.query.get('name') ?? '';
      if (!BAD.test(name)) return html(res, `<p>Hello ${name.replace(/[<&]/g, '')}</p>`);
      res.text(
        `Traceback (most recent call last):\n  File "/srv/app/views.py", line 31, in greet\n    return render(parse_name(name))\n  File "/srv/app/names.py", line 8, in parse_name\n    raise ValueError("bad name")\nValueError: bad name\n`,
        500,
      );
    },
  },
  {
    method: 'GET',
    path: '/infodisc/php/page',
    handler: (req, res) => {
      if (!arrayParam(req, 'page')) return html(res, `<p>Page ${(req.query.get('page') ?? '').replace(/[<&]/g, '')}</p>`);
      html(res, `<br />\n<b>Warning</b>:  htmlspecialchars() expects parameter 1 to be string, array given in <b>/var/www/html/page.php</b> on line <b>12</b><br />\n<p>Page</p>`);
    },
  },
  {
    method: 'GET',
    path: '/infodisc/node/search',
    handler: (req, res) => {
      const q = req.query.get('q') ?? '';
      if (!BAD.test(q)) return html(res, `<p>Results for ${q.replace(/[<&]/g, '')}</p>`);
      html(
        res,
        `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body><pre>SyntaxError: Unexpected token &#39; in JSON at position 0<br> &nbsp; &nbsp;at JSON.parse (&lt;anonymous&gt;)<br> &nbsp; &nbsp;at parseQuery (/app/src/search.js:14:22)<br> &nbsp; &nbsp;at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)</pre></body></html>`,
        500,
      );
    },
  },
  {
    method: 'GET',
    path: /^\/infodisc\/ruby\/items\/([^/]+)$/,
    handler: (req, res) => {
      const id = decodeURIComponent(req.params[0] ?? '');
      if (/^\d+$/.test(id)) return html(res, `<p>Item ${id}</p>`);
      html(
        res,
        `<h1>ActiveRecord::RecordNotFound in ItemsController#show</h1><pre>app/controllers/items_controller.rb:12:in \`show'\nactionpack (7.0.4) lib/action_controller/metal/basic_implicit_render.rb:6:in \`send_action'</pre><p>Rails.root: /srv/shop</p>`,
        500,
      );
    },
  },
  {
    method: 'GET',
    path: '/infodisc/go/user',
    handler: (req, res) => {
      const id = req.query.get('id') ?? '';
      if (/^\d+$/.test(id)) return html(res, `<p>User ${id}</p>`);
      res.text(`panic: runtime error: index out of range [3] with length 3\n\ngoroutine 34 [running]:\nmain.userHandler(0x7f1c, 0xc0000a6000)\n\t/src/app/main.go:57 +0x1d4\n`, 500);
    },
  },
  {
    method: 'POST',
    path: '/infodisc/aspnet/login',
    handler: (req, res) => {
      const f = req.form();
      if (!BAD.test(f.get('user') ?? '') && !BAD.test(f.get('pass') ?? '')) return html(res, '<p>Wrong password</p>', 401);
      html(
        res,
        `<html><head><title>Runtime Error</title></head><body><h1>Server Error in '/' Application.</h1><h2><i>A potentially dangerous Request.Form value was detected from the client.</i></h2>
<b>Exception Details: </b>System.Web.HttpRequestValidationException<br><br><b>Stack Trace:</b><pre>[HttpRequestValidationException]\n   System.Web.HttpRequest.ValidateString(String value) +8818</pre>
<b>Version Information:</b>&nbsp;Microsoft .NET Framework Version:4.0.30319; ASP.NET Version:4.8.4494.0</body></html>`,
        500,
      );
    },
  },
  {
    method: 'GET',
    path: '/infodisc/banner',
    handler: (_req, res) => html(res, '<p>About us</p>', 200, { server: 'Apache/2.4.49 (Unix)', 'x-powered-by': 'PHP/7.4.3', 'x-aspnet-version': '4.0.30319' }),
  },

  {
    method: 'GET',
    path: '/infodisc-safe/',
    index: true,
    title: 'Error handling (safe)',
    handler: (_req, res) =>
      html(
        res,
        `<html><head><title>Safe shop</title><meta name="generator" content="Hugo"></head><body>
<a href="/infodisc-safe/search?q=shoes">search</a> <a href="/infodisc-safe/docs?topic=python">docs</a> <a href="/infodisc-safe/about">about</a>
<form method="post" action="/infodisc-safe/login"><input name="user" value="guest"></form></body></html>`,
      ),
  },
  {
    method: 'GET',
    path: '/infodisc-safe/search',
    handler: (req, res) => {
      const q = req.query.get('q') ?? '';
      if (BAD.test(q) || req.query.has('q[]')) return html(res, '<h1>Something went wrong</h1><p>Reference 8f2a.</p>', 500);
      html(res, `<p>Results for ${q.replace(/[<&]/g, '')}</p>`);
    },
  },
  {
    method: 'GET',
    path: '/infodisc-safe/docs',
    handler: (_req, res) =>
      html(res, `<h1>Reading a Python traceback</h1><pre>Traceback (most recent call last):\n  File "example.py", line 3, in &lt;module&gt;\nZeroDivisionError: division by zero</pre>`),
  },
  {
    method: 'GET',
    path: '/infodisc-safe/about',
    handler: (_req, res) => html(res, '<p>About</p>', 200, { server: 'nginx', 'x-powered-by': 'Express' }),
  },
  { method: 'POST', path: '/infodisc-safe/login', handler: (_req, res) => html(res, '<p>Invalid input</p>', 400) },
  // Debug pages, private addresses and file-system paths, seen in pages the crawl fetches.
  {
    method: 'GET',
    path: '/infodisc-debug/',
    index: true,
    title: 'Debug pages and leaks',
    handler: (_req, res) =>
      html(res, `<html><head><title>Staging</title></head><body><ul>
<li><a href="/infodisc-debug/django/missing">django</a></li><li><a href="/infodisc-debug/flask/crash">flask</a></li>
<li><a href="/infodisc-debug/laravel/order">laravel</a></li><li><a href="/infodisc-debug/symfony/home">symfony</a></li>
<li><a href="/infodisc-debug/rails/nowhere">rails</a></li><li><a href="/infodisc-debug/health">health</a></li>
<li><a href="/infodisc-debug/upload">upload</a></li><li><a href="/infodisc-debug/export">export</a></li>
<li><a href="/infodisc-debug/admin?view=info">server info</a></li><li><a href="/infodisc-debug/contact">contact</a></li></ul></body></html>`),
  },
  {
    // phpinfo() output behind an admin view: not a leftover file name, still the whole configuration
    method: 'GET',
    path: '/infodisc-debug/admin',
    vulnerable: [{ item: ID }],
    handler: (_req, res) =>
      html(res, `<!DOCTYPE html><html><head><title>PHP 8.2.12 - phpinfo()</title></head><body><div class="center">
<table><tr class="h"><td><h1 class="p">PHP Version 8.2.12</h1></td></tr></table>
<table><tr><td class="e">System </td><td class="v">Linux web01 6.1.0 x86_64 </td></tr>
<tr><td class="e">Build Date </td><td class="v">Nov 30 2025 10:00:00 </td></tr></table></div></body></html>`),
  },
  {
    method: 'GET',
    path: '/infodisc-debug/django/missing',
    vulnerable: [{ item: ID }],
    handler: (_req, res) =>
      html(res, `<html><head><title>Page not found at /infodisc-debug/django/missing</title></head><body><div id="summary"><h1>Page not found <span>(404)</span></h1></div>
<div id="info"><p>Using the URLconf defined in <code>shop.urls</code>, Django tried these URL patterns, in this order:</p><ol><li>admin/</li><li>api/</li></ol></div>
<div id="explanation"><p>You&#x27;re seeing this error because you have <code>DEBUG = True</code> in your Django settings file.</p></div></body></html>`, 404),
  },
  {
    method: 'GET',
    path: '/infodisc-debug/flask/crash',
    vulnerable: [{ item: ID }],
    handler: (_req, res) =>
      html(res, `<!doctype html><html><head><title>KeyError: 'user' // Werkzeug Debugger</title>
<script src="?__debugger__=yes&amp;cmd=resource&amp;f=debugger.js"></script></head><body><div class="debugger"><h1>KeyError</h1>
<div class="plain"><p>The debugger caught an exception in your WSGI application. You can now look at the traceback which led to the error.</p></div></div></body></html>`, 500),
  },
  {
    method: 'GET',
    path: '/infodisc-debug/laravel/order',
    vulnerable: [{ item: ID }],
    handler: (_req, res) =>
      html(res, `<!doctype html><html><head><title>Undefined variable $order</title></head><body><div id="app"></div>
<script>window.data = {"report":{"framework_version":"8.83.27","language":"PHP","message":"Undefined variable $order"}};</script>
<script>ignite(window.data);</script></body></html>`, 500),
  },
  {
    method: 'GET',
    path: '/infodisc-debug/symfony/home',
    vulnerable: [{ item: ID }],
    handler: (_req, res) =>
      html(res, `<html><head><title>Home</title></head><body><p>Welcome</p>
<div id="sfwdt3c9a1f" class="sf-toolbar sf-display-none" role="region"></div><script>Sfjs.loadToolbar('3c9a1f');</script></body></html>`, 200, { 'x-debug-token': '3c9a1f', 'x-debug-token-link': '/_profiler/3c9a1f' }),
  },
  {
    method: 'GET',
    path: '/infodisc-debug/rails/nowhere',
    vulnerable: [{ item: ID }],
    handler: (_req, res) =>
      html(res, `<html><head><title>Action Controller: Exception caught</title></head><body><h1>Routing Error</h1>
<p><pre>No route matches [GET] &quot;/infodisc-debug/rails/nowhere&quot;</pre></p><p>Rails.root: /srv/shop</p>
<h2>Routes</h2><p>Routes match in priority from top to bottom</p></body></html>`, 404),
  },
  {
    method: 'GET',
    path: '/infodisc-debug/health',
    vulnerable: [{ item: ID }],
    handler: (_req, res) => res.json({ status: 'ok', db: 'postgres://10.0.3.7:5432/shop', cache: '192.168.10.5:6379', node: 'web-2' }),
  },
  {
    method: 'GET',
    path: '/infodisc-debug/upload',
    vulnerable: [{ item: ID }],
    handler: (_req, res) => html(res, '<p>Your file was saved to /var/www/shop/storage/uploads/avatar-17.png</p>'),
  },
  {
    method: 'GET',
    path: '/infodisc-debug/export',
    vulnerable: [{ item: ID }],
    handler: (_req, res) => html(res, '<p>Report written to C:\\inetpub\\wwwroot\\reports\\q1.xlsx</p>'),
  },

  {
    method: 'GET',
    path: '/infodisc-debug-safe/',
    index: true,
    title: 'Debug pages and leaks (safe)',
    handler: (_req, res) =>
      html(res, `<html><head><title>Blog</title></head><body><a href="/infodisc-debug-safe/django">django post</a>
<a href="/infodisc-debug-safe/network">network post</a> <a href="/infodisc-debug-safe/deploy">deploy post</a>
<a href="/infodisc-debug-safe/howto">how-to</a> <a href="/infodisc-debug-safe/login">login</a></body></html>`),
  },
  {
    method: 'GET',
    path: '/infodisc-debug-safe/django',
    safeFor: [ID],
    handler: (_req, res) =>
      html(res, `<h1>Turn off debug pages</h1><p>Never deploy with <code>DEBUG = True</code>: the Werkzeug Debugger, Laravel Ignition and the Symfony toolbar (sf-toolbar) must stay in development.</p>
<h2>Routing Error</h2><p>A routing error page lists your routes.</p>`),
  },
  {
    method: 'GET',
    path: '/infodisc-debug-safe/network',
    safeFor: [ID],
    handler: (_req, res) => html(res, '<p>Public resolvers: 8.8.8.8 and 1.1.1.1; 172.32.0.1 is public too. Tested on Windows 10.0.19045.2965 and Chrome/10.1.2.3; not 10.300.1.1.</p>'),
  },
  {
    method: 'GET',
    path: '/infodisc-debug-safe/deploy',
    safeFor: [ID],
    handler: (_req, res) => html(res, '<p>See <a href="https://docs.example.invalid/var/www/manual.html">the manual</a> and https://docs.example.invalid/var/www/setup.php for setup.</p><img src="https://cdn.example.invalid/srv/img/logo.php"><form method="post" action="/var/www/upload.php"><input name="f"></form>'),
  },
  {
    // a tutorial quoting shell sessions: the addresses and paths in it are examples, not this server's
    method: 'GET',
    path: '/infodisc-debug-safe/howto',
    safeFor: [ID],
    handler: (_req, res) =>
      html(res, `<h1>Lab set-up</h1><p>Find the lab machine's address, then point the proxy at it.</p>
<pre>
user@lab:~$ ip -4 addr show eth0
    inet 192.168.56.101/24 brd 192.168.56.255 scope global eth0
user@lab:~$ sudo cp /etc/nginx/sites-available/lab.conf /etc/nginx/sites-available/lab.conf.bak
</pre>
<p>From Windows: <code>C:\\&gt; ping -n 1 10.20.30.40</code>, then <code>curl http://172.16.5.9/health</code>.</p>
<p>Run the scanner: /usr/bin/labscan -d 10.9.8.7 -p 8088</p>`),
  },
  {
    method: 'GET',
    path: '/infodisc-debug/contact',
    vulnerable: [{ item: ID }],
    handler: (_req, res) =>
      html(res, `<h1>Contact</h1><!-- TODO remove before go-live: the staging database password is still set to Winter2024, ask ops --><p>Mail us.</p>`),
  },
  {
    // comments about password fields, commented-out markup and conditional comments tell nothing
    method: 'GET',
    path: '/infodisc-debug-safe/login',
    safeFor: [ID],
    handler: (_req, res) =>
      html(res, `<!--[if lt IE 9]><script src="/html5shiv.js"></script><![endif]--><h1>Sign in</h1><form method="post" action="/infodisc-debug-safe/login">
<!-- password field --><input type="password" name="password"><!-- <input type="hidden" name="password_hint" value="x"> --><!-- Forgot password link goes here when the page is ready --></form>`),
  },
];
