// Two loopback apps behind a login, for the authenticated-scan tests:
// - a form app: a login form with a single-use anti-CSRF token issued on every load, sessions that
//   expire after `sessionRequests` requests, a redirect to /login when logged out, a logout link and
//   a change-password form (which the scan must never request), and three flaws only a logged-in
//   visitor reaches (reflected XSS, error-based SQL injection, a directory listing);
// - a token API: an OAuth2 client-credentials token endpoint whose tokens live 60 s of a clock the
//   test controls (it moves `secondsPerRequest` per API request), 401 without a live token, and two
//   flaws behind it (SQL injection in JSON, reflected XSS).
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parseCookies } from './server.js';

export interface App {
  url: string;
  /** "METHOD path?query" of every request. */
  hits: string[];
  /** Logins that succeeded (form) or tokens issued (API). */
  logins: number;
  close(): Promise<void>;
}

const db = new Database(':memory:');
db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items VALUES (1, 'lamp'), (2, 'desk'), (3, 'chair');`);
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function itemsById(id: string): { ok: true; rows: unknown[] } | { ok: false; error: string } {
  try {
    return { ok: true, rows: db.prepare(`SELECT id, name FROM items WHERE id = ${id}`).all() };
  } catch (err) {
    return { ok: false, error: `SQLITE_ERROR: ${(err as Error).message}` };
  }
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, u: URL) => Promise<void> | void, hits: string[]): Promise<{ url: string; close(): Promise<void>; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    hits.push(`${req.method} ${u.pathname}${u.search}`);
    Promise.resolve(handler(req, res, u)).catch((err: unknown) => {
      res.writeHead(500).end(String(err));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const page = (title: string, inner: string): string => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${inner}</body></html>`;

export async function startFormApp(opts: { sessionRequests?: number; user?: string; password?: string; loginPage?: string } = {}): Promise<App> {
  const loginPage = opts.loginPage ?? '/login';
  const user = opts.user ?? 'alice';
  const password = opts.password ?? 'correct horse 9';
  const limit = opts.sessionRequests ?? 25;
  const csrf = new Set<string>();
  const sessions = new Map<string, number>();
  const hits: string[] = [];
  const app: App = { url: '', hits, logins: 0, close: async () => undefined };
  const loginForm = (error = ''): string => {
    const token = randomBytes(12).toString('hex');
    csrf.add(token);
    return page('Sign in', `${error}<form method="post" action="/login"><input type="hidden" name="csrf_token" value="${token}"><label>User <input name="user"></label><label>Password <input type="password" name="pass"></label><button type="submit">Sign in</button></form><a href="/">home</a>`);
  };
  const s = await listen(async (req, res, u) => {
    const html = (b: string, status = 200, extra: Record<string, string> = {}): void => void res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...extra }).end(b);
    const sid = parseCookies(req.headers.cookie).sid;
    const live = sid !== undefined && sessions.has(sid);
    if (live) {
      const n = (sessions.get(sid) ?? 0) + 1;
      if (n > limit) sessions.delete(sid);
      else sessions.set(sid, n);
    }
    const loggedIn = live && sessions.has(sid);
    if (u.pathname === '/') return html(page('Shop', '<a href="/login">sign in</a> <a href="/home">my account</a> <a href="/about">about</a>'));
    if (u.pathname === '/about') return html(page('About', '<p>A shop.</p><a href="/">home</a>'));
    if (u.pathname === '/login' && req.method === 'GET') return html(loginForm());
    if (u.pathname === '/login' && req.method === 'POST') {
      const f = new URLSearchParams(await body(req));
      const token = f.get('csrf_token') ?? '';
      if (!csrf.delete(token)) return html(loginForm('<p class="error">Your form expired, please try again.</p>'), 403);
      if (f.get('user') !== user || f.get('pass') !== password) return html(loginForm('<p class="error">Wrong user or password.</p>'));
      const id = randomBytes(16).toString('hex');
      sessions.set(id, 0);
      app.logins++;
      return html('', 302, { location: '/home', 'set-cookie': `sid=${id}; Path=/; HttpOnly` });
    }
    // a login only JavaScript completes: the form has no action, a script posts JSON and navigates
    if (u.pathname === '/js-login' && req.method === 'GET') {
      return html(
        page(
          'Sign in',
          `<div id="f"><input id="u" name="u"><input id="p" name="p" type="password"><button id="go" type="button">Sign in</button></div><script>
document.getElementById('go').addEventListener('click', async () => {
  const r = await fetch('/api/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: document.getElementById('u').value, pass: document.getElementById('p').value }) });
  if (!r.ok) { document.body.insertAdjacentHTML('beforeend', '<p>Wrong user or password.</p>'); return; }
  const j = await r.json();
  document.cookie = 'theme=' + j.theme + '; path=/';
  location.href = '/home';
});
</script>`,
        ),
      );
    }
    if (u.pathname === '/api/session' && req.method === 'POST') {
      let creds: { user?: string; pass?: string } = {};
      try {
        creds = JSON.parse(await body(req)) as typeof creds;
      } catch {
        return html('bad json', 400);
      }
      if (creds.user !== user || creds.pass !== password) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"wrong"}');
      const id = randomBytes(16).toString('hex');
      sessions.set(id, 0);
      app.logins++;
      return void res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `sid=${id}; Path=/; HttpOnly` }).end('{"theme":"dark"}');
    }
    if (!loggedIn) return html('', 302, { location: loginPage });
    if (u.pathname === '/logout') {
      sessions.delete(sid as string);
      return html('', 302, { location: '/' });
    }
    if (u.pathname === '/home') {
      return html(
        page(
          `Welcome ${user}`,
          '<a href="/account/search?q=lamp">search</a> <a href="/account/item?id=1">item</a> <a href="/account/files/">files</a> <a href="/account/change-password">change password</a> <a href="/logout">Log out</a>',
        ),
      );
    }
    if (u.pathname === '/account/search') return html(page('Search', `<p>Results for ${u.searchParams.get('q') ?? ''}</p><a href="/logout">Log out</a>`));
    if (u.pathname === '/account/item') {
      const r = itemsById(u.searchParams.get('id') ?? '1');
      return r.ok ? html(page('Item', `<pre>${esc(JSON.stringify(r.rows))}</pre><a href="/logout">Log out</a>`)) : html(page('Error', `<pre>${esc(r.error)}</pre>`), 500);
    }
    if (u.pathname === '/account/files/') {
      return html('<html><head><title>Index of /account/files</title></head><body><h1>Index of /account/files</h1><pre><a href="/account/">Parent Directory</a>\n<a href="orders.csv">orders.csv</a>  2024-01-01 10:00  1.2K</pre><address>Apache/2.4.58 Server</address></body></html>');
    }
    if (u.pathname === '/account/change-password') return html(page('Change password', '<form method="post"><input type="password" name="old"><input type="password" name="new"><button>Change</button></form>'));
    return html(page('Not found', '<p>No such page.</p>'), 404);
  }, hits);
  app.url = s.url;
  app.close = s.close;
  return app;
}

