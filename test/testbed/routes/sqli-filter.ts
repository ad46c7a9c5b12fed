// SQL injection behind input filters: each page refuses (400 "bad input") what a naive filter
// names, so only a payload of the right shape reaches the query: SQL keywords and comments
// refused, whitespace refused, quotes and parentheses accepted only in pairs (the value sits in
// parentheses in the query), and a blind PostgreSQL page with a keyword blocklist. Errors are
// hidden everywhere. The safe twins apply the same filter and bind the value. /sqlif/ links the
// vulnerable pages, /sqlif-safe/ the twins.
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

const S = 'SQL Injection' as const;
const db = new Database(':memory:');
db.exec(`
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL);
INSERT INTO items (id, name, category) VALUES (1, 'Kettle', 'kitchen'), (2, 'Teapot', 'kitchen'), (3, 'Lamp', 'living'), (4, 'Sofa', 'living');
`);
const PG_URL = process.env.WSC_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
let pool: pg.Pool | null = null;
const pgPool = (): pg.Pool =>
  (pool ??= new pg.Pool({ connectionString: PG_URL, max: 2, idleTimeoutMillis: 1000, allowExitOnIdle: true, connectionTimeoutMillis: 2000 }));

interface Item {
  id: number;
  name: string;
}
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>`;
const list = (rows: Item[]): string => (rows.length === 0 ? '<p>Nothing found.</p>' : `<ul>${rows.map((r) => `<li>${r.id}: ${esc(r.name)}</li>`).join('')}</ul>`);
const badInput = (res: TestbedResponse, why: string): void => res.html(page('Bad input', `<p>bad input: ${esc(why)}</p>`), 400);

function rows(sql: string, ...args: unknown[]): Item[] {
  try {
    return db.prepare(sql).all(...args) as Item[];
  } catch (err) {
    void err; // hidden on purpose: only the boolean technique sees these pages
    return [];
  }
}

type Mode = 'spliced' | 'bound';
type View = (req: TestbedRequest, res: TestbedResponse, mode: Mode) => void | Promise<void>;
const KEYWORDS = /\b(?:and|or|select|union|sleep|case|when|like|where)\b|--|#|;|\/\*/i;

const keyword: View = (req, res, mode) => {
  const v = req.query.get('name') ?? 'Kettle';
  if (KEYWORDS.test(v)) return badInput(res, 'SQL keywords are not allowed');
  res.html(page('Item', list(mode === 'spliced' ? rows(`SELECT id, name FROM items WHERE name = '${v}'`) : rows('SELECT id, name FROM items WHERE name = ?', v))));
};
const noSpace: View = (req, res, mode) => {
  const v = req.query.get('id') ?? '3';
  if (/\s/.test(v)) return badInput(res, 'spaces are not allowed');
  res.html(page('Item', list(mode === 'spliced' ? rows(`SELECT id, name FROM items WHERE id = ${v}`) : rows('SELECT id, name FROM items WHERE id = ?', Number.parseInt(v, 10)))));
};
const paired: View = (req, res, mode) => {
  const v = req.query.get('cat') ?? 'kitchen';
  const quotes = v.split("'").length - 1;
  if (quotes % 2 === 1 || v.split('(').length !== v.split(')').length || v.includes('--')) return badInput(res, 'unbalanced quotes or parentheses');
  res.html(page('Category', list(mode === 'spliced' ? rows(`SELECT id, name FROM items WHERE (category = ('${v}')) ORDER BY id`) : rows('SELECT id, name FROM items WHERE (category = (?)) ORDER BY id', v))));
};
// Blind: the query only counts; the page is the same whatever happens, only its timing tells.
const pgBlind: View = async (req, res, mode) => {
  const v = req.query.get('ref') ?? 'home';
  if (KEYWORDS.test(v)) return badInput(res, 'SQL keywords are not allowed');
  const sql = `SELECT count(*) FROM (VALUES ('home'), ('promo')) AS v(ref) WHERE ref = `;
  try {
    if (mode === 'bound') await pgPool().query(sql + '$1', [v]);
    else await pgPool().query(`${sql}'${v}'`);
  } catch (err) {
    void err; // swallowed: this page gives nothing away but its timing
  }
  res.html(page('Newsletter', '<p>Thanks for reading.</p>'));
};

const links = (base: string): string =>
  `<ul><li><a href="${base}/item?name=Kettle">Item</a></li><li><a href="${base}/byid?id=3">By id</a></li>
<li><a href="${base}/category?cat=kitchen">Category</a></li><li><a href="${base}/pg/letter?ref=home">Newsletter</a></li></ul>`;

function pair(path: string, view: View, parameter: string): Route[] {
  return [
    { method: 'GET', path: `/sqlif${path}`, handler: (req, res) => view(req, res, 'spliced'), vulnerable: [{ item: S, parameter }] },
    { method: 'GET', path: `/sqlif-safe${path}`, handler: (req, res) => view(req, res, 'bound'), safeFor: [S] },
  ];
}

export const routes: Route[] = [
  { method: 'GET', path: '/sqlif/', index: true, title: 'SQL injection behind input filters', handler: (_q, r) => r.html(page('Filtered SQL pages', links('/sqlif'))) },
  { method: 'GET', path: '/sqlif-safe/', index: true, title: 'SQL injection behind input filters (safe)', handler: (_q, r) => r.html(page('Filtered SQL pages', links('/sqlif-safe'))) },
  ...pair('/item', keyword, 'name'),
  ...pair('/byid', noSpace, 'id'),
  ...pair('/category', paired, 'cat'),
  ...pair('/pg/letter', pgBlind, 'ref'),
];
