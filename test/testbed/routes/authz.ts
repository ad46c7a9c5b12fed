// Insufficient Authorization pages: a members area behind the cookie `authz_session` (alice's is
// "alice-7f3c", bob's "bob-91d2"). Under /authz/ one page of the account folder forgets the check,
// orders are shown to any signed-in user whatever their owner, and the admin dashboard has no check
// at all. /authz-safe/ is the same site done right: login redirects, 401s and owner checks.
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

const IA = 'Insufficient Authorization' as const;
const SESSIONS: Record<string, string> = { 'alice-7f3c': 'alice', 'bob-91d2': 'bob' };
const ORDERS: Record<number, { owner: string; item: string; total: string; address: string }> = {
  1000: { owner: 'carol', item: 'Garden hose, 25 m', total: '39.90', address: '12 Elm Street, Springfield' },
  1001: { owner: 'alice', item: 'Noise-cancelling headphones', total: '249.00', address: '3 Birch Road, Shelbyville' },
  1002: { owner: 'bob', item: 'Espresso machine', total: '489.50', address: '77 Oak Avenue, Capital City' },
};

export const AUTHZ_COOKIE = 'authz_session=alice-7f3c';

function user(req: TestbedRequest): string | null {
  return SESSIONS[req.cookies['authz_session'] ?? ''] ?? null;
}

const page = (title: string, body: string): string => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;

function account(prefix: string, who: string): string {
  return page('My account', `<p>Signed in as ${who}.</p><ul><li><a href="${prefix}/account/profile">Profile</a></li><li><a href="${prefix}/account/invoices">Invoices</a></li>
<li><a href="${prefix}/orders/1001">Order 1001</a></li><li><a href="${prefix}/logout">Log out</a></li></ul>`);
}

const PROFILE = (who: string): string => page('Profile', `<p>Name: ${who}</p><p>E-mail: ${who}@example.com</p><p>Member since 2021.</p>`);
const INVOICES = page('Invoices', `<table><tr><th>Invoice</th><th>Date</th><th>Amount</th></tr><tr><td>INV-2024-0042</td><td>2024-03-01</td><td>249.00</td></tr><tr><td>INV-2024-0077</td><td>2024-05-12</td><td>19.99</td></tr></table><p>Billing address: 3 Birch Road, Shelbyville.</p>`);
const ADMIN = page('Admin dashboard', `<p>Users: 3, orders today: 12.</p><ul><li><a href="#users">Manage users</a></li><li><a href="#orders">Manage orders</a></li></ul>`);

function order(prefix: string, id: number): string {
  const o = ORDERS[id];
  if (!o) return page('Order not found', `<p>There is no order ${id}.</p>`);
  return page(`Order ${id}`, `<dl><dt>Item</dt><dd>${o.item}</dd><dt>Total</dt><dd>${o.total} EUR</dd><dt>Ship to</dt><dd>${o.address}</dd><dt>Customer</dt><dd>${o.owner}</dd></dl><p><a href="${prefix}/account/">Back to my account</a></p>`);
}

const PORTAL_ADMIN = ['reports.php'];
const PORTAL: Record<string, string> = {
  'home.php': '<h2>Home</h2><p>Welcome to the portal.</p>',
  'reports.php': '<h2>Quarterly reports</h2><table><tr><th>Quarter</th><th>Revenue</th><th>Margin</th></tr><tr><td>Q1</td><td>1,204,000</td><td>18%</td></tr><tr><td>Q2</td><td>1,377,500</td><td>21%</td></tr></table><p>Confidential: board members only.</p>',
};

