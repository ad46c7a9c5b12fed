// CSRF (extension item): /csrf/ is a bank settings area whose state-changing requests another site
// can forge: an e-mail change with no token, a transfer whose token is checked only when sent, a
// JSON settings endpoint that parses any content type. /csrf-safe/ twins: a token checked always,
// an Origin/Referer check, a JSON endpoint that takes application/json only, and a search form
// (no state change) without a token.
import type { Route, TestbedRequest } from '../server.js';

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One token for the process: what a session-bound token is to a single visitor. */
const TOKEN = 'f3a9c1d27b6e4058a1c2d3e4f5a6b7c8';

const settings = (base: string, token: boolean): string =>
  page(
    'Settings',
    `<form method="post" action="${base}/email">${token ? `<input type="hidden" name="csrf_token" value="${TOKEN}">` : ''}<input name="email" value="alice@example.com"><input type="submit" value="Change e-mail"></form>
<form method="post" action="${base}/transfer"><input type="hidden" name="csrf_token" value="${TOKEN}"><input name="to" value="bob"><input name="amount" value="10"><input type="submit" value="Transfer"></form>
<form method="post" action="${base}/search"><input name="q" value="rent"><input type="submit" value="Search statements"></form>
<script>function save(theme) { return fetch('${base}/api/settings', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ theme: theme, notify: true }) }); }</script>`,
  );

const foreign = (req: TestbedRequest): boolean => {
  const self = `http://${req.headers.host ?? ''}`;
  const origin = req.headers.origin;
  const referer = req.headers.referer;
  return (typeof origin === 'string' && origin !== self) || (typeof referer === 'string' && !referer.startsWith(`${self}/`));
};

const done = (what: string): string => page('Saved', `<p>${esc(what)}</p><p><a href="./">Back to settings</a></p>`);
const refused = (why: string): string => page('Refused', `<p>Request refused: ${why}.</p>`);

export const routes: Route[] = [
  { method: 'GET', path: '/csrf/', index: true, title: 'Bank settings (forgeable)', handler: (_req, res) => res.html(settings('/csrf', false)) },
  {
    method: 'POST',
    path: '/csrf/email',
    vulnerable: [{ item: 'CSRF' }],
    handler: (req, res) => res.html(done(`E-mail changed to ${req.form().get('email') ?? ''}.`)),
  },
  {
    method: 'POST',
    path: '/csrf/transfer',
    vulnerable: [{ item: 'CSRF' }],
    handler: (req, res) => {
      const f = req.form();
      // the token is compared only when the form sends one
      if (f.has('csrf_token') && f.get('csrf_token') !== TOKEN) return res.html(refused('invalid CSRF token'), 403);
      res.html(done(`Sent ${f.get('amount') ?? ''} to ${f.get('to') ?? ''}.`));
    },
  },
  {
    method: 'POST',
    path: '/csrf/search',
    safeFor: ['CSRF'],
    handler: (req, res) => res.html(page('Statements', `<p>No statement mentions ${esc(req.form().get('q') ?? '')}.</p>`)),
  },
  {
    method: 'POST',
    path: '/csrf/api/settings',
    vulnerable: [{ item: 'CSRF' }],
    handler: (req, res) => {
      let body: unknown;
      try {
        body = JSON.parse(req.text());
      } catch {
        return res.json({ error: 'bad JSON' }, 400);
      }
      res.json({ saved: true, settings: body });
    },
  },
  { method: 'GET', path: '/csrf-safe/', index: true, title: 'Bank settings (protected)', handler: (_req, res) => res.html(settings('/csrf-safe', true)) },
  {
    method: 'POST',
    path: '/csrf-safe/email',
    safeFor: ['CSRF'],
    handler: (req, res) => {
      const f = req.form();
      if (f.get('csrf_token') !== TOKEN) return res.html(refused('invalid CSRF token'), 403);
      res.html(done(`E-mail changed to ${f.get('email') ?? ''}.`));
    },
  },
  {
    method: 'POST',
    path: '/csrf-safe/transfer',
    safeFor: ['CSRF'],
    handler: (req, res) => {
      if (foreign(req)) return res.html(refused('cross-site request'), 403);
      const f = req.form();
      res.html(done(`Sent ${f.get('amount') ?? ''} to ${f.get('to') ?? ''}.`));
    },
  },
  {
    method: 'POST',
    path: '/csrf-safe/search',
    safeFor: ['CSRF'],
    handler: (req, res) => res.html(page('Statements', `<p>No statement mentions ${esc(req.form().get('q') ?? '')}.</p>`)),
  },
  {
    method: 'POST',
    path: '/csrf-safe/api/settings',
    safeFor: ['CSRF'],
    handler: (req, res) => {
      if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? ''))) return res.json({ error: 'JSON only' }, 415);
      res.json({ saved: true, settings: JSON.parse(req.text()) as unknown });
    },
  },
];
