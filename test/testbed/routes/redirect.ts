// URL Redirection pages: /redirect/ links endpoints that send the visitor to a destination taken
// from the request (Location header, meta refresh, script, and one behind a naive "starts with /"
// filter), and safe twins that look the same but only ever send the visitor somewhere on this site.
import type { Route, TestbedResponse } from '../server.js';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A JS string literal that cannot close the script element. */
function jsString(s: string): string {
  return JSON.stringify(s).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function page(res: TestbedResponse, title: string, body: string, head = ''): void {
  res.html(`<!doctype html><html><head><title>${title}</title>${head}</head><body><h1>${title}</h1>\n${body}\n</body></html>`);
}

/** Relative-only after normalisation: parsed against our own origin, it must stay on it. */
function sameOriginPath(value: string): string {
  const base = 'http://redirect.testbed.invalid';
  try {
    const u = new URL(value, base);
    if (u.origin === base && value.startsWith('/') && !/^\/[\\/]/.test(value)) return u.pathname + u.search;
  } catch {
    // unparsable destinations fall back to the default page
  }
  return '/redirect/home';
}

/** What frameworks do before writing a Location header: percent-encode what a header cannot carry. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      // a lone surrogate has no UTF-8 form: the replacement character stands in for it
      return '%EF%BF%BD';
    }
  });
}

const ALLOWED = new Map([
  ['home', '/redirect/home'],
  ['account', '/redirect/account'],
]);

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/redirect/',
    index: true,
    title: 'Redirects after login',
    handler: (_req, res) =>
      page(
        res,
        'Redirects',
        `<ul>
<li><a href="/redirect/login?next=/redirect/account">Log in, then go to your account</a></li>
<li><a href="/redirect/meta?url=/redirect/home">Continue (meta refresh)</a></li>
<li><a href="/redirect/js?returnTo=/redirect/home">Continue (script)</a></li>
<li><a href="/redirect/naive?goto=/redirect/account">Continue (checked path)</a></li>
<li><a href="/redirect/safe/allow?dest=home">Continue (allowlist)</a></li>
<li><a href="/redirect/safe/relative?next=/redirect/account">Continue (relative only)</a></li>
<li><a href="/redirect/safe/js?return=/redirect/home">Continue (script, checked)</a></li>
<li><a href="/redirect/safe/echo?url=/redirect/home">Continue (link only)</a></li>
</ul>`,
      ),
  },
  { method: 'GET', path: '/redirect/home', handler: (_req, res) => page(res, 'Welcome', '<p>You arrived.</p>') },
  { method: 'GET', path: '/redirect/account', handler: (_req, res) => page(res, 'Your account', '<p>Settings.</p>') },
  {
    method: 'GET',
    path: '/redirect/login',
    vulnerable: [{ item: 'URL Redirection', parameter: 'next' }],
    handler: (req, res) => res.redirect(headerSafe(req.query.get('next') ?? '/redirect/home')),
  },
  {
    method: 'GET',
    path: '/redirect/meta',
    // any scheme is honoured, javascript: too: the link and the refresh run script
    vulnerable: [{ item: 'URL Redirection', parameter: 'url' }, { item: 'XSS', parameter: 'url' }],
    handler: (req, res) => {
      const to = req.query.get('url') ?? '/redirect/home';
      page(res, 'Redirecting', `<p>Taking you to <a href="${esc(to)}">${esc(to)}</a>.</p>`, `<meta http-equiv="refresh" content="0; url=${esc(to)}">`);
    },
  },
  {
    method: 'GET',
    path: '/redirect/js',
    // the value becomes location.href as it is, so returnTo=javascript:... runs script too
    vulnerable: [
      { item: 'URL Redirection', parameter: 'returnTo' },
      { item: 'XSS', parameter: 'returnTo' },
    ],
    handler: (req, res) => page(res, 'Redirecting', `<script>window.location.href = ${jsString(req.query.get('returnTo') ?? '/redirect/home')};</script>`),
  },
  {
    method: 'GET',
    path: '/redirect/naive',
    vulnerable: [{ item: 'URL Redirection', parameter: 'goto' }],
    handler: (req, res) => {
      const to = req.query.get('goto') ?? '';
      // the classic mistake: "a path starts with /" lets "//host" and "/\host" through
      res.redirect(to.startsWith('/') ? headerSafe(to) : '/redirect/home');
    },
  },
  {
    method: 'GET',
    path: '/redirect/safe/allow',
    safeFor: ['URL Redirection'],
    handler: (req, res) => res.redirect(ALLOWED.get(req.query.get('dest') ?? '') ?? '/redirect/home'),
  },
  {
    method: 'GET',
    path: '/redirect/safe/relative',
    safeFor: ['URL Redirection'],
    handler: (req, res) => res.redirect(sameOriginPath(req.query.get('next') ?? '')),
  },
  {
    method: 'GET',
    path: '/redirect/safe/js',
    safeFor: ['URL Redirection'],
    handler: (req, res) => {
      const to = sameOriginPath(req.query.get('return') ?? '');
      // the raw value is shown, but only the checked path is used as the destination
      page(res, 'Redirecting', `<p>Requested: ${esc(req.query.get('return') ?? '')}</p><script>var requested = ${jsString(req.query.get('return') ?? '')};
window.location.href = ${jsString(to)};</script>`);
    },
  },
  {
    method: 'GET',
    path: '/redirect/safe/echo',
    safeFor: ['URL Redirection'],
    handler: (req, res) => {
      const to = req.query.get('url') ?? '/redirect/home';
      // a link the visitor may click is not a redirect; the meta refresh goes to a fixed page
      page(res, 'Leaving', `<p>You asked for <a href="${esc(to)}">${esc(to)}</a>.</p>`, '<meta http-equiv="refresh" content="5; url=/redirect/home">');
    },
  },
];
