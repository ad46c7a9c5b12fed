// XSS pages: input written into each reflection context without (or with the wrong) encoding, a
// guestbook that stores and shows entries, and safe twins that encode for the context. /xss/ links
// the vulnerable pages, /xss-safe/ the twins. A Content-Security-Policy does not make a page safe.
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

const X = 'XSS' as const;
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
// the classic half-measure: angle brackets only, quotes left alone
const escAngles = (s: string): string => s.replace(/</g, '&lt;').replace(/>/g, '&gt;');
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>`;
const q = (req: TestbedRequest, name: string, dflt: string): string => req.query.get(name) ?? dflt;

type Enc = 'raw' | 'safe';
type View = (req: TestbedRequest, res: TestbedResponse, enc: Enc) => void;

const search: View = (req, res, enc) => {
  const v = q(req, 'q', 'shoes');
  res.html(page('Search', `<p>You searched for ${enc === 'raw' ? v : esc(v)}</p>`));
};
const profile: View = (req, res, enc) => {
  const v = q(req, 'name', 'bob');
  res.html(page('Profile', `<form><input type="text" name="name" value="${enc === 'raw' ? escAngles(v) : esc(v)}"></form>`));
};
const theme: View = (req, res, enc) => {
  const v = q(req, 'lang', 'en');
  res.html(page('Theme', enc === 'raw' ? `<div class=${escAngles(v).replace(/"/g, '')}>Welcome</div>` : `<div class="${esc(v)}">Welcome</div>`));
};
const greet: View = (req, res, enc) => {
  const v = q(req, 'msg', 'hello');
  const lit = enc === 'raw' ? `'${v}'` : JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  res.html(page('Greeting', `<div id="g"></div><script>var msg = ${lit}; document.getElementById('g').textContent = msg;</script>`));
};
const link: View = (req, res, enc) => {
  const v = q(req, 'url', req.path.startsWith('/xss-safe/') ? '/xss-safe/' : '/xss/');
  const href = enc === 'raw' ? v.replace(/"/g, '&quot;') : /^(?:https?:\/\/|\/(?!\/))/i.test(v) ? esc(v) : '/';
  res.html(page('Continue', `<a href="${href}">Continue</a>`));
};
const edit: View = (req, res, enc) => {
  const v = q(req, 'text', 'draft');
  res.html(page('Editor', `<form><textarea name="text">${enc === 'raw' ? v : esc(v)}</textarea></form>`));
};
const csp: View = (req, res, enc) => {
  const v = q(req, 'q', 'news');
  res.setHeader('content-security-policy', "default-src 'self'; script-src 'self'");
  res.html(page('Archive', `<p>Archive for ${enc === 'raw' ? v : esc(v)}</p>`));
};
const feedbackForm = (base: string): string =>
  `<form action="${base}/feedback/send" method="post"><input name="name" value="ann"><textarea name="text">nice</textarea><input type="submit" value="Send"></form>`;
const feedback: View = (req, res, enc) => {
  const f = req.form();
  const name = f.get('name') ?? '';
  res.html(page('Thanks', `<p>Thanks, ${enc === 'raw' ? name : esc(name)}!</p><p>${esc(f.get('text') ?? '')}</p>`));
};

// The guestbooks keep a few entries each; the vulnerable one shows messages as HTML.
const books: Record<Enc, { author: string; message: string }[]> = { raw: [], safe: [] };
const guestbook = (base: string): View => (_req, res, enc) => {
  const entries = books[enc].map((e) => `<li><b>${esc(e.author)}</b>: ${enc === 'raw' ? e.message : esc(e.message)}</li>`).join('');
  res.html(
    page(
      'Guestbook',
      `<ul>${entries}</ul><form action="${base}/guestbook/sign" method="post"><input name="author" value="guest"><textarea name="message">hi</textarea><input type="submit" value="Sign"></form>`,
    ),
  );
};
const sign = (base: string): View => (req, res, enc) => {
  const f = req.form();
  books[enc].push({ author: f.get('author') ?? '', message: f.get('message') ?? '' });
  // every check signs the book while the scan runs: keep enough entries that a canary outlives them
  if (books[enc].length > 1000) books[enc].shift();
  res.redirect(`${base}/guestbook`, 303);
};

// Sign-up forms whose first submission answers a welcome, the name shown encoded or not at all;
// only a repeat of the same user name is refused with the name, unencoded, in a database error
// ("Duplicate entry 'x' for key 'username'"), as Mutillidae's register.php does. The forms carry
// an anti-CSRF token they check.
const SIGNUP_TOKEN = 'c5f1e2a9b7d04e38';
const signupForm = (action: string): string =>
  `<form action="${action}" method="post"><input type="hidden" name="csrf_token" value="${SIGNUP_TOKEN}"><input name="username" value="newuser"><input type="password" name="password" value="secret1"><input type="submit" value="Create account"></form>`;
const members = new Map<string, Set<string>>();
const signup = (quiet: boolean): View => (req, res, enc) => {
  const f = req.form();
  if (f.get('csrf_token') !== SIGNUP_TOKEN) return res.html(page('Sign-up', '<p>The form expired, please try again.</p>'), 403);
  const name = f.get('username') ?? '';
  const key = `${enc} ${quiet}`;
  const known = members.get(key) ?? new Set<string>();
  members.set(key, known);
  if (known.has(name)) return res.html(page('Sign-up', `<p class="error">Error: Duplicate entry '${enc === 'raw' ? name : esc(name)}' for key 'username'</p>`), 200);
  if (known.size > 20_000) known.clear();
  known.add(name);
  res.html(page('Sign-up', quiet ? '<p>Account created. Welcome aboard!</p>' : `<p>Account created for ${esc(name)}. 1 rows inserted.</p>`));
};

// Request headers and PATH_INFO echoed the way footers, back links and PHP's $_SERVER['PHP_SELF'] do.
const footer: View = (req, res, enc) => {
  const ua = String(req.headers['user-agent'] ?? '');
  res.html(page('About', `<p>About us.</p><footer>Your browser: ${enc === 'raw' ? ua : esc(ua)}</footer>`));
};
const back: View = (req, res, enc) => {
  const ref = String(req.headers.referer ?? '/');
  const lit = enc === 'raw' ? `'${ref}'` : JSON.stringify(ref).replace(/</g, '\\u003c');
  res.html(page('Back', `<button id="b">Back</button><script>document.getElementById('b').onclick = function () { location = ${lit}; };</script>`));
};
const self: View = (req, res, enc) => {
  const info = decodeURIComponent(req.path.replace(/^\/xss(?:-safe)?\/self\.php/, ''));
  res.html(page('Self', `<form action="${enc === 'raw' ? `/xss/self.php${info}` : esc(`/xss-safe/self.php${info}`)}" method="get"><input name="q"></form>`));
};

// Reflections a browser never renders as HTML.
const api: View = (req, res) => res.json({ query: q(req, 'q', 'x'), html: `<b>${q(req, 'q', 'x')}</b>` });
const plain: View = (req, res) => res.text(`You searched for <b>${q(req, 'q', 'x')}</b>`);

const links = (base: string, safe: boolean): string =>
  `<ul><li><a href="${base}/search?q=shoes">Search</a></li><li><a href="${base}/profile?name=bob">Profile</a></li>
<li><a href="${base}/theme?lang=en">Theme</a></li><li><a href="${base}/greet?msg=hello">Greeting</a></li>
<li><a href="${base}/link?url=${base}/">Continue</a></li><li><a href="${base}/edit?text=draft">Editor</a></li>
<li><a href="${base}/archive?q=news">Archive</a></li><li><a href="${base}/feedback">Feedback</a></li><li><a href="${base}/signup">Sign up</a></li><li><a href="${base}/join">Join</a></li><li><a href="${base}/guestbook">Guestbook</a></li>
<li><a href="${base}/footer">About</a></li><li><a href="${base}/back">Back</a></li><li><a href="${base}/self.php">Self</a></li>
${safe ? `<li><a href="${base}/api?q=x">API</a></li><li><a href="${base}/plain?q=x">Plain</a></li>` : ''}</ul>`;

function pair(path: string, view: View, parameter: string, method = 'GET'): Route[] {
  return [
    { method, path: `/xss${path}`, handler: (req, res) => view(req, res, 'raw'), vulnerable: [{ item: X, parameter }] },
    { method, path: `/xss-safe${path}`, handler: (req, res) => view(req, res, 'safe'), safeFor: [X] },
  ];
}

export const routes: Route[] = [
  { method: 'GET', path: '/xss/', index: true, title: 'Cross-site scripting', handler: (_q, r) => r.html(page('XSS pages', links('/xss', false))) },
  { method: 'GET', path: '/xss-safe/', index: true, title: 'Cross-site scripting (safe)', handler: (_q, r) => r.html(page('XSS pages', links('/xss-safe', true))) },
  ...pair('/search', search, 'q'),
  ...pair('/profile', profile, 'name'),
  ...pair('/theme', theme, 'lang'),
  ...pair('/greet', greet, 'msg'),
  ...pair('/link', link, 'url'),
  ...pair('/edit', edit, 'text'),
  ...pair('/archive', csp, 'q'),
  ...pair('/feedback/send', feedback, 'name', 'POST'),
  // the guestbook takes posts without an anti-CSRF token (both variants): CSRF as well
  ...pair('/guestbook/sign', (req, res, enc) => sign(enc === 'raw' ? '/xss' : '/xss-safe')(req, res, enc), 'message', 'POST').map((r) => (r.vulnerable ? { ...r, vulnerable: [...r.vulnerable, { item: 'CSRF' as const }] } : r)),
  ...pair('/signup/create', signup(false), 'username', 'POST'),
  ...pair('/join/create', signup(true), 'username', 'POST'),
  { method: 'GET', path: '/xss/signup', handler: (_q, r) => r.html(page('Sign up', signupForm('/xss/signup/create'))) },
  { method: 'GET', path: '/xss-safe/signup', handler: (_q, r) => r.html(page('Sign up', signupForm('/xss-safe/signup/create'))) },
  { method: 'GET', path: '/xss/join', handler: (_q, r) => r.html(page('Join', signupForm('/xss/join/create'))) },
  { method: 'GET', path: '/xss-safe/join', handler: (_q, r) => r.html(page('Join', signupForm('/xss-safe/join/create'))) },
  ...pair('/footer', footer, 'User-Agent'),
  ...pair('/back', back, 'Referer'),
  { method: 'GET', path: /^\/xss\/self\.php(?:\/.*)?$/, handler: (req, res) => self(req, res, 'raw'), vulnerable: [{ item: X, parameter: 'PATH_INFO' }] },
  { method: 'GET', path: /^\/xss-safe\/self\.php(?:\/.*)?$/, handler: (req, res) => self(req, res, 'safe'), safeFor: [X] },
  { method: 'GET', path: '/xss/feedback', handler: (_q, r) => r.html(page('Feedback', feedbackForm('/xss'))) },
  { method: 'GET', path: '/xss-safe/feedback', handler: (_q, r) => r.html(page('Feedback', feedbackForm('/xss-safe'))) },
  { method: 'GET', path: '/xss/guestbook', handler: (req, res) => guestbook('/xss')(req, res, 'raw') },
  { method: 'GET', path: '/xss-safe/guestbook', handler: (req, res) => guestbook('/xss-safe')(req, res, 'safe') },
  { method: 'GET', path: '/xss-safe/api', handler: (req, res) => api(req, res, 'safe'), safeFor: [X] },
  { method: 'GET', path: '/xss-safe/plain', handler: (req, res) => plain(req, res, 'safe'), safeFor: [X] },
];
