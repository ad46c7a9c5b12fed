// LDAP injection (extension item): /ldap/ pages put input into search filters of a small
// directory evaluated by a strict RFC 4515 filter parser (a people search that shows the library's
// error, a login whose errors are hidden); /ldap-safe/ twins escape the value first.
import type { Route } from '../server.js';

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type Entry = Record<string, string>;
const DIRECTORY: Entry[] = [
  { objectClass: 'person', uid: 'alice', cn: 'Alice Archer', mail: 'alice@example.com', userPassword: 'wonderland' },
  { objectClass: 'person', uid: 'bob', cn: 'Bob Builder', mail: 'bob@example.com', userPassword: 'canwefixit' },
  { objectClass: 'person', uid: 'carol', cn: 'Carol Singer', mail: 'carol@example.com', userPassword: 'fa-la-la' },
];

class FilterError extends Error {}

type Filter = (e: Entry) => boolean;

/** Parses one filter at `at`; the whole text must be exactly one filter. */
function parse(text: string): Filter {
  let i = 0;
  const one = (): Filter => {
    if (text[i] !== '(') throw new FilterError('Bad search filter');
    i++;
    const op = text[i];
    if (op === '&' || op === '|' || op === '!') {
      i++;
      const parts: Filter[] = [];
      while (text[i] === '(') parts.push(one());
      if (text[i] !== ')' || parts.length === 0 || (op === '!' && parts.length !== 1)) throw new FilterError('Bad search filter');
      i++;
      return op === '&' ? (e) => parts.every((p) => p(e)) : op === '|' ? (e) => parts.some((p) => p(e)) : (e) => !(parts[0] as Filter)(e);
    }
    const close = text.indexOf(')', i);
    const open = text.indexOf('(', i);
    if (close === -1 || (open !== -1 && open < close)) throw new FilterError('Bad search filter');
    const item = text.slice(i, close);
    i = close + 1;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new FilterError('Bad search filter');
    const attr = item.slice(0, eq);
    const pattern = item.slice(eq + 1).replace(/\\([0-9a-f]{2})/gi, (_m, h: string) => `\u0000${String.fromCharCode(parseInt(h, 16))}`);
    const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/\u0000(.)/g, '$1').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    return (e) => e[attr] !== undefined && re.test(e[attr] as string);
  };
  const f = one();
  if (i !== text.length) throw new FilterError('Bad search filter');
  return f;
}

function search(filter: string): Entry[] {
  const f = parse(filter);
  return DIRECTORY.filter(f);
}

/** RFC 4515 value escaping. */
const escapeFilter = (s: string): string => s.replace(/[*()\\\u0000]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const loginForm = (action: string): string =>
  `<form method="post" action="${action}"><input name="user" value="alice"><input type="password" name="pass"><input type="submit" value="Sign in"></form>`;

function people(raw: string, escape: boolean): string {
  try {
    const found = search(`(&(objectClass=person)(uid=${escape ? escapeFilter(raw) : raw}))`);
    return found.length ? `<ul>${found.map((e) => `<li>${esc(e.cn ?? '')} &lt;${esc(e.mail ?? '')}&gt;</li>`).join('')}</ul>` : `<p>Nobody called ${esc(raw)}.</p>`;
  } catch (err) {
    return `<p><b>Warning</b>: ldap_search(): Search: ${(err as Error).message} in /srv/www/people.php on line 14</p>`;
  }
}

function login(user: string, pass: string, escape: boolean): string {
  const e = escape ? escapeFilter : (s: string): string => s;
  try {
    const found = search(`(&(uid=${e(user)})(userPassword=${e(pass)}))`);
    return found[0] ? `<p>Welcome back, ${esc(found[0].cn ?? '')}.</p>` : '<p>Sign-in failed.</p>';
  } catch {
    return '<p>Sign-in failed.</p>';
  }
}

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/ldap/',
    index: true,
    title: 'Staff directory (LDAP)',
    handler: (_req, res) => res.html(page('Staff directory', `<a href="/ldap/people?name=alice">Find alice</a>${loginForm('/ldap/forms/login')}`)),
  },
  {
    method: 'GET',
    path: '/ldap/people',
    vulnerable: [{ item: 'LDAP Injection', parameter: 'name' }],
    handler: (req, res) => res.html(page('People', people(req.query.get('name') ?? '', false))),
  },
  {
    method: 'POST',
    path: '/ldap/forms/login',
    // both values are unescaped; the password, last in the filter, is the one a balanced clause shows
    vulnerable: [{ item: 'LDAP Injection', parameter: 'pass' }],
    handler: (req, res) => {
      const f = req.form();
      res.html(page('Sign in', login(f.get('user') ?? '', f.get('pass') ?? '', false)));
    },
  },
  {
    method: 'GET',
    path: '/ldap-safe/',
    index: true,
    title: 'Staff directory (LDAP, escaped)',
    handler: (_req, res) => res.html(page('Staff directory', `<a href="/ldap-safe/people?name=alice">Find alice</a>${loginForm('/ldap-safe/forms/login')}`)),
  },
  {
    method: 'GET',
    path: '/ldap-safe/people',
    safeFor: ['LDAP Injection'],
    handler: (req, res) => res.html(page('People', people(req.query.get('name') ?? '', true))),
  },
  {
    method: 'POST',
    path: '/ldap-safe/forms/login',
    safeFor: ['LDAP Injection'],
    handler: (req, res) => {
      const f = req.form();
      res.html(page('Sign in', login(f.get('user') ?? '', f.get('pass') ?? '', true)));
    },
  },
];
