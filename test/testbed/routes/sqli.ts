// SQL Injection pages: a real in-memory SQLite database (better-sqlite3) with pages that splice a
// parameter into SQL in each context and location, a real PostgreSQL database (error-based and
// blind time-based pages), and parameterized safe twins that look the same. /sqli/ links the
// vulnerable pages, /sqli-safe/ the twins.
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

const db = new Database(':memory:');
db.exec(`
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, price REAL NOT NULL);
INSERT INTO products (id, name, category, price) VALUES
  (1, 'Apple', 'fruit', 1.2), (2, 'Banana', 'fruit', 0.5), (3, 'Carrot', 'vegetable', 0.3),
  (4, 'Mango', 'fruit', 2.1), (5, 'Onion', 'vegetable', 0.4);
CREATE TABLE visits (ip TEXT NOT NULL);
INSERT INTO visits (ip) VALUES ('10.0.0.1'), ('10.0.0.1'), ('10.0.0.2');
`);

// Ends with the process: allowExitOnIdle lets a test file exit with the pool still open.
const PG_URL = process.env.WSC_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
let pool: pg.Pool | null = null;
function pgPool(): pg.Pool {
  pool ??= new pg.Pool({ connectionString: PG_URL, max: 4, idleTimeoutMillis: 1000, allowExitOnIdle: true, connectionTimeoutMillis: 2000 });
  return pool;
}

/** Whether the PostgreSQL pages can work here (tests skip their cases otherwise). */
export async function pgAvailable(): Promise<boolean> {
  try {
    await pgPool().query('SELECT 1');
    return true;
  } catch {
    // unreachable or refused: the PostgreSQL cases are skipped, the SQLite ones still run
    return false;
  }
}

