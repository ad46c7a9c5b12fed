// The parts of a login on their own: which form and fields a login uses, what indicator wsc
// proposes, which URLs end a session, token requests and lifetimes, and the other token kinds (the
// password grant, a JSON login answering a JWT) against the testbed API on a clock the test controls.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runEngine } from '../../src/engine/engine.js';
import { findLoginForm, loginRequest } from '../../src/engine/auth/form-login.js';
import { pointsAtLogin, proposeLoggedIn } from '../../src/engine/auth/indicators.js';
import { AuthSession, type AuthHost } from '../../src/engine/auth/manager.js';
import { jwtExpiry, tokenRequest } from '../../src/engine/auth/token-login.js';
import type { AuthConfig } from '../../src/engine/auth/types.js';
import { extractHtml } from '../../src/engine/crawl/html.js';
import type { HttpResponseData } from '../../src/core/model.js';
import { startTokenApi, type ApiApp } from '../testbed/auth-app.js';

const LOGIN = `<form id="search" action="/s"><input name="q"></form>
<form method="post" action="/auth"><input type="hidden" name="_token" value="t1"><input name="tenant" value="acme">
<input type="email" name="login_email"><input type="password" name="pw"><input type="checkbox" name="remember"><button name="go" value="1">Sign in</button></form>`;

test('the form with the password field is the login form; its user field is the text field before it', () => {
  const forms = extractHtml(LOGIN).forms;
  const found = findLoginForm(forms, {});
  assert.equal(found?.passField, 'pw');
  assert.equal(found?.userField, 'login_email');
  assert.equal(findLoginForm(forms, { usernameField: 'tenant', passwordField: 'pw' })?.userField, 'tenant');
  assert.equal(findLoginForm(forms, { passwordField: 'nope' }), null);
  const req = loginRequest(found!, 'http://h/login', 'http://h/login', { type: 'form', loginUrl: 'http://h/login', username: 'a@b.c', password: 'pass word', extraFields: { remember: 'on', otp: '123' } });
  assert.equal(req.method, 'POST');
  assert.equal(req.url, 'http://h/auth');
  assert.deepEqual(
    req.fields?.map((f) => [f.name, f.value]),
    [['_token', 't1'], ['tenant', 'acme'], ['login_email', 'a@b.c'], ['pw', 'pass word'], ['go', '1'], ['remember', 'on'], ['otp', '123']],
  );
});

test('proposed indicators: a logout link, else the user name, else the login form gone', () => {
  const before = '<form><input name="u"><input type="password" name="p"></form>';
  const a = proposeLoggedIn(before, '<a href="/account">me</a> <a href="/auth/sign-out?x=1">Sign out</a>', 'bob', 'p');
  assert.equal(a?.describe, 'a logout link (/auth/sign-out)');
  assert.ok(a?.test('<a href="/auth/sign-out">') && !a.test(before));
  const b = proposeLoggedIn(before, '<p>Hello bobby_1</p>', 'bobby_1', 'p');
  assert.equal(b?.describe, 'the user name (bobby_1) shown');
  const c = proposeLoggedIn(before, '<p>Dashboard</p>', 'bo', 'p');
  assert.equal(c?.describe, 'the login form gone');
  assert.ok(c?.test('<p>x</p>') && !c.test(before) && c.test('<input type="password" name="new_password">'));
  assert.equal(proposeLoggedIn(before, before, 'bob', 'p'), null);
  const res = (over: Partial<HttpResponseData>): HttpResponseData => ({ status: 200, headers: {}, rawHeaders: [], body: '', bytes: 0, truncated: false, timeMs: 1, url: 'http://h/x', redirects: [], ...over });
  assert.ok(pointsAtLogin(res({ status: 302, headers: { location: '/login?next=/x' } }), ['/login']));
  assert.ok(pointsAtLogin(res({ redirects: ['http://h/login'], url: 'http://h/login' }), ['/login']));
  assert.ok(!pointsAtLogin(res({ url: 'http://h/login' }), ['/login']), 'the login page itself is no sign');
});

test('session-ending URLs are avoided: logout words, password changes and the logoutUrls', () => {
  const host: AuthHost = {
    send: () => Promise.reject(new Error('no')),
    setHeaders: () => undefined,
    cookieValues: () => [],
    setCookie: () => undefined,
    startUrl: 'http://h/',
    now: Date.now,
    userAgent: 'x',
    signal: new AbortController().signal,
  };
  const s = new AuthSession({ type: 'headers', headers: { Cookie: 'sid=1' }, logoutUrls: ['/account/close*'] } as AuthConfig, host);
  for (const u of ['/logout', '/user/sign_out', '/index.php?action=logoff', '/settings/change-password', '/password/reset', '/account/close?now=1', '/a?do=Log%20out'])
    assert.ok(s.avoids(new URL(u, 'http://h/')), u);
  for (const u of ['/blogout', '/login', '/password-policy', '/catalog?page=2']) assert.ok(!s.avoids(new URL(u, 'http://h/')), u);
});

