// Form login: the login page is loaded fresh before every login, so its hidden fields (anti-CSRF
// token, ASP.NET state, a nonce) are the ones the server just issued; the form is read with the
// crawler's form model (crawl/forms.ts) and submitted as a browser would, with the user and
// password put in the fields wsc recognised or the user named.
import type { CrawledRequest, FormField, HttpExchange } from '../../core/model.js';
import { extractHtml, type FoundForm } from '../crawl/html.js';
import { formSubmissions } from '../crawl/forms.js';
import { toSpec } from '../insertion-points.js';
import type { AuthSend, Indicator } from './indicators.js';
import { AuthError, hasPasswordField, proposeLoggedIn, escapeRegExp } from './indicators.js';
import type { FormAuth } from './types.js';

const USER_NAME = /user|login|email|mail|account|name|ident|uid/i;
const TEXT_LIKE = new Set(['text', 'email', 'tel', 'search', '']);

export interface LoginForm {
  form: FoundForm;
  userField: string | null;
  passField: string;
}

/** The form holding the password field (the one named, else the first), and its user field. */
export function findLoginForm(forms: FoundForm[], cfg: Pick<FormAuth, 'usernameField' | 'passwordField'>): LoginForm | null {
  for (const form of forms) {
    const controls = form.controls.filter((c) => !c.disabled && c.name !== '');
    const pass = cfg.passwordField !== undefined ? controls.find((c) => c.name === cfg.passwordField) : controls.find((c) => c.tag === 'input' && c.type === 'password');
    if (!pass) continue;
    if (cfg.usernameField !== undefined) {
      if (!controls.some((c) => c.name === cfg.usernameField)) continue;
      return { form, userField: cfg.usernameField, passField: pass.name };
    }
    // the text field nearest before the password field, preferring one whose name says "user"
    const before = controls.slice(0, controls.indexOf(pass)).filter((c) => c.tag === 'input' && TEXT_LIKE.has(c.type));
    const named = [...before].reverse().find((c) => USER_NAME.test(c.name));
    const user = named ?? before[before.length - 1] ?? controls.find((c) => c.tag === 'input' && TEXT_LIKE.has(c.type) && c !== pass);
    return { form, userField: user?.name ?? null, passField: pass.name };
  }
  return null;
}

/** The login submission for `found` on `pageUrl`, with the credentials and extra fields put in. */
export function loginRequest(found: LoginForm, pageUrl: string, base: string, cfg: FormAuth): CrawledRequest {
  // destructive-looking buttons are skipped by formSubmissions; a login form has none worth keeping
  const { submissions } = formSubmissions(found.form, pageUrl, base);
  const sub = submissions[0];
  if (!sub) throw new AuthError(`the login form on ${pageUrl} cannot be submitted`);
  const values = new Map<string, string>(Object.entries(cfg.extraFields ?? {}));
  if (found.userField !== null) values.set(found.userField, cfg.username);
  values.set(found.passField, cfg.password);
  const fill = (fields: FormField[]): FormField[] => {
    const out = fields.filter((f) => f.unsent !== true).map((f) => (values.has(f.name) ? { ...f, value: values.get(f.name) as string } : f));
    for (const [name, value] of values) if (!out.some((f) => f.name === name)) out.push({ name, value });
    return out;
  };
  if (sub.method === 'POST') {
    return { method: 'POST', url: sub.url, bodyKind: sub.bodyKind ?? 'urlencoded', fields: fill(sub.fields ?? []), source: 'login', depth: 0, referer: pageUrl };
  }
  const u = new URL(sub.url);
  const fields = fill([...u.searchParams].map(([name, value]) => ({ name, value })));
  u.search = new URLSearchParams(fields.map((f): [string, string] => [f.name, f.value])).toString();
  return { method: 'GET', url: u.href, source: 'login', depth: 0, referer: pageUrl };
}

export interface FormLoginResult {
  /** Where the login landed (after redirects): the default verification page. */
  landedUrl: string;
  loggedIn: Indicator;
  /** How the indicator was chosen, for the log and the report. */
  proposed: boolean;
  /** Paths of the login page and of its form's action: a redirect there means logged out. */
  loginPaths: string[];
}

/**
 * Loads the login page, submits its form and judges the result: by the user's logged-in regex, or
 * by one wsc proposes from the difference between the page before and after (a logout link that
 * appeared, the user name shown, the login form gone). Throws AuthError when the login failed.
 */
export async function formLogin(cfg: FormAuth, send: AuthSend, known?: Indicator): Promise<FormLoginResult> {
  const page = await send({ method: 'GET', url: cfg.loginUrl }, true);
  const pageUrl = page.response.url;
  const html = page.response.body;
  const ex = extractHtml(html);
  const found = findLoginForm(ex.forms, cfg);
  if (!found) {
    const names = [cfg.usernameField, cfg.passwordField].filter((n) => n !== undefined).join(', ');
    throw new AuthError(`no login form${names ? ` with the fields ${names}` : ' with a password field'} on ${pageUrl} (status ${page.response.status})`);
  }
  let base = pageUrl;
  if (ex.base !== null) {
    try {
      base = new URL(ex.base, pageUrl).href;
    } catch {
      // a <base href> that is not a URL: browsers fall back to the page's own URL
    }
  }
  const req = loginRequest(found, pageUrl, base, cfg);
  const answer: HttpExchange = await send(toSpec(req), true);
  const landed = answer.response;
  const loginPaths = [...new Set([new URL(pageUrl).pathname, new URL(cfg.loginUrl).pathname, new URL(req.url).pathname])];
  let loggedIn = known ?? (cfg.loggedInRegex !== undefined ? regexIndicator(cfg.loggedInRegex, 'the logged-in regex') : null);
  let proposed = false;
  if (loggedIn === null) {
    loggedIn = proposeLoggedIn(html, landed.body, cfg.username, found.passField);
    proposed = true;
  }
  if (loggedIn === null || landed.status >= 400 || !loggedIn.test(landed.body)) {
    throw new AuthError(
      `the login at ${req.url} did not succeed (status ${landed.status}${landed.url !== req.url ? `, landed on ${landed.url}` : ''}${loggedIn ? `; ${loggedIn.describe} not found` : '; the page still shows the login form'})`,
    );
  }
  return { landedUrl: landed.url, loggedIn, proposed, loginPaths };
}

export function regexIndicator(source: string, describe: string): Indicator {
  const re = new RegExp(source, 'i');
  return { source, describe: `${describe} /${source}/`, test: (body) => re.test(body) };
}

export { escapeRegExp, hasPasswordField };