interface Row {
  id: number;
  name: string;
  category: string;
  price: number;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>`;
const table = (rows: Row[]): string =>
  rows.length === 0 ? '<p>No products found.</p>' : `<table>${rows.map((r) => `<tr><td>${r.id}</td><td>${esc(r.name)}</td><td>${r.price.toFixed(2)}</td></tr>`).join('')}</table>`;

function dbError(res: TestbedResponse, err: unknown): void {
  const e = err as { code?: string; message?: string };
  res.html(page('Database error', `<pre>${esc(`${e.code ?? 'ERROR'}: ${e.message ?? String(err)}`)}</pre>`), 500);
}

function sqliteRows(sql: string, ...args: unknown[]): Row[] {
  return db.prepare(sql).all(...args) as Row[];
}

const S = 'SQL Injection' as const;

// --- vulnerable -------------------------------------------------------------------------------

const itemVuln = (req: TestbedRequest, res: TestbedResponse): void => {
  try {
    res.html(page('Product', table(sqliteRows(`SELECT id, name, category, price FROM products WHERE id = ${req.query.get('id') ?? '1'}`))));
  } catch (err) {
    dbError(res, err);
  }
};

const searchVuln = (req: TestbedRequest, res: TestbedResponse): void => {
  let rows: Row[] = [];
  try {
    rows = sqliteRows(`SELECT id, name, category, price FROM products WHERE name = '${req.query.get('name') ?? ''}'`);
  } catch (err) {
    // errors are hidden from users: only the boolean technique can see this page
    void err;
    rows = [];
  }
  res.html(page('Search', `<p>Results for ${esc(req.query.get('name') ?? '')}</p>${table(rows)}`));
};

const findVuln = (req: TestbedRequest, res: TestbedResponse): void => {
  const q = req.form().get('q') ?? '';
  let body: string;
  try {
    body = table(sqliteRows(`SELECT id, name, category, price FROM products WHERE name LIKE '%${q}%' ORDER BY id`));
  } catch (err) {
    void err; // hidden: this page answers a generic message
    body = '<p>Sorry, something went wrong.</p>';
  }
  res.html(page('Find', body));
};

const apiVuln = (req: TestbedRequest, res: TestbedResponse): void => {
  let id: unknown;
  try {
    id = (JSON.parse(req.text()) as { id?: unknown }).id;
  } catch (err) {
    return res.json({ error: `bad json: ${(err as Error).message}` }, 400);
  }
  try {
    res.json({ products: sqliteRows(`SELECT id, name, price FROM products WHERE id = ${String(id)}`) });
  } catch (err) {
    void err; // an API that hides its errors
    res.json({ products: [] });
  }
};

const prefsVuln = (req: TestbedRequest, res: TestbedResponse): void => {
  const cat = req.cookies.category;
  if (cat === undefined) res.setHeader('set-cookie', 'category=fruit; Path=/sqli');
  try {
    res.html(page('Your products', table(sqliteRows(`SELECT id, name, category, price FROM products WHERE category = '${decodeURIComponent(cat ?? 'fruit')}'`))));
  } catch (err) {
    dbError(res, err);
  }
};

const trackVuln = (req: TestbedRequest, res: TestbedResponse): void => {
  const ip = String(req.headers['x-forwarded-for'] ?? req.raw.socket.remoteAddress ?? '');
  try {
    const n = (db.prepare(`SELECT count(*) AS n FROM visits WHERE ip = '${ip}'`).get() as { n: number }).n;
    res.html(page('Welcome back', `<p>You visited ${n} times.</p>`));
  } catch (err) {
    dbError(res, err);
  }
};

const pgItem =
  (safe: boolean) =>
  async (req: TestbedRequest, res: TestbedResponse): Promise<void> => {
    const id = req.query.get('id') ?? '1';
    if (safe && !/^\d+$/.test(id)) return res.html(page('Catalogue', '<p>Invalid product id.</p>'), 400);
    const sql = `SELECT id, name, category, price::float AS price FROM (VALUES (1,'Apple','fruit',1.2), (2,'Banana','fruit',0.5)) AS p(id, name, category, price) WHERE id = `;
    try {
      const r = safe ? await pgPool().query<Row>(sql + '$1', [Number(id)]) : await pgPool().query<Row>(sql + id);
      res.html(page('Catalogue', table(r.rows)));
    } catch (err) {
      if ((err as { code?: string }).code === 'ECONNREFUSED') return res.html(page('Unavailable', '<p>database unavailable</p>'), 503);
      const e = err as { message?: string };
      res.html(page('Database error', `<pre>ERROR:  ${esc(e.message ?? String(err))}</pre>`), 500);
    }
  };

// Blind: the query only decides whether a counter is bumped; the page is the same whatever happens.
const pgNews =
  (safe: boolean) =>
  async (req: TestbedRequest, res: TestbedResponse): Promise<void> => {
    const ref = req.query.get('ref') ?? 'home';
    const sql = `SELECT count(*) FROM (VALUES ('home'), ('promo')) AS v(ref) WHERE ref = `;
    try {
      if (safe) await pgPool().query(sql + '$1', [ref]);
      else await pgPool().query(`${sql}'${ref}'`);
    } catch (err) {
      void err; // swallowed on purpose: this page gives nothing away but its timing
    }
    res.html(page('News', '<p>Thanks for reading our news.</p>'));
  };

// --- safe twins -------------------------------------------------------------------------------

const itemSafe = (req: TestbedRequest, res: TestbedResponse): void => {
  const id = Number.parseInt(req.query.get('id') ?? '1', 10);
  res.html(page('Product', table(sqliteRows('SELECT id, name, category, price FROM products WHERE id = ?', Number.isNaN(id) ? -1 : id))));
};

const searchSafe = (req: TestbedRequest, res: TestbedResponse): void => {
  const rows = sqliteRows('SELECT id, name, category, price FROM products WHERE name = ?', req.query.get('name') ?? '');
  res.html(page('Search', `<p>Results for ${esc(req.query.get('name') ?? '')}</p>${table(rows)}`));
};

const findSafe = (req: TestbedRequest, res: TestbedResponse): void => {
  const q = req.form().get('q') ?? '';
  res.html(page('Find', table(sqliteRows(`SELECT id, name, category, price FROM products WHERE name LIKE '%' || ? || '%' ORDER BY id`, q))));
};

const apiSafe = (req: TestbedRequest, res: TestbedResponse): void => {
  let id: unknown;
  try {
    id = (JSON.parse(req.text()) as { id?: unknown }).id;
  } catch (err) {
    return res.json({ error: `bad json: ${(err as Error).message}` }, 400);
  }
  res.json({ products: sqliteRows('SELECT id, name, price FROM products WHERE id = ?', String(id)) });
};

const prefsSafe = (req: TestbedRequest, res: TestbedResponse): void => {
  const cat = req.cookies.category;
  if (cat === undefined) res.setHeader('set-cookie', 'category=fruit; Path=/sqli-safe');
  res.html(page('Your products', table(sqliteRows('SELECT id, name, category, price FROM products WHERE category = ?', decodeURIComponent(cat ?? 'fruit')))));
};

const trackSafe = (req: TestbedRequest, res: TestbedResponse): void => {
  const ip = String(req.headers['x-forwarded-for'] ?? req.raw.socket.remoteAddress ?? '');
  const n = (db.prepare('SELECT count(*) AS n FROM visits WHERE ip = ?').get(ip) as { n: number }).n;
  res.html(page('Welcome back', `<p>You visited ${n} times.</p>`));
};

// A page about SQL errors: the message is always there, and the topic is echoed, encoded.
const helpSafe = (req: TestbedRequest, res: TestbedResponse): void =>
  res.html(
    page(
      'Troubleshooting',
      `<p>Topic: ${esc(req.query.get('topic') ?? '')}</p><pre>You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ''' at line 1</pre>`,
    ),
  );

const apiPage = (base: string): string =>
  page('Product API', `<div id="out"></div><script>
function load(id) {
  return fetch('${base}/api/product', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: id }) });
}
</script>`);

const findForm = (base: string): string =>
  `<form action="${base}/find" method="post"><input name="q" value="an"><input type="submit" value="Find"></form>`;

const links = (base: string, pg: boolean): string =>
  `<ul><li><a href="${base}/item?id=2">Item</a></li><li><a href="${base}/search?name=Apple">Search</a></li>
<li><a href="${base}/find-form">Find</a></li><li><a href="${base}/api">API</a></li><li><a href="${base}/prefs">Preferences</a></li>
<li><a href="${base}/track">Visits</a></li>${pg ? `<li><a href="${base}/pg/item?id=1">Catalogue</a></li><li><a href="${base}/pg/news?ref=home">News</a></li>` : ''}
${base.endsWith('-safe') ? `<li><a href="${base}/help?topic=errors">Help</a></li>` : ''}</ul>`;

export const routes: Route[] = [
  { method: 'GET', path: '/sqli/', index: true, title: 'SQL injection', handler: (_q, r) => r.html(page('SQL pages', links('/sqli', true))) },
  { method: 'GET', path: '/sqli/item', handler: itemVuln, vulnerable: [{ item: S, parameter: 'id' }] },
  { method: 'GET', path: '/sqli/search', handler: searchVuln, vulnerable: [{ item: S, parameter: 'name' }] },
  { method: 'GET', path: '/sqli/find-form', handler: (_q, r) => r.html(page('Find', findForm('/sqli'))) },
  { method: 'POST', path: '/sqli/find', handler: findVuln, vulnerable: [{ item: S, parameter: 'q' }] },
  { method: 'GET', path: '/sqli/api', handler: (_q, r) => r.html(apiPage('/sqli')) },
  { method: 'POST', path: '/sqli/api/product', handler: apiVuln, vulnerable: [{ item: S, parameter: 'id' }] },
  { method: 'GET', path: '/sqli/prefs', handler: prefsVuln, vulnerable: [{ item: S, parameter: 'category' }] },
  { method: 'GET', path: '/sqli/track', handler: trackVuln, vulnerable: [{ item: S, parameter: 'X-Forwarded-For' }] },
  { method: 'GET', path: '/sqli/pg/item', handler: pgItem(false), vulnerable: [{ item: S, parameter: 'id' }] },
  { method: 'GET', path: '/sqli/pg/news', handler: pgNews(false), vulnerable: [{ item: S, parameter: 'ref' }] },

  { method: 'GET', path: '/sqli-safe/', index: true, title: 'SQL injection (safe)', handler: (_q, r) => r.html(page('SQL pages', links('/sqli-safe', true))) },
  { method: 'GET', path: '/sqli-safe/item', handler: itemSafe, safeFor: [S] },
  { method: 'GET', path: '/sqli-safe/search', handler: searchSafe, safeFor: [S] },
  { method: 'GET', path: '/sqli-safe/find-form', handler: (_q, r) => r.html(page('Find', findForm('/sqli-safe'))) },
  { method: 'POST', path: '/sqli-safe/find', handler: findSafe, safeFor: [S] },
  { method: 'GET', path: '/sqli-safe/api', handler: (_q, r) => r.html(apiPage('/sqli-safe')) },
  { method: 'POST', path: '/sqli-safe/api/product', handler: apiSafe, safeFor: [S] },
  { method: 'GET', path: '/sqli-safe/prefs', handler: prefsSafe, safeFor: [S] },
  { method: 'GET', path: '/sqli-safe/track', handler: trackSafe, safeFor: [S] },
  { method: 'GET', path: '/sqli-safe/pg/item', handler: pgItem(true), safeFor: [S] },
  { method: 'GET', path: '/sqli-safe/pg/news', handler: pgNews(true), safeFor: [S] },
  { method: 'GET', path: '/sqli-safe/help', handler: helpSafe, safeFor: [S] },
];
