// Telling logged in from logged out. The user may give regexes; otherwise wsc proposes a logged-in
// indicator from what the login changed on the page, in this order of trust: a logout link that
// appeared, the user name shown, the login form gone.
import type { HttpExchange, HttpRequestSpec, HttpResponseData } from '../../core/model.js';
import { extractHtml } from '../crawl/html.js';

/** A login-time request: scope and budget apply, auth handling does not (ScanSession.send with via.auth). */
export type AuthSend = (spec: HttpRequestSpec, followRedirects: boolean) => Promise<HttpExchange>;

export class AuthError extends Error {
  override name = 'AuthError';
}

export interface Indicator {
  /** A regex source, or a word for a rule that is not one ("no login form"). */
  source: string;
  describe: string;
  test(body: string): boolean;
}

export const LOGOUT_WORDS = /(?:^|[^a-z])(log[-_ ]?out|sign[-_ ]?out|log[-_ ]?off|sign[-_ ]?off)/i;
/** URLs that end or change the login session: never requested by an authenticated scan. */
export const SESSION_ENDING = /(?:^|[^a-z])(log[-_ ]?out|sign[-_ ]?out|log[-_ ]?off|sign[-_ ]?off|(?:change|reset|update|new)[-_ /]?pass(?:word|wd)?|pass(?:word|wd)[-_ /]?(?:change|reset|update))/i;

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const PASSWORD_INPUT = /<input\b[^>]*\btype\s*=\s*["']?password\b/i;

export function hasPasswordField(html: string): boolean {
  return PASSWORD_INPUT.test(html);
}

/** A logged-in indicator from the login page (`before`) and the page the login landed on (`after`), or null. */
export function proposeLoggedIn(before: string, after: string, username: string, passField: string): Indicator | null {
  const had = new Set(extractHtml(before).links.map((l) => l.url));
  for (const l of extractHtml(after).links) {
    if (l.kind !== 'a' || had.has(l.url)) continue;
    if (!LOGOUT_WORDS.test(l.url) && !(l.text !== undefined && LOGOUT_WORDS.test(l.text))) continue;
    const href = l.url.split('#')[0]?.split('?')[0] ?? '';
    if (href === '') continue;
    const source = escapeRegExp(href.replace(/&amp;/g, '&'));
    const re = new RegExp(source, 'i');
    return { source, describe: `a logout link (${href})`, test: (body) => re.test(body) };
  }
  if (username.length >= 3 && after.includes(username) && !before.includes(username)) {
    const source = escapeRegExp(username);
    return { source, describe: `the user name (${username}) shown`, test: (body) => body.includes(username) };
  }
  if (hasPasswordField(before) && !hasPasswordField(after)) {
    const field = new RegExp(`name\\s*=\\s*["']?${escapeRegExp(passField)}["'\\s>/]`, 'i');
    return { source: '(no login form)', describe: 'the login form gone', test: (body) => !(hasPasswordField(body) && field.test(body)) };
  }
  return null;
}

/** Whether a response points at the login page: a redirect there, or a page served from there. */
export function pointsAtLogin(res: HttpResponseData, loginPaths: readonly string[]): boolean {
  if (loginPaths.length === 0) return false;
  const loc = res.headers['location'];
  // a page fetched at the login URL itself is no sign: only being sent there is
  const candidates: string[] = res.redirects.length > 0 ? [...res.redirects, res.url] : [];
  if (res.status >= 300 && res.status < 400 && loc !== undefined) candidates.push(new URL(loc, res.url).href);
  return candidates.some((u) => {
    try {
      return loginPaths.includes(new URL(u).pathname);
    } catch {
      // a Location that is not a URL points nowhere
      return false;
    }
  });
}
