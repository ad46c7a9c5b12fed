// DOM-based XSS pages: sources x sinks after the public taxonomy (a value an attacker controls in
// location, document.URL/referrer/cookie, window.name, a message or web storage reaching an HTML,
// code or URL sink), all in the page's own scripts: the server never reflects anything, so only a
// browser that runs the scripts sees them. Every case has a safe twin under /dom-safe/ that reads
// the same source with the same sink family but writes text, encodes, validates or checks the
// message's origin. /dom/ links the vulnerable pages, /dom-safe/ the twins.
import type { Route } from '../server.js';

const X = 'XSS' as const;

/**
 * A few lines behaving like jQuery before 1.6.3 (not available as an npm package here, and pages
 * must not load it from a CDN): `$(string)` builds elements from any HTML in the string, even
 * after a '#' (the old quickExpr, the classic `$(location.hash)` hole), `.html()` writes markup,
 * `.text()` writes text.
 */
const MINI_JQUERY = `(function () {
  var quickExpr = /^(?:[^<]*(<[\\w\\W]+>)[^>]*$|#([\\w\\-]*)$)/;
  function Q(nodes) { this.nodes = nodes; this.length = nodes.length; }
  Q.prototype.html = function (s) { this.nodes.forEach(function (n) { n.innerHTML = s; }); return this; };
  Q.prototype.text = function (s) { this.nodes.forEach(function (n) { n.textContent = s; }); return this; };
  Q.prototype.addClass = function (c) { this.nodes.forEach(function (n) { n.classList && n.classList.add(c); }); return this; };
  Q.prototype.appendTo = function (sel) { var t = $(sel).nodes[0]; this.nodes.forEach(function (n) { t && t.appendChild(n); }); return this; };
  function $(sel) {
    if (typeof sel !== 'string') return new Q([sel]);
    var m = quickExpr.exec(sel);
    if (m && m[1]) { var div = document.createElement('div'); div.innerHTML = m[1]; return new Q(Array.prototype.slice.call(div.childNodes)); }
    if (m && m[2] !== undefined) { var el = document.getElementById(m[2]); return new Q(el ? [el] : []); }
    var found = [];
    try { found = Array.prototype.slice.call(document.querySelectorAll(sel)); } catch (e) { found = []; }
    return new Q(found);
  }
  window.$ = window.jQuery = $;
})();`;

/** Shared by every case page: decoding that tolerates bad escapes, and an HTML encoder for the twins. */
const HELPERS = `function dec(s) { try { return decodeURIComponent(s); } catch (e) { return s; } }
function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
var params = new URLSearchParams(location.search);
var out = document.getElementById('out');`;

interface DomCase {
  /** Path below /dom/ and /dom-safe/. */
  slug: string;
  title: string;
  /** Source name as a finding reports it (a query parameter, location.hash, window.name...). */
  source: string;
  sink: string;
  /** The link the index page gives (query, hash or path suffix the page expects). */
  link?: string;
  /** Markup before the output element; BASE stands for /dom or /dom-safe. */
  body?: string;
  vulnerable: string;
  safe: string;
  jquery?: boolean;
  /** Headers the page sets (a cookie it later reads). */
  headers?: Record<string, string>;
}