/** Site `prefix`; `safe` enforces every check, the other forgets some. */
function site(prefix: string, safe: boolean): Route[] {
  const login = (res: TestbedResponse): void => res.redirect(`${prefix}/login`);
  const gate = (req: TestbedRequest, res: TestbedResponse, ok: (who: string) => void, deny: (r: TestbedResponse) => void = login): void => {
    const who = user(req);
    if (who === null) return deny(res);
    ok(who);
  };
  const vuln = safe ? {} : { vulnerable: [{ item: IA }] };
  const twin = safe ? { safeFor: [IA] } : {};
  return [
    {
      method: 'GET',
      path: `${prefix}/`,
      index: true,
      title: safe ? 'Members area (access control done right)' : 'Members area',
      ...twin,
      handler: (_q, r) => r.html(page('Members area', `<p>Welcome!</p><ul><li><a href="${prefix}/login">Sign in</a></li><li><a href="${prefix}/account/">My account</a></li><li><a href="${prefix}/help">Help</a></li><li><a href="${prefix}/portal.php?page=home.php">Portal</a></li><li><a href="${prefix}/vault/">Vault</a></li><li><a href="${prefix}/keys">API keys</a></li></ul>`)),
    },
    { method: 'GET', path: `${prefix}/help`, handler: (_q, r) => r.html(page('Help', '<p>Questions? Write to support@example.com.</p>')) },
    {
      method: ['GET', 'POST'],
      path: `${prefix}/login`,
      handler: (_q, r) => r.html(page('Sign in', `<form method="post" action="${prefix}/login"><input name="user"><input type="password" name="password"><button>Sign in</button></form>`)),
    },
    { method: 'GET', path: `${prefix}/account/`, ...twin, handler: (q, r) => gate(q, r, (who) => r.html(account(prefix, who))) },
    { method: 'GET', path: `${prefix}/account/profile`, ...twin, handler: (q, r) => gate(q, r, (who) => r.html(PROFILE(who)), (res) => res.html(page('Unauthorized', '<p>Please sign in.</p>'), 401)) },
    {
      method: 'GET',
      path: `${prefix}/account/invoices`,
      ...vuln,
      ...twin,
      // the vulnerable site renders this page before its session check ever runs
      handler: (q, r) => (safe ? gate(q, r, () => r.html(INVOICES)) : r.html(INVOICES)),
    },
    {
      method: 'GET',
      path: new RegExp(`^${prefix}/orders/(\\d+)$`),
      ...vuln,
      ...twin,
      handler: (q, r) =>
        gate(q, r, (who) => {
          const id = Number(q.params[0]);
          const o = ORDERS[id];
          if (!o) return r.html(order(prefix, id), 404);
          if (safe && o.owner !== who) return r.html(page('Forbidden', '<p>This order belongs to another customer.</p>'), 403);
          r.html(order(prefix, id));
        }, (res) => res.html(page('Unauthorized', '<p>Please sign in.</p>'), 401)),
    },
    { method: 'GET', path: `${prefix}/admin/`, ...vuln, ...twin, handler: (q, r) => (safe ? gate(q, r, (who) => (who === 'admin' ? r.html(ADMIN) : r.html(page('Forbidden', '<p>Administrators only.</p>'), 403))) : r.html(ADMIN)) },
    { method: 'GET', path: `${prefix}/logout`, handler: (_q, r) => r.redirect(`${prefix}/`) },
    {
      // Administrators only. The vulnerable rule is written for GET alone (as <Limit GET> would be):
      // any other verb gets the page.
      path: `${prefix}/vault/`,
      ...vuln,
      ...twin,
      handler: (q, r) => {
        const refused = safe ? user(q) !== 'admin' : q.method === 'GET' && user(q) !== 'admin';
        if (refused) return r.html(page('Forbidden', '<p>Administrators only.</p>'), 403);
        r.html(page('Vault', '<p>Backup passphrase: correct-horse-battery-staple</p><p>Recovery codes: 4921-8830, 1177-5046</p>'));
      },
    },
    {
      // The rule refuses GET and HEAD; the application answers other verbs 405, but its framework
      // dispatches X-HTTP-Method-Override before routing, after the rule has looked.
      path: `${prefix}/keys`,
      ...vuln,
      ...twin,
      handler: (q, r) => {
        if ((q.method === 'GET' || q.method === 'HEAD' || safe) && user(q) !== 'admin') return r.html(page('Forbidden', '<p>Administrators only.</p>'), 403);
        const method = String(q.headers['x-http-method-override'] ?? q.method).toUpperCase();
        if (method !== 'GET') return r.html(page('Method not allowed', '<p>Use GET.</p>'), 405);
        r.html(page('API keys', '<table><tr><th>Client</th><th>Key</th></tr><tr><td>billing</td><td>sk_live_51Hx...9Q</td></tr></table>'));
      },
    },
    {
      // One script serves every page by name. The vulnerable one checks the name as written against
      // its list of admin pages and then opens the file the name resolves to: "./reports.php" passes.
      method: 'GET',
      path: `${prefix}/portal.php`,
      ...(safe ? twin : { vulnerable: [{ item: IA, parameter: 'page' }] }),
      handler: (q, r) => {
        const asked = q.query.get('page') ?? 'home.php';
        const file = asked.replace(/^(?:\.\/)+/, '');
        const checked = safe ? file : asked;
        if (PORTAL_ADMIN.includes(checked) && user(q) !== 'admin') return r.redirect(`${prefix}/login?next=${encodeURIComponent(asked)}`);
        const body = PORTAL[file];
        r.html(page('Portal', `<ul><li><a href="${prefix}/portal.php?page=home.php">Home</a></li><li><a href="${prefix}/portal.php?page=reports.php">Reports</a></li></ul>${body ?? '<p>No such page.</p>'}`), body ? 200 : 404);
      },
    },
  ];
}

export const routes: Route[] = [...site('/authz', false), ...site('/authz-safe', true)];
