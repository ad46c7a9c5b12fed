// One scan's login: the first login before the crawl, the bearer token refreshed before it expires,
// the session verified every few requests and whenever an answer looks logged out, and a new login
// when it was lost (ScanSession.send then retries the affected request once). Login-time requests
// go through the session's scope and budget but not through this handling (ScanSession.send, via.auth).
import type { HttpRequestSpec, HttpResponseData } from '../../core/model.js';
import type { EngineHooks } from '../types.js';
import { formLogin, regexIndicator } from './form-login.js';
import { hasPasswordField, pointsAtLogin, SESSION_ENDING, type AuthSend, type Indicator } from './indicators.js';
import { scriptLogin } from './script-login.js';
import { fetchToken, type Token } from './token-login.js';
import { authSecrets, type AuthConfig, type FormAuth, type ScriptAuth, type TokenAuth } from './types.js';

export { AuthError } from './indicators.js';

export interface AuthHost {
  send: AuthSend;
  /** Replaces the headers the login adds to every request (a bearer token). */
  setHeaders(headers: Record<string, string>): void;
  /** Values of the cookies the session holds now (made secret after a login). */
  cookieValues(): string[];
  startUrl: string;
  now(): number;
  log?: EngineHooks['log'];
  /** For a scripted login: cookies its page's scripts set, the User-Agent, the job's stop. */
  setCookie(url: string, name: string, value: string, path: string): void;
  userAgent: string;
  signal: AbortSignal;
}

/** What the login cost and did; `relogins` is the engine-wide count of sessions lost and regained. */
export interface AuthStats {
  logins: number;
  relogins: number;
  /** Bearer tokens renewed before they expired. */
  refreshes: number;
  verifications: number;
  /** Logins that failed after the first (the scan goes on with what it has). */
  failures: number;
}

export interface AuthSummary {
  kind: AuthConfig['type'];
  loggedIn: string | null;
  loggedOut: string;
  /** True when wsc proposed the logged-in indicator (none was given). */
  proposed: boolean;
}

const DEFAULT_VERIFY_EVERY = 100;
const MAX_RELOGINS = 200;
const MAX_FAILURES = 3;
const MAX_OK_PATHS = 1000;

function prefixRule(pattern: string): RegExp {
  return new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*'), 'i');
}

export class AuthSession {
  readonly stats: AuthStats = { logins: 0, relogins: 0, refreshes: 0, verifications: 0, failures: 0 };
  /** Bumped by every login: a request sent under an older one was sent with a lost session. */
  generation = 0;
  private pending: Promise<boolean> | null = null;
  private verifying: Promise<boolean> | null = null;
  private sinceVerify = 0;
  private loggedIn: Indicator | null = null;
  private loggedOut: Indicator | null = null;
  private proposed = false;
  private verifyUrl: string | null = null;
  private loginPaths: string[] = [];
  private token: Token | null = null;
  private dead = false;
  private consecutiveFailures = 0;
  /** Paths whose suspicious answer was verified as logged in, this generation. */
  private okPaths = new Set<string>();
  /** Requests (method and path) still refused after a fresh login: their refusal is not a lost session. */
  private readonly refusedAnyway = new Set<string>();
  private readonly logoutRules: RegExp[];
  private readonly dynamicSecrets = new Map<string, string>();
  private readonly verifyEvery: number;
  private readonly maxRelogins: number;

  constructor(
    readonly config: AuthConfig,
    private readonly host: AuthHost,
  ) {
    this.logoutRules = (config.logoutUrls ?? []).map(prefixRule);
    this.verifyEvery = config.type === 'headers' ? Infinity : Math.max(1, config.verifyEvery ?? DEFAULT_VERIFY_EVERY);
    this.maxRelogins = config.type === 'headers' ? 0 : Math.max(0, config.maxRelogins ?? MAX_RELOGINS);
    if (config.type !== 'headers' && config.loggedOutRegex !== undefined) this.loggedOut = regexIndicator(config.loggedOutRegex, 'the logged-out regex');
  }

  /** Whether `u` would end or change the session (a logout, a password change): never requested. */
  avoids(u: URL): boolean {
    if (this.logoutRules.some((r) => r.test(u.href) || r.test(u.pathname + u.search))) return true;
    let target = u.pathname + ' ' + u.search;
    try {
      target = decodeURIComponent(target);
    } catch {
      // malformed escapes: the raw text still holds the words
    }
    return SESSION_ENDING.test(target);
  }

  /** The config's secrets and those the logins obtained (tokens, session cookies), for redaction. */
  secrets(): Record<string, string> {
    const out = authSecrets(this.config);
    let i = 0;
    for (const v of this.dynamicSecrets.values()) out[`x-wsc-session-secret-${++i}`] = v;
    return out;
  }

