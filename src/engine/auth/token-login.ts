// Bearer tokens from a token endpoint: OAuth2 client credentials or password grant (RFC 6749 4.4,
// 4.3; a refresh_token in the answer is used before a new grant, 6), or any JSON login that answers
// a token. The lifetime comes from expires_in (or the path named), else from a JWT's exp.
import type { HttpRequestSpec } from '../../core/model.js';
import { AuthError, type AuthSend } from './indicators.js';
import type { TokenAuth } from './types.js';

export interface Token {
  value: string;
  /** Epoch ms; Infinity when the answer says nothing about it. */
  expiresAt: number;
  refreshToken: string | null;
}

const DEFAULT_TOKEN_PATHS = ['access_token', 'token', 'accessToken', 'id_token', 'jwt', 'data.token', 'data.access_token'];

function at(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function fill(value: unknown, cfg: TokenAuth): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{(username|password|clientId|clientSecret)\}\}/g, (_m, k: 'username' | 'password' | 'clientId' | 'clientSecret') => cfg[k] ?? '');
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, cfg));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, cfg)]));
  return value;
}

/** A JWT's exp claim in epoch ms, or null when the token is not a JWT with one. */
export function jwtExpiry(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : null;
  } catch {
    // the middle part is not JSON: an opaque token that happens to hold two dots
    return null;
  }
}

export function tokenRequest(cfg: TokenAuth, refreshToken: string | null): HttpRequestSpec {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (cfg.grant === 'json') {
    headers['Content-Type'] = 'application/json';
    const body = cfg.body ?? { username: '{{username}}', password: '{{password}}' };
    return { method: 'POST', url: cfg.tokenUrl, headers, body: JSON.stringify(fill(body, cfg)) };
  }
  const form = new URLSearchParams();
  if (refreshToken !== null) {
    form.set('grant_type', 'refresh_token');
    form.set('refresh_token', refreshToken);
  } else {
    form.set('grant_type', cfg.grant);
    if (cfg.grant === 'password') {
      form.set('username', cfg.username ?? '');
      form.set('password', cfg.password ?? '');
    }
  }
  if (cfg.scope !== undefined) form.set('scope', cfg.scope);
  // RFC 6749 2.3.1: Basic authentication is what every server must accept; client_id in the body
  // too, for public clients and servers that read only the body.
  if (cfg.clientId !== undefined) {
    form.set('client_id', cfg.clientId);
    if (cfg.clientSecret !== undefined) {
      headers['Authorization'] = 'Basic ' + Buffer.from(`${encodeURIComponent(cfg.clientId)}:${encodeURIComponent(cfg.clientSecret)}`).toString('base64');
    }
  }
  headers['Content-Type'] = 'application/x-www-form-urlencoded';
  return { method: 'POST', url: cfg.tokenUrl, headers, body: form.toString() };
}

/** Gets a token (with the refresh token when there is one and the grant has them); throws AuthError. */
export async function fetchToken(cfg: TokenAuth, send: AuthSend, now: number, refreshToken: string | null = null): Promise<Token> {
  const ex = await send(tokenRequest(cfg, cfg.grant === 'json' ? null : refreshToken), false);
  const res = ex.response;
  if (res.status < 200 || res.status >= 300) {
    if (refreshToken !== null) return fetchToken(cfg, send, now, null);
    throw new AuthError(`the token endpoint ${cfg.tokenUrl} answered ${res.status}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    throw new AuthError(`the token endpoint ${cfg.tokenUrl} did not answer JSON`);
  }
  const paths = cfg.tokenPath !== undefined ? [cfg.tokenPath] : DEFAULT_TOKEN_PATHS;
  const value = paths.map((p) => at(json, p)).find((v): v is string => typeof v === 'string' && v !== '');
  if (value === undefined) throw new AuthError(`no token at ${paths.join(' or ')} in the answer of ${cfg.tokenUrl}`);
  const lifetime = at(json, cfg.expiresPath ?? 'expires_in');
  const seconds = typeof lifetime === 'number' ? lifetime : typeof lifetime === 'string' && /^\d+$/.test(lifetime) ? Number(lifetime) : null;
  const expiresAt = seconds !== null ? now + seconds * 1000 : (jwtExpiry(value) ?? Infinity);
  const refresh = at(json, 'refresh_token');
  return { value, expiresAt, refreshToken: typeof refresh === 'string' && refresh !== '' ? refresh : null };
}
