// Security headers and cookies (extension items Security Headers, Cookie Security): /headers/ pages
// send no or weak browser-defence headers, /headers-safe/ pages a strict set; /cookies/ pages set
// session cookies without HttpOnly or SameSite, /cookies-safe/ pages set them with both (and a
// theme cookie, which carries no secret, without either).
import { randomBytes } from 'node:crypto';
import type { Route, TestbedResponse } from '../server.js';

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;

/** The headers a careful site sends; each weak page overrides one of them. */
export const STRICT_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

function send(res: TestbedResponse, headers: Record<string, string | undefined>, html: string): void {
  for (const [k, v] of Object.entries({ ...STRICT_HEADERS, ...headers })) if (v !== undefined) res.setHeader(k, v);
  res.html(html);
}

const sid = (): string => randomBytes(16).toString('hex');

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/headers/',
    index: true,
    title: 'Account pages (weak headers)',
    // no header at all: the site-wide "missing" findings land on the first such page (the StartUrl's)
    handler: (_req, res) =>
      res.html(page('Account', '<ul><li><a href="/headers/inline">inline</a></li><li><a href="/headers/framed">framed</a></li><li><a href="/headers/allow-from">allow-from</a></li><li><a href="/headers/referrer">referrer</a></li></ul>')),
  },
  {
    method: 'GET',
    path: '/headers/inline',
    vulnerable: [{ item: 'Security Headers', parameter: 'Content-Security-Policy' }],
    handler: (_req, res) => send(res, { 'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'" }, page('Inline', '<p>Inline scripts allowed.</p>')),
  },
  {
    method: 'GET',
    path: '/headers/framed',
    vulnerable: [{ item: 'Security Headers', parameter: 'Content-Security-Policy' }],
    handler: (_req, res) => send(res, { 'content-security-policy': "default-src 'self'; frame-ancestors *", 'x-frame-options': undefined }, page('Framed', '<p>Any site may frame this.</p>')),
  },
  {
    method: 'GET',
    path: '/headers/allow-from',
    vulnerable: [{ item: 'Security Headers', parameter: 'X-Frame-Options' }],
    handler: (_req, res) =>
      send(res, { 'content-security-policy': "default-src 'self'", 'x-frame-options': 'ALLOW-FROM https://partner.example' }, page('Allow-from', '<p>Framing meant for one partner.</p>')),
  },
  {
    method: 'GET',
    path: '/headers/referrer',
    vulnerable: [{ item: 'Security Headers', parameter: 'Referrer-Policy' }],
    handler: (_req, res) => send(res, { 'referrer-policy': 'unsafe-url' }, page('Referrer', '<p>Full URLs go to other sites.</p>')),
  },
  {
    method: 'GET',
    path: '/headers-safe/',
    index: true,
    title: 'Account pages (strict headers)',
    safeFor: ['Security Headers'],
    handler: (_req, res) =>
      send(res, {}, page('Account', '<ul><li><a href="/headers-safe/nonce">nonce</a></li><li><a href="/headers-safe/meta">meta</a></li><li><a href="/headers-safe/referrer">referrer</a></li></ul>')),
  },
  {
    method: 'GET',
    path: '/headers-safe/nonce',
    safeFor: ['Security Headers'],
    // 'unsafe-inline' beside a nonce is ignored by every CSP 2 browser: the nonce rules
    handler: (_req, res) => send(res, { 'content-security-policy': "script-src 'nonce-r4nd0m' 'unsafe-inline' 'strict-dynamic'; object-src 'none'; frame-ancestors 'self'", 'x-frame-options': undefined }, page('Nonce', '<script nonce="r4nd0m">1</script>')),
  },
  {
    method: 'GET',
    path: '/headers-safe/meta',
    safeFor: ['Security Headers'],
    handler: (_req, res) =>
      send(res, { 'content-security-policy': undefined }, `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'self'"><title>Meta</title></head><body><p>Policy in a meta tag.</p></body></html>`),
  },
  {
    method: 'GET',
    path: '/headers-safe/referrer',
    safeFor: ['Security Headers'],
    handler: (_req, res) => send(res, { 'referrer-policy': 'no-referrer, strict-origin-when-cross-origin' }, page('Referrer', '<p>Fallback list.</p>')),
  },
  {
    method: 'GET',
    path: '/cookies/',
    index: true,
    title: 'Sign-in area (loose cookies)',
    handler: (_req, res) => res.html(page('Sign-in area', '<ul><li><a href="/cookies/session">session</a></li><li><a href="/cookies/remember">remember me</a></li></ul>')),
  },
  {
    method: 'GET',
    path: '/cookies/session',
    vulnerable: [{ item: 'Cookie Security', parameter: 'SESSIONID' }],
    handler: (_req, res) => {
      res.setHeader('set-cookie', `SESSIONID=${sid()}; Path=/cookies`);
      res.html(page('Session', '<p>Signed in.</p>'));
    },
  },
  {
    method: 'GET',
    path: '/cookies/remember',
    vulnerable: [{ item: 'Cookie Security', parameter: 'keep' }],
    handler: (_req, res) => {
      // no session-like name: the random value tells it carries a secret
      res.setHeader('set-cookie', `keep=${sid()}; Path=/cookies; HttpOnly; SameSite=None`);
      res.html(page('Remember me', '<p>You stay signed in.</p>'));
    },
  },
  {
    method: 'GET',
    path: '/cookies-safe/',
    index: true,
    title: 'Sign-in area (strict cookies)',
    handler: (_req, res) => res.html(page('Sign-in area', '<ul><li><a href="/cookies-safe/session">session</a></li><li><a href="/cookies-safe/prefs">preferences</a></li></ul>')),
  },
  {
    method: 'GET',
    path: '/cookies-safe/session',
    safeFor: ['Cookie Security'],
    handler: (_req, res) => {
      res.setHeader('set-cookie', [`SESSIONID=${sid()}; Path=/cookies-safe; HttpOnly; SameSite=Lax`, `XSRF-TOKEN=${sid()}; Path=/cookies-safe; SameSite=Strict`]);
      res.html(page('Session', '<p>Signed in.</p>'));
    },
  },
  {
    method: 'GET',
    path: '/cookies-safe/prefs',
    safeFor: ['Cookie Security'],
    handler: (_req, res) => {
      res.setHeader('set-cookie', ['theme=dark; Path=/cookies-safe', 'SESSIONID=deleted; Path=/cookies-safe; Max-Age=0']);
      res.html(page('Preferences', '<p>Dark theme.</p>'));
    },
  },
];