const CASES: DomCase[] = [
  {
    slug: 'hash-innerhtml',
    title: 'Section from the fragment into innerHTML',
    source: 'location.hash',
    sink: 'innerHTML',
    link: '#intro',
    vulnerable: `out.innerHTML = 'Section: ' + dec(location.hash.slice(1));`,
    safe: `out.textContent = 'Section: ' + dec(location.hash.slice(1));`,
  },
  {
    slug: 'search-write',
    title: 'Search term from the query into document.write',
    source: 'q',
    sink: 'document.write',
    link: '?q=shoes',
    vulnerable: `document.write('<p>Results for ' + (params.get('q') || '') + '</p>');`,
    safe: `document.write('<p>Results for ' + esc(params.get('q') || '') + '</p>');`,
  },
  {
    slug: 'href-adjacent',
    title: 'Referral code from location.href into insertAdjacentHTML',
    source: 'ref',
    sink: 'insertAdjacentHTML',
    link: '?ref=home',
    vulnerable: `var m = /[?&]ref=([^&#]*)/.exec(location.href); out.insertAdjacentHTML('beforeend', 'Referral: ' + dec(m ? m[1] : 'none'));`,
    safe: `var m = /[?&]ref=([^&#]*)/.exec(location.href); out.insertAdjacentText('beforeend', 'Referral: ' + dec(m ? m[1] : 'none'));`,
  },
  {
    slug: 'path-outerhtml',
    title: 'Name from location.pathname into outerHTML',
    source: 'location.pathname',
    sink: 'outerHTML',
    link: '/guest',
    body: '<div id="box"></div>',
    vulnerable: `var who = dec(location.pathname.split('/').pop()); document.getElementById('box').outerHTML = '<div id="box">Hello ' + who + '</div>';`,
    safe: `var who = dec(location.pathname.split('/').pop()); document.getElementById('box').outerHTML = '<div id="box">Hello ' + esc(who) + '</div>';`,
  },
  {
    slug: 'url-eval',
    title: 'Language from document.URL into eval',
    source: 'lang',
    sink: 'eval',
    link: '?lang=en',
    vulnerable: `var lang = (document.URL.split('lang=')[1] || 'en').split('&')[0]; eval("var current = '" + dec(lang) + "'"); out.textContent = current;`,
    safe: `var lang = (document.URL.split('lang=')[1] || 'en').split('&')[0]; eval('var current = ' + JSON.stringify(dec(lang))); out.textContent = current;`,
  },
  {
    slug: 'referrer-innerhtml',
    title: 'document.referrer into innerHTML',
    source: 'document.referrer',
    sink: 'innerHTML',
    vulnerable: `out.innerHTML = 'You came from ' + dec(document.referrer);`,
    safe: `out.textContent = 'You came from ' + dec(document.referrer);`,
  },
  {
    slug: 'cookie-innerhtml',
    title: 'Theme from document.cookie into innerHTML',
    source: 'theme',
    sink: 'innerHTML',
    vulnerable: `var m = document.cookie.match(/(?:^|; )theme=([^;]*)/); out.innerHTML = 'Theme: ' + dec(m ? m[1] : 'light');`,
    safe: `var m = document.cookie.match(/(?:^|; )theme=([^;]*)/); out.innerHTML = 'Theme: ' + esc(dec(m ? m[1] : 'light'));`,
  },
  {
    slug: 'name-settimeout',
    title: 'window.name into a setTimeout string',
    source: 'window.name',
    sink: 'setTimeout',
    vulnerable: `function greet(n) { out.textContent = 'Hi ' + n; } setTimeout("greet('" + (window.name || 'friend') + "')", 0);`,
    safe: `function greet(n) { out.textContent = 'Hi ' + n; } setTimeout(function () { greet(window.name || 'friend'); }, 0);`,
  },
  {
    slug: 'search-setinterval',
    title: 'Step from the query into a setInterval string',
    source: 'step',
    sink: 'setInterval',
    link: '?step=1',
    vulnerable: `var n = 0; function tick(s) { n += s; out.textContent = n; } var t = setInterval('tick(' + (params.get('step') || 1) + ')', 300); setTimeout(function () { clearInterval(t); }, 2000);`,
    safe: `var n = 0; function tick(s) { n += s; out.textContent = n; } var step = Number(params.get('step')) || 1; var t = setInterval(function () { tick(step); }, 300); setTimeout(function () { clearInterval(t); }, 2000);`,
  },
  {
    slug: 'message-innerhtml',
    title: 'postMessage without an origin check into innerHTML',
    source: 'postMessage',
    sink: 'innerHTML',
    // refuses to be framed: an attacker opens it in a window instead, the scanner frames it anyway
    headers: { 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'" },
    vulnerable: `window.addEventListener('message', function (e) { out.innerHTML = 'Notice: ' + e.data; });`,
    safe: `window.addEventListener('message', function (e) { if (e.origin !== location.origin) return; out.innerHTML = 'Notice: ' + e.data; });`,
  },
  {
    slug: 'message-origin-eval',
    title: 'postMessage with a substring origin check into eval',
    source: 'postMessage',
    sink: 'eval',
    // the flawed check: any origin that merely contains our host name passes
    vulnerable: `window.addEventListener('message', function (e) { if (e.origin.indexOf(location.hostname) === -1) return; eval(e.data.code); });`,
    safe: `window.addEventListener('message', function (e) { if (e.origin !== location.origin) return; eval(e.data.code); });`,
  },
  {
    slug: 'local-jquery-html',
    title: 'Nickname from localStorage into jQuery .html()',
    source: 'localStorage.nickname',
    sink: 'jQuery .html()',
    jquery: true,
    vulnerable: `$('#out').html('Welcome back, ' + (localStorage.getItem('nickname') || 'guest'));`,
    safe: `$('#out').text('Welcome back, ' + (localStorage.getItem('nickname') || 'guest'));`,
  },
  {
    slug: 'session-function',
    title: 'Saved snippet from sessionStorage into Function',
    source: 'sessionStorage.widget',
    sink: 'Function',
    vulnerable: `var code = sessionStorage.getItem('widget'); if (code) new Function(code)();`,
    safe: `var code = sessionStorage.getItem('widget'); if (code) out.textContent = 'Saved widget: ' + code;`,
  },
  {
    slug: 'hash-jquery-selector',
    title: 'The fragment as a jQuery selector: $(location.hash)',
    source: 'location.hash',
    sink: 'jQuery $()',
    link: '#tab-home',
    body: '<ul><li id="tab-home">Home</li><li id="tab-news">News</li></ul>',
    jquery: true,
    vulnerable: `$(dec(location.hash)).addClass('active');`,
    safe: `var id = dec(location.hash.slice(1)); if (/^[\\w-]+$/.test(id)) $('#' + id).addClass('active');`,
  },
  {
    slug: 'search-location',
    title: 'Next page from the query assigned to location',
    source: 'next',
    sink: 'location',
    link: '?next=',
    vulnerable: `var next = params.get('next'); if (next) location = next;`,
    safe: `var next = params.get('next'); if (next && /^\\/(?!\\/)/.test(next)) location = next;`,
  },
  {
    slug: 'hash-href',
    title: 'Back link from the fragment assigned to a.href',
    source: 'location.hash',
    sink: 'a.href',
    link: '#/',
    body: '<a id="back" href="BASE/">Back</a>',
    vulnerable: `var to = dec(location.hash.slice(1)); if (to) document.getElementById('back').href = to;`,
    safe: `var to = dec(location.hash.slice(1)); if (/^(?:https?:\\/\\/|\\/)/i.test(to)) document.getElementById('back').href = to;`,
  },
  {
    slug: 'search-iframe-src',
    title: 'Embedded page from the query assigned to iframe.src',
    source: 'embed',
    sink: 'iframe.src',
    link: '?embed=about:blank',
    body: '<iframe id="frame" title="embed"></iframe>',
    vulnerable: `var src = params.get('embed'); if (src) document.getElementById('frame').src = src;`,
    safe: `var src = params.get('embed'); if (src && /^https?:\\/\\//i.test(src)) document.getElementById('frame').src = src;`,
  },
];

const escHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function casePage(c: DomCase, safe: boolean): string {
  const script = safe ? c.safe : c.vulnerable;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escHtml(c.title)}</title>${c.jquery ? `<script src="/dom/assets/mini-jquery.js"></script>` : ''}</head>
<body><h1>${escHtml(c.title)}</h1>
${(c.body ?? '').split('BASE').join(safe ? '/dom-safe' : '/dom')}<div id="out"></div>
<script>
${HELPERS}
${script}
</script>
<p><a href="/dom${safe ? '-safe' : ''}/">All DOM pages</a></p>
</body></html>`;
}

function indexPage(safe: boolean): string {
  const base = safe ? '/dom-safe' : '/dom';
  const items = [...CASES.map((c) => `<li><a href="${base}/${c.slug}${escHtml(c.link ?? '')}">${escHtml(c.title)}</a></li>`), `<li><a href="${base}/notes">Notes (stored)</a></li>`].join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>DOM XSS pages${safe ? ' (safe)' : ''}</title></head>
<body><h1>DOM XSS pages${safe ? ' (safe twins)' : ''}</h1><ul>
${items}
</ul></body></html>`;
}