export interface ApiApp extends App {
  /** The API's clock, seconds. */
  clock: { now: number };
}

export async function startTokenApi(opts: { secondsPerRequest?: number; clientId?: string; clientSecret?: string; clock?: { now: number } } = {}): Promise<ApiApp> {
  const clientId = opts.clientId ?? 'scanner';
  const clientSecret = opts.clientSecret ?? 's3cret-client-key';
  const step = opts.secondsPerRequest ?? 5;
  const tokens = new Map<string, number>();
  const hits: string[] = [];
  const app: ApiApp = { url: '', hits, logins: 0, clock: opts.clock ?? { now: 0 }, close: async () => undefined };
  const json = (res: ServerResponse, v: unknown, status = 200): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
  const s = await listen(async (req, res, u) => {
    if (u.pathname === '/oauth/token' && req.method === 'POST') {
      const f = new URLSearchParams(await body(req));
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const [id, secret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent) : [f.get('client_id'), f.get('client_secret')];
      const password = f.get('grant_type') === 'password' && f.get('username') === 'alice' && f.get('password') === 'correct horse 9';
      if (!password && (f.get('grant_type') !== 'client_credentials' || id !== clientId || secret !== clientSecret)) return json(res, { error: 'invalid_client' }, 401);
      const token = randomBytes(18).toString('base64url');
      tokens.set(token, app.clock.now + 60);
      app.logins++;
      return json(res, { access_token: token, token_type: 'Bearer', expires_in: 60 });
    }
    // a JSON login answering a JWT-shaped token whose exp claim is its only lifetime
    if (u.pathname === '/api/login' && req.method === 'POST') {
      let creds: { email?: string; password?: string } = {};
      try {
        creds = JSON.parse(await body(req)) as typeof creds;
      } catch {
        return json(res, { error: 'bad json' }, 400);
      }
      if (creds.email !== 'alice@example.com' || creds.password !== 'correct horse 9') return json(res, { error: 'wrong' }, 401);
      const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
      const token = `${part({ alg: 'none' })}.${part({ sub: 'alice', exp: app.clock.now + 60, n: randomBytes(6).toString('hex') })}.sig`;
      tokens.set(token, app.clock.now + 60);
      app.logins++;
      return json(res, { data: { jwt: token } });
    }
    if (u.pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body><h1>Items API</h1><a href="/api/items?id=1">items</a> <a href="/api/echo?msg=hi">echo</a></body></html>');
    if (!u.pathname.startsWith('/api/')) return json(res, { error: 'not found' }, 404);
    app.clock.now += step;
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? (typeof req.headers['x-auth-token'] === 'string' ? req.headers['x-auth-token'] : undefined);
    const until = bearer === undefined ? undefined : tokens.get(bearer);
    if (until === undefined || app.clock.now >= until) return json(res, { error: 'invalid_token' }, 401);
    if (u.pathname === '/api/items') {
      const r = itemsById(u.searchParams.get('id') ?? '1');
      return r.ok ? json(res, { items: r.rows }) : json(res, { error: r.error }, 500);
    }
    if (u.pathname === '/api/echo') {
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<html><body><p>${u.searchParams.get('msg') ?? ''}</p></body></html>`);
    }
    if (u.pathname === '/api/orders' && req.method === 'POST') {
      let order: Record<string, unknown> = {};
      try {
        order = JSON.parse(await body(req)) as Record<string, unknown>;
      } catch {
        return json(res, { error: 'bad json' }, 400);
      }
      const r = itemsById(String(order.itemId ?? '1'));
      return r.ok ? json(res, { ordered: r.rows }) : json(res, { error: r.error }, 500);
    }
    return json(res, { error: 'not found' }, 404);
  }, hits);
  app.url = s.url;
  app.close = s.close;
  return app;
}
