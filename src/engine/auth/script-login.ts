// Scripted login: the user's browser steps (goto, fill, click, press, wait for a selector or a URL)
// run on one page of the browser engine (src/engine/browser), for SSO redirects and logins that
// only JavaScript can complete. Every request the page makes is answered through the scan's session
// as a login-time request (scope, egress, budget apply), so the cookies the login's answers set land
// in the session's jar; cookies the page's scripts set are copied there at the end.
import type { HttpRequestSpec } from '../../core/model.js';
import { findChromium } from '../browser/chromium.js';
import { toBrowserResponse } from '../browser/fulfill.js';
import { BrowserPool, type BrowserRequest } from '../browser/pool.js';
import { extractHtml } from '../crawl/html.js';
import { findLoginForm, regexIndicator } from './form-login.js';
import { AuthError, proposeLoggedIn, type AuthSend, type Indicator } from './indicators.js';
import type { ScriptAuth, ScriptStep } from './types.js';

export interface ScriptHost {
  send: AuthSend;
  /** Adds a cookie the page's scripts set to the session's jar. */
  setCookie(url: string, name: string, value: string, path: string): void;
  userAgent?: string;
  signal?: AbortSignal;
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void;
}

export interface ScriptLoginResult {
  landedUrl: string;
  loggedIn: Indicator;
  proposed: boolean;
  loginPaths: string[];
}

const DROP_REQUEST = new Set(['host', 'connection', 'content-length', 'accept-encoding', 'cookie', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

function fillIn(s: string, cfg: ScriptAuth): string {
  return s.replace(/\{\{(username|password)\}\}/g, (_m, k: 'username' | 'password') => cfg[k] ?? '');
}

function describe(step: ScriptStep): string {
  const [k, v] = Object.entries(step)[0] ?? ['?', ''];
  return k === 'fill' ? `fill ${String(v)}` : `${k} ${String(v)}`;
}

export async function scriptLogin(cfg: ScriptAuth, host: ScriptHost, known?: Indicator): Promise<ScriptLoginResult> {
  const chromium = await findChromium();
  if (!chromium.ok || chromium.path === undefined) throw new AuthError(`a scripted login needs the browser engine: ${chromium.reason ?? 'no Chromium found'}`);
  const pool = new BrowserPool({
    executablePath: chromium.path,
    maxTabs: 1,
    ...(host.userAgent ? { userAgent: host.userAgent } : {}),
    ...(host.signal ? { signal: host.signal } : {}),
    ...(host.log ? { log: host.log } : {}),
    fulfill: async (req: BrowserRequest) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(':') && !DROP_REQUEST.has(k.toLowerCase())) headers[k] = v;
      const spec: HttpRequestSpec = { method: req.method, url: req.url, headers, ...(req.body !== undefined && req.body.length > 0 ? { body: new Uint8Array(req.body) } : {}) };
      const ex = await host.send(spec, false);
      return toBrowserResponse(ex.response);
    },
  });
  const timeout = cfg.stepTimeoutMs ?? 15_000;
  try {
    return await pool.withPage(
      async (page) => {
        let before: string | null = null;
        let loginUrl: string | null = null;
        for (const [i, step] of cfg.steps.entries()) {
          try {
            if ('goto' in step) {
              await page.goto(fillIn(step.goto, cfg), { waitUntil: 'load', timeout });
              if (before === null) {
                before = await page.content();
                loginUrl = page.url();
              }
            } else if ('fill' in step) await page.fill(step.fill, fillIn(step.value, cfg), { timeout });
            else if ('click' in step) await page.click(step.click, { timeout });
            else if ('press' in step) await page.press(step.press, step.key, { timeout });
            else if ('waitFor' in step) await page.waitForSelector(step.waitFor, { timeout });
            else await page.waitForURL(new RegExp(step.waitForUrl), { timeout });
          } catch (err) {
            throw new AuthError(`step ${i + 1} (${describe(step)}) failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
          }
        }
        await page.waitForLoadState('load', { timeout }).catch((err: unknown) => host.log?.('debug', 'the login page did not finish loading', { error: String(err) }));
        const after = await page.content();
        const landedUrl = page.url();
        for (const c of await page.context().cookies()) {
          const scheme = c.secure ? 'https' : 'http';
          host.setCookie(`${scheme}://${c.domain.replace(/^\./, '')}${c.path}`, c.name, c.value, c.path);
        }
        let loggedIn = known ?? (cfg.loggedInRegex !== undefined ? regexIndicator(cfg.loggedInRegex, 'the logged-in regex') : null);
        let proposed = false;
        if (loggedIn === null && before !== null) {
          const pass = findLoginForm(extractHtml(before).forms, {})?.passField ?? '';
          loggedIn = proposeLoggedIn(before, after, cfg.username ?? '', pass);
          proposed = true;
        }
        if (loggedIn === null || !loggedIn.test(after)) {
          throw new AuthError(`the scripted login ended on ${landedUrl} without ${loggedIn ? loggedIn.describe : 'a sign of being logged in (give loggedInRegex)'}`);
        }
        const loginPaths = loginUrl !== null && new URL(loginUrl).pathname !== new URL(landedUrl).pathname ? [new URL(loginUrl).pathname] : [];
        return { landedUrl, loggedIn, proposed, loginPaths };
      },
      // the steps' own bounds fire first; this one catches what hangs between them
      { timeoutMs: timeout * (cfg.steps.length + 1) + 5000 },
    );
  } catch (err) {
    if (err instanceof AuthError || (err instanceof Error && err.name === 'AbortError') || host.signal?.aborted) throw err;
    throw new AuthError(`the scripted login failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  } finally {
    await pool.close();
  }
}
