// Information Disclosure pages: /infodisc/ links to endpoints that leak a stack trace of a real
// framework when given malformed input, and to pages with version banners; /infodisc-safe/ has
// twins that fail gracefully, banners without versions, and a tutorial that quotes a traceback.
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

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
];
