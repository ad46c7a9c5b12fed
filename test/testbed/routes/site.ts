// The crawlable base site: a link graph, forms, JS-only endpoints, robots/sitemaps, a cookie area,
// destructive links, traps, and the awkward responses the transport must survive.
import { brotliCompressSync, createGzip, deflateSync } from 'node:zlib';
import { indexedRoutes, type Route, type TestbedRequest, type TestbedResponse } from '../server.js';

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;

let bomb: Promise<Buffer> | null = null;

/** 64 MiB of zeros, gzipped (about 64 KiB on the wire). */
function gzipBomb(): Promise<Buffer> {
  bomb ??= new Promise<Buffer>((resolve, reject) => {
    const gz = createGzip({ level: 9 });
    const out: Buffer[] = [];
    gz.on('data', (c: Buffer) => out.push(c));
    gz.on('end', () => resolve(Buffer.concat(out)));
    gz.on('error', reject);
    const zero = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 64; i++) gz.write(zero);
    gz.end();
  });
  return bomb;
}

function addDays(date: string, days: number): string {
  const t = Date.parse(date + 'T00:00:00Z');
  const d = new Date((Number.isNaN(t) ? Date.UTC(2024, 0, 1) : t) + days * 86_400_000);
  return d.toISOString().slice(0, 10);
}

function hex32(): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

const home = page(
  'Testbed home',
  `<ul>
<li><a href="/about">About us</a></li>
<li><a href="/products?id=1">Product 1</a> <a href="/products?id=2">Product 2</a> <a href="/products?id=3&amp;sort=asc">Product 3 sorted</a></li>
<li><a href="/search">Search</a> <a href="/contact">Contact</a> <a href="/upload">Upload</a></li>
<li><a href="/js-page">Dynamic page</a></li>
<li><a href="/calendar?date=2024-01-01">Calendar</a> <a href="/rel/">Relative maze</a> <a href="/session/${'0123456789abcdef0123456789abcdef'}/home">Session area</a></li>
<li><a href="/private/">Members area</a></li>
<li><a href="/logout">Log out</a> <a href="/account/remove?id=1">Remove my account</a> <a href="/misc/action?do=1">Sign out</a></li>
<li><a href="/redirect-me">Moved page</a> <a href="/loop/a">Loop</a> <a href="/meta-refresh">Refresh</a> <a href="/frames">Frames</a> <a href="/base-page">Base</a> <a href="/content-location">Variant</a></li>
<li><a href="/binary">Binary blob</a> <a href="/chain/1">Chain</a> <a href="/vuln/">Vulnerable pages</a> <a href="/docs/logo.png">Logo</a> <a href="mailto:admin@example.com">Mail</a> <a href="http://other.invalid/offsite">Elsewhere</a></li>
</ul>`,
);