function caseRoutes(c: DomCase): Route[] {
  // path sources need the page to answer below its own path, as routers serving /page/<name> do
  const path = (base: string): string | RegExp => (c.source === 'location.pathname' ? new RegExp(`^${base}/${c.slug}(?:/.*)?$`) : `${base}/${c.slug}`);
  const handler = (safe: boolean): Route['handler'] => (_req, res) => {
    if (c.source === 'theme') res.setHeader('set-cookie', `theme=light; Path=/dom${safe ? '-safe' : ''}/`);
    for (const [k, v] of Object.entries(c.headers ?? {})) res.setHeader(k, v);
    res.html(casePage(c, safe));
  };
  return [
    // a CSP that only says frame-ancestors leaves scripts unrestricted: a weak policy as well
    { method: 'GET', path: path('/dom'), handler: handler(false), vulnerable: [{ item: X, parameter: c.source }, ...(c.headers?.['content-security-policy'] ? [{ item: 'Security Headers' as const }] : [])] },
    { method: 'GET', path: path('/dom-safe'), handler: handler(true), safeFor: [X] },
  ];
}

// Stored DOM XSS: notes posted through a form are kept as sent and served as JSON; the board page's
// script renders them, as HTML on /dom/ and as text on /dom-safe/. The server never writes a note
// into HTML itself.
const notes: Record<'raw' | 'safe', string[]> = { raw: [], safe: [] };
const NOTES_FORM = (base: string): string => `<!doctype html><html><head><meta charset="utf-8"><title>Notes</title></head><body><h1>Leave a note</h1>
<form action="${base}/notes/add" method="post"><textarea name="note">hello</textarea><input type="submit" value="Post"></form>
<p><a href="${base}/notes/board">The board</a></p></body></html>`;
const NOTES_BOARD = (base: string, safe: boolean): string => `<!doctype html><html><head><meta charset="utf-8"><title>Board</title></head><body><h1>Notes board</h1>
<ul id="notes"></ul>
<script>
function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
fetch('${base}/notes/api').then(function (r) { return r.json(); }).then(function (list) {
  var ul = document.getElementById('notes');
  list.forEach(function (n) { ${safe ? "ul.insertAdjacentHTML('beforeend', '<li>' + esc(n) + '</li>');" : "var li = document.createElement('li'); li.innerHTML = n; ul.appendChild(li);"} });
});
</script></body></html>`;

