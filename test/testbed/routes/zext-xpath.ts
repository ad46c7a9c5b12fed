// XPath injection (extension item): /xpath/ pages write input into the predicate of an XPath
// query over a small users document, evaluated by a small XPath 1.0 expression evaluator (literals,
// numbers, child names, and/or, comparisons, string-length(), name(/*), count(/*)): a profile page
// that shows the engine's error, a login (double quotes) that hides it. /xpath-safe/ twins drop
// quotes from the value first, so it stays one literal.
import type { Route } from '../server.js';

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type User = Record<string, string>;
const ROOT = 'users';
const USERS: User[] = [
  { name: 'alice', pass: 'wonderland', mail: 'alice@example.com' },
  { name: 'bob', pass: 'canwefixit', mail: 'bob@example.com' },
];

class XPathError extends Error {}
type Value = string | number | boolean;

function tokenize(src: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:('[^']*'|"[^"]*")|(\d+(?:\.\d+)?)|(!=|<=|>=|[=<>()]|\/\*)|([A-Za-z][\w-]*)|(\S))/y;
  for (let m = re.exec(src); m !== null && m[0] !== ''; m = re.exec(src)) {
    if (m[5] !== undefined) throw new XPathError(`Invalid predicate: unexpected ${m[5]}`);
    out.push((m[1] ?? m[2] ?? m[3] ?? m[4]) as string);
    if (re.lastIndex >= src.length) break;
  }
  if (src.slice(re.lastIndex).trim() !== '') throw new XPathError('Invalid predicate');
  return out;
}

/** Evaluates a predicate for one user node. */
function evaluate(src: string, node: User): boolean {
  const t = tokenize(src);
  let i = 0;
  const peek = (): string | undefined => t[i];
  const take = (want?: string): string => {
    const tok = t[i++];
    if (tok === undefined || (want !== undefined && tok !== want)) throw new XPathError('Invalid predicate');
    return tok;
  };
  const truth = (v: Value): boolean => (typeof v === 'string' ? v !== '' : typeof v === 'number' ? v !== 0 : v);
  const primary = (): Value => {
    const tok = take();
    if (/^['"]/.test(tok)) return tok.slice(1, -1);
    if (/^\d/.test(tok)) return Number(tok);
    if (tok === '(') {
      const v = or();
      take(')');
      return v;
    }
    if (peek() === '(') {
      take('(');
      const arg = peek() === '/*' ? (take(), ROOT) : peek() === ')' ? '' : primary();
      take(')');
      if (tok === 'string-length') return String(arg).length;
      if (tok === 'name') return arg === ROOT ? ROOT : '';
      if (tok === 'count') return arg === ROOT ? 1 : 0;
      throw new XPathError(`Invalid predicate: unknown function ${tok}`);
    }
    if (/^[A-Za-z]/.test(tok)) return node[tok] ?? '';
    throw new XPathError('Invalid predicate');
  };
  const cmp = (): Value => {
    const a = primary();
    const op = peek();
    if (op !== '=' && op !== '!=' && op !== '<' && op !== '>' && op !== '<=' && op !== '>=') return a;
    take();
    const b = primary();
    if (op === '=' || op === '!=') {
      const eq = typeof a === 'number' || typeof b === 'number' ? Number(a) === Number(b) : String(a) === String(b);
      return op === '=' ? eq : !eq;
    }
    const [x, y] = [Number(a), Number(b)];
    return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y;
  };
  const and = (): Value => {
    let v = truth(cmp());
    while (peek() === 'and') {
      take();
      v = truth(cmp()) && v;
    }
    return v;
  };
  const or = (): Value => {
    let v = truth(and());
    while (peek() === 'or') {
      take();
      v = truth(and()) || v;
    }
    return v;
  };
  const v = or();
  if (i !== t.length) throw new XPathError('Invalid predicate');
  return truth(v);
}

const select = (predicate: string): User[] => USERS.filter((u) => evaluate(predicate, u));
const unquote = (s: string): string => s.replace(/['"]/g, '');

function profile(name: string): string {
  try {
    const u = select(`name='${name}'`)[0];
    return u ? `<p>${esc(u.name ?? '')}: ${esc(u.mail ?? '')}</p>` : '<p>No such user.</p>';
  } catch (err) {
    return `<p><b>Warning</b>: SimpleXMLElement::xpath(): ${esc((err as Error).message)} in /srv/www/profile.php on line 9</p>`;
  }
}

function login(user: string, pass: string): string {
  try {
    const u = select(`name="${user}" and pass="${pass}"`)[0];
    return u ? `<p>Welcome back, ${esc(u.name ?? '')}.</p>` : '<p>Sign-in failed.</p>';
  } catch {
    return '<p>Sign-in failed.</p>';
  }
}

const loginForm = (action: string): string =>
  `<form method="post" action="${action}"><input name="user" value="alice"><input type="password" name="pass"><input type="submit" value="Sign in"></form>`;

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/xpath/',
    index: true,
    title: 'Members (XML store)',
    handler: (_req, res) => res.html(page('Members', `<a href="/xpath/profile?name=alice">alice</a>${loginForm('/xpath/forms/login')}`)),
  },
  {
    method: 'GET',
    path: '/xpath/profile',
    vulnerable: [{ item: 'XPath Injection', parameter: 'name' }],
    handler: (req, res) => res.html(page('Profile', profile(req.query.get('name') ?? ''))),
  },
  {
    method: 'POST',
    path: '/xpath/forms/login',
    vulnerable: [{ item: 'XPath Injection', parameter: 'user' }, { item: 'XPath Injection', parameter: 'pass' }],
    handler: (req, res) => {
      const f = req.form();
      res.html(page('Sign in', login(f.get('user') ?? '', f.get('pass') ?? '')));
    },
  },
  {
    method: 'GET',
    path: '/xpath-safe/',
    index: true,
    title: 'Members (XML store, quotes refused)',
    handler: (_req, res) => res.html(page('Members', `<a href="/xpath-safe/profile?name=alice">alice</a>${loginForm('/xpath-safe/forms/login')}`)),
  },
  {
    method: 'GET',
    path: '/xpath-safe/profile',
    safeFor: ['XPath Injection'],
    handler: (req, res) => res.html(page('Profile', profile(unquote(req.query.get('name') ?? '')))),
  },
  {
    method: 'POST',
    path: '/xpath-safe/forms/login',
    safeFor: ['XPath Injection'],
    handler: (req, res) => {
      const f = req.form();
      res.html(page('Sign in', login(unquote(f.get('user') ?? ''), unquote(f.get('pass') ?? ''))));
    },
  },
];