  summary(): AuthSummary {
    const loggedOut =
      this.loggedOut?.describe ??
      (this.config.type === 'token'
        ? 'status 401'
        : this.config.type === 'form' || this.config.type === 'script'
          ? `${this.loginPaths.length > 0 ? `a redirect to the login page (${this.loginPaths.join(', ')}) or ` : ''}a login form without the logged-in indicator`
          : 'none');
    return { kind: this.config.type, loggedIn: this.loggedIn?.describe ?? null, loggedOut, proposed: this.proposed };
  }

  /** The first login; throws AuthError when it fails (the scan would run logged out). */
  async start(): Promise<void> {
    await this.login();
    const s = this.summary();
    this.host.log?.('info', `logged in (${s.kind}); logged-in indicator: ${s.loggedIn ?? 'none'}${s.proposed ? ' (proposed by wsc)' : ''}; logged out: ${s.loggedOut}`);
  }

  private async login(): Promise<void> {
    const cfg = this.config;
    if (cfg.type === 'form') await this.formLogin(cfg);
    else if (cfg.type === 'token') await this.tokenLogin(cfg, null);
    else if (cfg.type === 'script') await this.scriptLogin(cfg);
    this.generation++;
    this.sinceVerify = 0;
    this.okPaths = new Set();
    this.stats.logins++;
    for (const v of this.host.cookieValues()) if (v.length >= 8 && this.dynamicSecrets.size < 64) this.dynamicSecrets.set(v, v);
  }

  private async formLogin(cfg: FormAuth): Promise<void> {
    const r = await formLogin(cfg, this.host.send, this.loggedIn ?? undefined);
    if (this.loggedIn === null) {
      this.loggedIn = r.loggedIn;
      this.proposed = r.proposed;
    }
    this.loginPaths = r.loginPaths;
    const landedPath = new URL(r.landedUrl).pathname;
    this.verifyUrl = cfg.verifyUrl ?? (this.loginPaths.includes(landedPath) || this.avoids(new URL(r.landedUrl)) ? this.host.startUrl : r.landedUrl);
  }

  private async scriptLogin(cfg: ScriptAuth): Promise<void> {
    const r = await scriptLogin(
      cfg,
      { send: this.host.send, setCookie: this.host.setCookie, userAgent: this.host.userAgent, signal: this.host.signal, ...(this.host.log ? { log: this.host.log } : {}) },
      this.loggedIn ?? undefined,
    );
    if (this.loggedIn === null) {
      this.loggedIn = r.loggedIn;
      this.proposed = r.proposed;
    }
    this.loginPaths = r.loginPaths;
    const landed = new URL(r.landedUrl);
    this.verifyUrl = cfg.verifyUrl ?? (this.loginPaths.includes(landed.pathname) || this.avoids(landed) ? this.host.startUrl : r.landedUrl);
  }

  private async tokenLogin(cfg: TokenAuth, refresh: string | null): Promise<void> {
    const token = await fetchToken(cfg, this.host.send, this.host.now(), refresh);
    this.token = token;
    const header = cfg.header ?? 'Authorization';
    const value = (cfg.prefix ?? 'Bearer ') + token.value;
    this.host.setHeaders({ [header]: value });
    if (this.dynamicSecrets.size < 64) this.dynamicSecrets.set(token.value, value);
    if (this.loggedIn === null && cfg.loggedInRegex !== undefined) this.loggedIn = regexIndicator(cfg.loggedInRegex, 'the logged-in regex');
    this.verifyUrl = cfg.verifyUrl ?? null;
  }

  /** Before each authenticated request: waits for a login under way, renews a token about to expire, verifies now and then. */
  async before(): Promise<void> {
    if (this.pending) await this.pending;
    if (this.dead) return;
    const cfg = this.config;
    if (cfg.type === 'token' && this.token !== null && this.host.now() >= this.token.expiresAt - (cfg.refreshBeforeSeconds ?? 30) * 1000) {
      this.pending ??= this.run(async () => {
        await this.tokenLogin(cfg, this.token?.refreshToken ?? null);
        this.generation++;
        this.stats.refreshes++;
      });
      await this.pending;
      return;
    }
    if (++this.sinceVerify >= this.verifyEvery && this.verifyUrl !== null && this.verifying === null) {
      this.sinceVerify = 0;
      // in the background: requests go on while one verification is in flight; a stop or the spent
      // budget that ends it reaches the requests themselves
      this.verifyAndRecover(this.generation).catch((err: unknown) => this.host.log?.('debug', 'session verification ended', { error: err instanceof Error ? err.message : String(err) }));
    }
  }