function notesRoutes(safe: boolean): Route[] {
  const base = safe ? '/dom-safe' : '/dom';
  const store = notes[safe ? 'safe' : 'raw'];
  return [
    { method: 'GET', path: `${base}/notes`, handler: (_q, r) => r.html(NOTES_FORM(base)) },
    {
      method: 'POST',
      path: `${base}/notes/add`,
      handler: (req, res) => {
        store.push(req.form().get('note') ?? '');
        // other checks post here too (tens of thousands of requests in a full scan): keep enough that
        // the stored case is still on the board when the DOM check reads it
        if (store.length > 20_000) store.shift();
        res.redirect(`${base}/notes/board`, 303);
      },
      // the form has no anti-CSRF token: a forged post stores a note as well
      ...(safe ? { safeFor: [X] } : { vulnerable: [{ item: X, parameter: 'note' }, { item: 'CSRF' as const }] }),
    },
    { method: 'GET', path: `${base}/notes/board`, handler: (_q, r) => r.html(NOTES_BOARD(base, safe)), ...(safe ? { safeFor: [X] } : {}) },
    { method: 'GET', path: `${base}/notes/api`, handler: (_q, r) => r.json(store) },
  ];
}

/** The cases, for tests that check every one is found (source and sink as a finding names them). */
export const DOM_CASES: readonly { slug: string; source: string; sink: string }[] = CASES.map(({ slug, source, sink }) => ({ slug, source, sink }));

export const routes: Route[] = [
  { method: 'GET', path: '/dom/', index: true, title: 'DOM-based XSS', handler: (_q, r) => r.html(indexPage(false)) },
  { method: 'GET', path: '/dom-safe/', index: true, title: 'DOM-based XSS (safe)', handler: (_q, r) => r.html(indexPage(true)) },
  { method: 'GET', path: '/dom/assets/mini-jquery.js', handler: (_q, r) => r.text(MINI_JQUERY, 200, 'text/javascript; charset=utf-8') },
  ...CASES.flatMap(caseRoutes),
  ...notesRoutes(false),
  ...notesRoutes(true),
];
