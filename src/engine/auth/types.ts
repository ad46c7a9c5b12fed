// What a job says about logging in (the `Auth` createJob extension field, `wsc scan --auth FILE`,
// `--login-url/--username/--password`). The API validates it (src/api/schemas.ts); the engine takes
// it as given. Secrets in it (password, clientSecret, static values) are sealed at rest with the
// job's headers and redacted from findings, reports and logs like them.

/** A login form on a page: found, filled, submitted with the page's fresh hidden fields. */
export interface FormAuth {
  type: 'form';
  /** The page holding the login form (the form may post elsewhere). */
  loginUrl: string;
  username: string;
  password: string;
  /** Field names, when wsc's guess (the text field before the password field) is not right. */
  usernameField?: string;
  passwordField?: string;
  /** Other fields to send as given (a tenant, a "remember me"). */
  extraFields?: Record<string, string>;
  /** A regex that matches pages only when logged in; proposed after the first login when absent. */
  loggedInRegex?: string;
  /** A regex that matches a page only when logged out (e.g. the login form's own markup). */
  loggedOutRegex?: string;
  /** A page that shows the logged-in indicator; the page the login landed on when absent. */
  verifyUrl?: string;
  /** URL prefixes (with * wildcards) that end or change the session: never requested. */
  logoutUrls?: string[];
  /** Verify the session after this many requests (default 100). */
  verifyEvery?: number;
  /** Re-logins before wsc stops logging in and goes on with the session it has (default 200). */
  maxRelogins?: number;
}

/** A token endpoint: OAuth2 client credentials or password grant, or any JSON login returning a token. */
export interface TokenAuth {
  type: 'token';
  tokenUrl: string;
  /** client_credentials and password post a form (RFC 6749); json posts `body` as JSON. */
  grant: 'client_credentials' | 'password' | 'json';
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  scope?: string;
  /** The JSON login's body (grant json); string values "{{username}}"/"{{password}}" are filled in. */
  body?: Record<string, unknown>;
  /** Dotted path of the token in the answer (default: access_token, token, accessToken, id_token, jwt). */
  tokenPath?: string;
  /** Dotted path of its lifetime in seconds (default expires_in); a JWT's exp is read otherwise. */
  expiresPath?: string;
  /** The header the token goes in (default Authorization) and its prefix (default "Bearer "). */
  header?: string;
  prefix?: string;
  /** Refresh this long before expiry, seconds (default 30). */
  refreshBeforeSeconds?: number;
  loggedOutRegex?: string;
  verifyUrl?: string;
  loggedInRegex?: string;
  logoutUrls?: string[];
  verifyEvery?: number;
  maxRelogins?: number;
}

/** Static credentials, as the job's Headers carry them today, plus cookies by name. */
export interface StaticAuth {
  type: 'headers';
  headers?: Record<string, string>;
  cookies?: Record<string, string>;
  logoutUrls?: string[];
}

/** One browser step of a scripted login; string values may hold {{username}} and {{password}}. */
export type ScriptStep =
  | { goto: string }
  | { fill: string; value: string }
  | { click: string }
  | { press: string; key: string }
  | { waitFor: string }
  | { waitForUrl: string };

/** A login run in the browser engine (SSO, JavaScript logins): steps on one page, then its cookies. */
export interface ScriptAuth {
  type: 'script';
  steps: ScriptStep[];
  username?: string;
  password?: string;
  /** Bound of each step, ms (default 15 s). */
  stepTimeoutMs?: number;
  loggedInRegex?: string;
  loggedOutRegex?: string;
  verifyUrl?: string;
  logoutUrls?: string[];
  verifyEvery?: number;
  maxRelogins?: number;
}

export type AuthConfig = FormAuth | TokenAuth | StaticAuth | ScriptAuth;

/** Every secret string in a config, keyed by a made-up header-like name (for redactSecrets). */
export function authSecrets(auth: AuthConfig | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!auth) return out;
  let i = 0;
  const add = (v: string | undefined): void => {
    if (v !== undefined && v.length >= 4) out[`x-wsc-auth-secret-${++i}`] = v;
  };
  if (auth.type === 'form' || auth.type === 'script') add(auth.password);
  else if (auth.type === 'token') {
    add(auth.password);
    add(auth.clientSecret);
    for (const v of Object.values(auth.body ?? {})) if (typeof v === 'string' && !/^\{\{\w+\}\}$/.test(v)) add(v);
  } else {
    for (const v of Object.values(auth.headers ?? {})) add(v);
    for (const v of Object.values(auth.cookies ?? {})) add(v);
  }
  return out;
}