  /** Whether an answer to an authenticated request looks like the session is gone. */
  looksLoggedOut(res: HttpResponseData): boolean {
    if (this.dead) return false;
    if (this.loggedOut !== null && this.loggedOut.test(res.body)) return true;
    if (this.config.type === 'token') return res.status === 401;
    if (this.config.type !== 'form' && this.config.type !== 'script') return false;
    if (pointsAtLogin(res, this.loginPaths)) return true;
    const ct = res.headers['content-type'] ?? '';
    return (ct === '' || ct.includes('html')) && hasPasswordField(res.body) && this.loggedIn !== null && !this.loggedIn.test(res.body);
  }

  /**
   * After a logged-out answer to a request sent under login `generation`: true when the request
   * should be sent again (a new login happened since, or the session was lost and is now back).
   */
  async recover(generation: number, spec: HttpRequestSpec): Promise<boolean> {
    if (this.dead) return false;
    if (this.pending) return this.pending;
    if (generation !== this.generation) return true;
    const key = requestKey(spec);
    if (this.config.type === 'token') {
      if (this.refusedAnyway.has(key)) return false;
      if (this.verifyUrl === null) return this.relogin(generation);
    } else {
      const path = pathOf(spec.url);
      if (this.okPaths.has(path)) return false;
      const lost = await this.verifyAndRecover(generation);
      if (!lost && this.okPaths.size < MAX_OK_PATHS) this.okPaths.add(path);
      return lost && !this.dead && this.generation !== generation;
    }
    return this.verifyAndRecover(generation);
  }

  /** The retry after a new login was refused again: that refusal belongs to the request, not the session. */
  refusedAfterRelogin(spec: HttpRequestSpec): void {
    if (this.refusedAnyway.size < 10_000) this.refusedAnyway.add(requestKey(spec));
  }

  /** Verifies the session; when lost, logs in again. True when it was lost (and a login was attempted). */
  private async verifyAndRecover(generation: number): Promise<boolean> {
    if (this.verifying === null) {
      this.verifying = this.verify().finally(() => {
        this.verifying = null;
      });
    }
    const ok = await this.verifying;
    if (ok) return false;
    await this.relogin(generation);
    return true;
  }

  private async verify(): Promise<boolean> {
    if (this.verifyUrl === null) return true;
    this.stats.verifications++;
    try {
      const ex = await this.host.send({ method: 'GET', url: this.verifyUrl }, true);
      const res = ex.response;
      if (res.status >= 400 || pointsAtLogin(res, this.loginPaths)) return false;
      if (this.loggedOut !== null && this.loggedOut.test(res.body)) return false;
      return this.loggedIn === null || this.loggedIn.test(res.body);
    } catch (err) {
      if (!(err instanceof Error) || err.name === 'AbortError' || err.name === 'BudgetError') throw err;
      // a verification that could not be made says nothing either way: carry on as logged in
      this.host.log?.('debug', 'session verification failed', { error: err.message });
      return true;
    }
  }

  /** Logs in again (once for every request that saw the same loss). True when it succeeded. */
  private relogin(generation: number): Promise<boolean> {
    if (this.pending) return this.pending;
    if (generation !== this.generation) return Promise.resolve(true);
    if (this.stats.relogins >= this.maxRelogins) {
      this.giveUp(`${this.maxRelogins} re-logins`);
      return Promise.resolve(false);
    }
    this.stats.relogins++;
    this.host.log?.('info', `the session was lost; logging in again (re-login ${this.stats.relogins})`);
    return (this.pending = this.run(() => this.login()));
  }

  private run(fn: () => Promise<void>): Promise<boolean> {
    const p = fn()
      .then(() => {
        this.consecutiveFailures = 0;
        return true;
      })
      .catch((err: unknown) => {
        if (err instanceof Error && (err.name === 'AbortError' || err.name === 'BudgetError')) throw err;
        this.stats.failures++;
        this.host.log?.('warn', `login failed: ${err instanceof Error ? err.message : String(err)}`);
        if (++this.consecutiveFailures >= MAX_FAILURES) this.giveUp(`${MAX_FAILURES} failed logins in a row`);
        return false;
      })
      .finally(() => {
        if (this.pending === p) this.pending = null;
      });
    // A stop or the spent budget rejects the login; whoever waits on it sees that, and a login
    // nobody waits on (a background verification's) must not become an unhandled rejection.
    p.catch((err: unknown) => this.host.log?.('debug', 'login ended', { error: err instanceof Error ? err.message : String(err) }));
    return p;
  }

  private giveUp(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.host.log?.('warn', `login handling stopped after ${why}: the rest of the scan runs with the session it has`);
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    // not a URL: the raw text is its own key
    return url;
  }
}

function requestKey(spec: HttpRequestSpec): string {
  return `${spec.method.toUpperCase()} ${pathOf(spec.url)}`;
}