export const routes: Route[] = [
  {
    method: ['GET', 'HEAD'],
    path: '/',
    handler: (_req, res) => {
      res.setHeader('set-cookie', 'visitor=v123; Path=/; HttpOnly');
      res.html(home);
    },
  },
  { path: '/about', handler: (_req, res) => res.html(page('About', '<a href="team">Our team</a> <a href="/">Home</a>')) },
  { path: '/team', handler: (_req, res) => res.html(page('Team', '<p>Alice, Bob</p>')) },
  {
    path: '/products',
    handler: (req, res) => res.html(page(`Product ${req.query.get('id') ?? ''}`, '<a href="/products?id=1">first</a>')),
  },
  {
    path: '/search',
    handler: (req, res) =>
      res.html(
        page(
          'Search',
          `<p>Results for ${req.query.has('q') ? 'your query' : 'nothing yet'}</p>
<form action="/search" method="get">
  <input type="text" name="q" value="">
  <select name="category"><option value="books">Books</option><option value="music" selected>Music</option></select>
  <input type="checkbox" name="inc" value="yes" checked>
  <input type="checkbox" name="exclude" value="yes">
  <input type="radio" name="lang" value="en"><input type="radio" name="lang" value="ko" checked>
  <input type="submit" value="Go">
</form>`,
        ),
      ),
  },
  {
    path: '/contact',
    handler: (_req, res) =>
      res.html(
        page(
          'Contact',
          `<form action="/contact/send" method="POST">
  <input name="name" value="anon">
  <input type="email" name="email">
  <input type="hidden" name="csrf" value="abc123">
  <textarea name="message">
Hello &amp; welcome</textarea>
  <select name="topic"><option>general</option><option>billing</option></select>
  <input type="radio" name="urgency" value="low"><input type="radio" name="urgency" value="high">
  <input type="text" name="disabled_field" value="x" disabled>
  <button type="submit" name="send" value="Send">Send</button>
  <input type="reset" name="reset" value="Reset">
</form>`,
        ),
      ),
  },
  { method: 'POST', path: '/contact/send', handler: (req, res) => res.html(page('Thanks', `<p>Got ${req.form().get('name') ?? ''}</p>`)) },
  {
    path: '/upload',
    handler: (_req, res) =>
      res.html(
        page(
          'Upload',
          `<form action="/upload/save" method="post" enctype="multipart/form-data">
  <input type="hidden" name="MAX_FILE_SIZE" value="100000">
  <input name="title" value="my file">
  <input type="file" name="attachment">
  <input type="submit" name="go" value="Upload">
</form>`,
        ),
      ),
  },
  { method: 'POST', path: '/upload/save', handler: (_req, res) => res.html(page('Uploaded', '<p>ok</p>')) },
  {
    path: '/js-page',
    handler: (_req, res) =>
      res.html(
        page(
          'Dynamic',
          `<div id="out"></div>
<script>
  fetch('/api/items?page=1').then((r) => r.json());
  function save(t) {
    return fetch("/api/save", { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title: t, done: false }) });
  }
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '/api/xhr-data?format=json');
  xhr.send();
</script>
<script src="/static/app.js"></script>
<button onclick="location.href='/api/onclick-target'">Go</button>`,
        ),
      ),
  },
  {
    path: '/static/app.js',
    handler: (_req, res) =>
      res.text(
        `import axios from 'axios';
export const ENDPOINT = "/api/literal/config.json";
export function list() { return axios.get('/api/axios-list?limit=10'); }
export function create(n, p) { return axios.post('/api/axios-create', { name: n, price: p }); }
const mime = 'application/json';
`,
        200,
        'application/javascript',
      ),
  },
  { path: /^\/api\/.+$/, handler: (req, res) => res.json({ ok: true, path: req.path }) },
  {
    path: '/robots.txt',
    handler: (_req, res) =>
      res.text('User-agent: *\nDisallow: /hidden-robots/\nAllow: /robots-allowed.html\nDisallow: /*.bak$\nSitemap: /sitemap_index.xml\n'),
  },
  {
    path: '/sitemap.xml',
    handler: (_req, res) =>
      res.text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/from-sitemap</loc></url></urlset>',
        200,
        'application/xml',
      ),
  },
  {
    path: '/sitemap_index.xml',
    handler: (req, res) =>
      res.text(
        `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://${req.headers.host ?? ''}/sitemap-pages.xml</loc></sitemap></sitemapindex>`,
        200,
        'application/xml',
      ),
  },
  {
    path: '/sitemap-pages.xml',
    handler: (req, res) =>
      res.text(
        `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://${req.headers.host ?? ''}/from-sitemap-index?ref=map</loc></url></urlset>`,
        200,
        'text/xml',
      ),
  },
  { path: /^\/(from-sitemap|from-sitemap-index|robots-allowed\.html|hidden-robots\/)$/, handler: (req, res) => res.html(page(`Listed ${req.path}`, '<p>only listed in robots/sitemaps</p>')) },
  // The members area: the auth cookie comes from the job headers, `stage` is set here and must come back.
  {
    path: /^\/private\/(.*)$/,
    handler: (req, res) => {
      if (req.cookies.auth !== 'letmein') return res.redirect('/login');
      const sub = req.params[0] ?? '';
      if (sub === '') {
        res.setHeader('set-cookie', 'stage=two; Path=/private');
        return res.html(page('Members', '<a href="/private/inner">Inner room</a> <a href="/private/logout">Sign out</a>'));
      }
      if (req.cookies.stage !== 'two') return res.html(page('Members', '<p>Visit the members home first.</p>'), 403);
      if (sub === 'inner') return res.html(page('Inner', '<a href="/private/report?id=7">Report</a>'));
      if (sub === 'report') return res.html(page('Report', '<p>secret report</p>'));
      return res.html(page('Members', '<p>members only</p>'));
    },
  },
  { path: '/login', handler: (_req, res) => res.html(page('Login', '<form method="post" action="/login"><input name="user"><input type="password" name="pass"></form>')) },
  { path: /^\/(logout|account\/remove|misc\/action)$/, handler: (_req, res) => res.html(page('Bye', '<p>session ended</p>')) },
  {
    path: '/calendar',
    handler: (req, res) => {
      const d = req.query.get('date') ?? '2024-01-01';
      res.html(page(`Calendar ${d}`, `<a href="/calendar?date=${addDays(d, -1)}">prev</a> <a href="/calendar?date=${addDays(d, 1)}">next</a>`));
    },
  },
  { path: /^\/rel\/(.*)$/, handler: (_req, res) => res.html(page('Maze', '<a href="x/">deeper</a> <a href="y/x/">sideways</a>')) },
  { path: /^\/session\/[0-9a-f]{32}\/home$/, handler: (_req, res) => res.html(page('Session', `<a href="/session/${hex32()}/home">again</a>`)) },
  {
    path: /^\/chain\/(\d+)$/,
    handler: (req, res) => {
      const n = Number(req.params[0]);
      res.html(page(`Chain ${n}`, n < 60 ? `<a href="/chain/${n + 1}">next</a>` : '<p>end</p>'));
    },
  },
  { path: '/redirect-me', handler: (_req, res) => res.redirect('/landing', 301) },
  { path: '/landing', handler: (_req, res) => res.html(page('Landing', '<p>you arrived</p>')) },
  { path: /^\/loop\/(a|b)$/, handler: (req, res) => res.redirect(req.params[0] === 'a' ? '/loop/b' : '/loop/a') },
  { path: /^\/hop\/(\d+)$/, handler: (req, res) => res.redirect(`/hop/${Number(req.params[0]) + 1}`) },
  { path: '/offsite-redirect', handler: (_req, res) => res.redirect('http://other.invalid/landing') },
  { path: '/meta-refresh', handler: (_req, res) => res.html('<html><head><meta http-equiv="refresh" content="0; url=/refreshed"></head><body>wait</body></html>') },
  { path: '/refreshed', handler: (_req, res) => res.html(page('Refreshed', '')) },
  {
    path: '/frames',
    handler: (_req, res) =>
      res.html(
        `<html><head><link rel="alternate" href="/alt-page"></head><frameset><frame src="/framed2"></frameset><body><iframe src="/framed"></iframe>
<map><area href="/area-target" alt="x"></map></body></html>`,
      ),
  },
  { path: /^\/(alt-page|framed|framed2|area-target|canonical-page|based\/child)$/, handler: (req, res) => res.html(page(req.path, '')) },
  { path: '/base-page', handler: (_req, res) => res.html('<html><head><base href="/based/"></head><body><a href="child">child</a></body></html>') },
  {
    path: '/content-location',
    handler: (_req, res) => {
      res.setHeader('content-location', '/canonical-page');
      res.html(page('Variant', ''));
    },
  },
  {
    path: '/slow',
    handler: (req, res) => {
      const ms = Number(req.query.get('ms') ?? '1500');
      const t = setTimeout(() => res.html(page('Slow', '<p>finally</p>')), ms);
      res.on('close', () => clearTimeout(t));
    },
  },
  // Never answers; the server's close() destroys the socket.
  { path: '/hang', handler: () => undefined },
  {
    path: '/huge',
    handler: (req, res) => {
      const mb = Number(req.query.get('mb') ?? '8');
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'A');
      let left = mb * 16;
      const write = (): void => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      res.on('close', () => {
        left = 0;
      });
      write();
    },
  },
  {
    path: '/bomb',
    handler: async (_req, res) => {
      const body = await gzipBomb();
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': body.length });
      res.end(body);
    },
  },
  {
    path: '/compressed',
    handler: (req: TestbedRequest, res: TestbedResponse) => {
      const text = page('Compressed', '<p>' + 'squeeze me '.repeat(200) + '</p><a href="/from-compressed">link</a>');
      const enc = req.query.get('enc') ?? 'br';
      const body = enc === 'br' ? brotliCompressSync(text) : deflateSync(text);
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': enc });
      res.end(body);
    },
  },
  {
    path: '/bad-utf8',
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(Buffer.concat([Buffer.from('<p>ok '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' done</p>')]));
    },
  },
  {
    path: '/binary',
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
    },
  },
  {
    path: '/echo-headers',
    handler: (req, res) => res.json({ headers: req.headers, method: req.method, body: req.text() }),
  },
  {
    path: '/vuln/',
    handler: async (_req, res) => {
      const items = (await indexedRoutes()).map((r) => `<li><a href="${String(r.path)}">${r.title ?? String(r.path)}</a></li>`);
      res.html(page('Vulnerable pages', `<ul>${items.join('\n')}</ul>`));
    },
  },
];
