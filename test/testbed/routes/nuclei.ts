// Pages for the Nuclei template tests (src/checks/nuclei-templates.test.ts): an imaginary product,
// "Acme Widget Server", under /nuclei/ with the flaws its test templates look for, and its fixed
// twin under /nuclei-safe/. Not linked from the index: only the Nuclei tests visit them.
import { get } from 'node:http';
import { notFoundPage, type Route, type TestbedRequest, type TestbedResponse } from '../server.js';

/** Fetches a loopback URL (the testbed never talks to anything else) and answers what came back. */
function fetchLoopback(raw: string): Promise<string> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return resolve('invalid url');
    }
    if (u.protocol !== 'http:' || u.hostname !== '127.0.0.1') return resolve('refused: not a loopback URL');
    const r = get(u, { timeout: 2000 }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c.slice(0, 2000)));
      res.on('end', () => resolve(data));
    });
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', (err) => resolve(`fetch failed: ${err.message}`));
  });
}

/** A favicon: a few bytes of a real ICO header and fixed pixels, binary on purpose. */
export const FAVICON = Buffer.from([0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 0x68, 4, 0, 0, 0x16, 0, 0, 0, 0xff, 0x80, 0x7f, 0xfe, 0x01, 0x00, 0xc3, 0xa9]);
export const SAFE_FAVICON = Buffer.from([0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 0x68, 4, 0, 0, 0x16, 0, 0, 0, 0x00, 0x11, 0x22, 0x33]);
const ZIP = Buffer.concat([Buffer.from('PK\u0003\u0004\u0014\u0000\u0000\u0000', 'latin1'), Buffer.from('backup of the widget database'.padEnd(64, '.'))]);

function page(req: TestbedRequest, res: TestbedResponse, safe: boolean): void {
  const rest = req.path.replace(/^\/nuclei(-safe)?/, '');
  switch (rest) {
    case '/':
      return res.html(`<h1>Acme Widget Server</h1><ul><li><a href="status">status</a></li><li><a href="login">login</a></li></ul>`);
    case '/acme/status':
      // vulnerable: the status page is public and tells the version; fixed: it needs a login
      return safe ? res.html('<h1>Sign in</h1><form method="post" action="login"><input name="user"></form>', 401) : res.html('<h1>Acme Widget Server/3.1.4</h1><p>uptime: 12 days</p><p>workers: 8</p>');
    case '/acme/health':
      return res.json({ ok: true });
    case '/acme/debug':
      res.setHeader('X-Acme-Debug', safe ? 'off' : 'on');
      return res.html(safe ? '<p>debug disabled</p>' : '<pre>DEBUG session=widgets stack=[main, serve, handle]</pre>');
    case '/acme/about':
      res.setHeader('Server', safe ? 'AcmeCMS/2.4.2' : 'AcmeCMS/2.3.1');
      return res.html('<p>Powered by AcmeCMS. All rights reserved.</p>');
    case '/acme/echo': {
      if (req.method !== 'POST') return res.html('<p>POST a name</p>', 405);
      let name = '';
      try {
        name = String((JSON.parse(req.text()) as { name?: unknown }).name ?? '');
      } catch {
        return res.json({ error: 'bad json' }, 400);
      }
      res.setHeader('X-Request-Id', 'req-7781');
      // vulnerable: echoes the name into markup unescaped; fixed: escapes it and says so
      return safe ? res.json({ greeting: `hello ${name.replace(/[<>&"']/g, '_')}`, escaped: true }) : res.json({ greeting: `hello <b>${name}</b>`, build: { version: '3.1.4', channel: 'stable' } });
    }
    case '/acme/backup.zip':
      if (safe) return res.text('not found', 404);
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(ZIP.length) });
      return void res.end(ZIP);
    case '/favicon.ico': {
      const icon = safe ? SAFE_FAVICON : FAVICON;
      res.writeHead(200, { 'content-type': 'image/x-icon', 'content-length': String(icon.length) });
      return void res.end(icon);
    }
    case '/acme/fetch':
      // vulnerable: fetches whatever URL it is handed; fixed: only its own allow-list
      if (safe) return res.json({ error: 'URL is not in the allow-list' });
      return void fetchLoopback(req.query.get('url') ?? '').then((body) => res.json({ fetched: body.slice(0, 200) }));
    case '/acme/login':
      // the token the admin page wants, handed to anyone who asks
      return res.html(`<form><input type="hidden" name="token" value="${safe ? '' : 'tok-4242'}"></form>`);
    case '/acme/admin':
      return !safe && req.query.get('token') === 'tok-4242' ? res.html('<h1>Widget admin</h1><p>users: 3</p>') : res.html('<p>forbidden</p>', 403);
    case '/acme/admin2':
    case '/acme/admin3':
      return safe ? res.html('<p>forbidden</p>', 403) : res.html('<h1>Widget admin</h1><p>legacy console</p>');
    default:
      return res.html(notFoundPage(req.path));
  }
}

export const routes: Route[] = [
  { path: /^\/nuclei\//, handler: (req, res) => page(req, res, false) },
  { path: /^\/nuclei-safe\//, handler: (req, res) => page(req, res, true) },
];