test('token requests: OAuth2 form grants with Basic client auth, JSON logins filled in; JWT exp', () => {
  const cc = tokenRequest({ type: 'token', tokenUrl: 'http://h/t', grant: 'client_credentials', clientId: 'c i', clientSecret: 's:e', scope: 'a b' }, null);
  assert.equal(cc.body, 'grant_type=client_credentials&scope=a+b&client_id=c+i');
  assert.equal(cc.headers?.Authorization, 'Basic ' + Buffer.from('c%20i:s%3Ae').toString('base64'));
  const refresh = tokenRequest({ type: 'token', tokenUrl: 'http://h/t', grant: 'password', username: 'u', password: 'p' }, 'r1');
  assert.equal(refresh.body, 'grant_type=refresh_token&refresh_token=r1');
  const j = tokenRequest({ type: 'token', tokenUrl: 'http://h/t', grant: 'json', username: 'u@x', password: 'p', body: { auth: { email: '{{username}}', pw: '{{password}}' }, n: 1 } }, null);
  assert.equal(j.body, '{"auth":{"email":"u@x","pw":"p"},"n":1}');
  const jwt = `e30.${Buffer.from('{"exp":1700000000}').toString('base64url')}.x`;
  assert.equal(jwtExpiry(jwt), 1_700_000_000_000);
  assert.equal(jwtExpiry('opaque'), null);
});

let api: ApiApp;
before(async () => {
  api = await startTokenApi({ secondsPerRequest: 2 });
});
after(async () => {
  await api.close();
});

async function scanWith(auth: AuthConfig): Promise<{ stats: Record<string, unknown>; found: string[] }> {
  const r = await runEngine(
    { startUrl: `${api.url}/`, excludeUrls: [], headers: {}, userAgent: 'PC Chrome', speed: '1', items: ['SQL Injection'], limits: { maxDurationMs: 60_000 }, auth },
    {},
    new AbortController().signal,
    { now: () => api.clock.now * 1000 },
  );
  return { stats: r.stats as unknown as Record<string, unknown>, found: r.findings.map((f) => `${f.item} ${new URL(f.url).pathname}`) };
}

test('the password grant and a JSON login answering a JWT (its exp the lifetime) both keep the scan logged in', async () => {
  const pw = await scanWith({ type: 'token', tokenUrl: `${api.url}/oauth/token`, grant: 'password', username: 'alice', password: 'correct horse 9' });
  assert.ok(pw.found.includes('SQL Injection /api/items'), JSON.stringify(pw));
  const jsonLogin = await scanWith({
    type: 'token',
    tokenUrl: `${api.url}/api/login`,
    grant: 'json',
    body: { email: '{{username}}', password: '{{password}}' },
    username: 'alice@example.com',
    password: 'correct horse 9',
    tokenPath: 'data.jwt',
    header: 'X-Auth-Token',
    prefix: '',
  });
  assert.ok(jsonLogin.found.includes('SQL Injection /api/items'), JSON.stringify(jsonLogin));
  assert.ok((jsonLogin.stats.authRefreshes as number) >= 1, JSON.stringify(jsonLogin.stats));
  assert.equal(jsonLogin.stats.relogins, 0);
});

test('maxRelogins bounds the re-logins of a session that keeps dying; the scan goes on and says so', async () => {
  const { startFormApp } = await import('../testbed/auth-app.js');
  const app = await startFormApp({ sessionRequests: 2 });
  try {
    const warnings: string[] = [];
    const r = await runEngine(
      {
        startUrl: `${app.url}/`,
        excludeUrls: [],
        headers: {},
        userAgent: 'PC Chrome',
        speed: '1',
        items: ['Directory Listing'],
        auth: { type: 'form', loginUrl: `${app.url}/login`, username: 'alice', password: 'correct horse 9', maxRelogins: 3 },
      },
      { log: (level, m) => void (level === 'warn' && warnings.push(m)) },
      new AbortController().signal,
    );
    assert.equal(r.stats.relogins, 3);
    assert.equal(app.logins, 4);
    assert.ok(warnings.some((w) => /login handling stopped after 3 re-logins/.test(w)), warnings.join('\n'));
  } finally {
    await app.close();
  }
});

test('an API description yields at most MAX_OPERATIONS targets', async () => {
  const { MAX_OPERATIONS, openApiRequests } = await import('../../src/engine/seeds/openapi.js');
  const paths: Record<string, unknown> = {};
  for (let i = 0; i < MAX_OPERATIONS + 10; i++) paths[`/p${i}`] = { get: {} };
  assert.equal(openApiRequests({ openapi: '3.1.0', paths }, 'http://h/', 'http://h/').length, MAX_OPERATIONS);
});
