// A small single-page application for the browser engine's tests and bench: vanilla JS with a
// client-side router (history API and a hash route), menus, forms and lists built from a JSON API.
// Every URL the app uses is assembled at run time (path('api', 'menu')), so reading the page and
// its script as text finds none of them: only a browser that runs the script does.
//
// Not part of test/testbed/routes/: the main testbed is a classic site, and its scans must not
// turn into browser crawls.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SpaOptions {
  /** Extra routes /r/<name> listed on the #/catalog view (the bench's 1,000 routes). */
  routes?: number;
  /** An origin the app's script calls on load (a tracker): the scan must refuse it. */
  foreignOrigin?: string;
  /** Answer /api/slow only after this many ms (stop tests). */
  slowMs?: number;
}

export interface Spa {
  url: string;
  /** "METHOD /path?query" of every request, in order; bodies of POSTs in `bodies`. */
  hits: string[];
  bodies: Map<string, string[]>;
  close(): Promise<void>;
}

/** Letters only: route names the crawl's trap detection does not read as ids. */
export function routeName(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return `section-${s}`;
}

const SHELL = `<!doctype html>
<html><head><meta charset="utf-8"><title>Acme SPA</title></head>
<body><div id="app"></div><script src="/static/app.js"></script></body></html>`;

function appScript(opts: SpaOptions): string {
  return `'use strict';
const path = (...parts) => '/' + parts.join('/');
const app = document.getElementById('app');
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
};
const json = (r) => r.json();
${opts.foreignOrigin ? `fetch(${JSON.stringify(opts.foreignOrigin)} + path('collect') + '?' + 'v=1').catch(() => undefined);` : ''}

function go(to) { history.pushState({}, '', to); render(); }

function nav() {
  const bar = el('nav', {});
  fetch(path('api', 'menu')).then(json).then((items) => {
    for (const item of items) {
      const a = el('a', { href: item.href }, item.label);
      a.addEventListener('click', (e) => { e.preventDefault(); go(item.href); });
      bar.append(a, ' ');
    }
    // reachable only by clicking: no href anywhere
    const reports = el('span', { class: 'menu-item' }, 'Reports');
    reports.addEventListener('click', () => go(path('reports')));
    const settings = el('span', { class: 'menu-item' }, 'Settings');
    settings.addEventListener('click', () => { location.hash = '#' + path('settings'); });
    const out = el('button', { id: 'logout' }, 'Log out');
    out.addEventListener('click', () => fetch(path('api', 'logout'), { method: 'POST' }).then(() => go('/')));
    bar.append(reports, ' ', settings, ' ', out);
  });
  return bar;
}

const views = {
  [path('')]: () => el('p', {}, 'Welcome'),
  [path('products')]: () => {
    const list = el('ul', {});
    fetch(path('api', 'products') + '?' + new URLSearchParams({ page: '1' })).then(json).then((items) => {
      for (const p of items) {
        const li = el('li', { class: 'product' }, p.name);
        li.addEventListener('click', () =>
          fetch(path('api', 'products', 'detail'), { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'acme' }, body: JSON.stringify({ id: p.id, view: 'full' }) })
            .then(json).then((d) => { li.textContent = d.name + ': ' + d.price; }));
        list.append(li);
      }
    });
    return list;
  },
  [path('search')]: () => {
    const form = el('form', {}, el('input', { name: 'q', type: 'search' }), el('select', { name: 'scope' }, el('option', { value: 'all' }, 'all'), el('option', { value: 'titles' }, 'titles')), el('button', {}, 'Search'));
    const out = el('div', {});
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      fetch(path('api', 'search'), { method: 'POST', body: new URLSearchParams(new FormData(form)) }).then(json).then((r) => { out.textContent = r.results.length + ' results'; });
    });
    return el('div', {}, form, out);
  },
  [path('contact')]: () => el('form', { method: 'post', action: path('contact', 'send') },
    el('input', { name: 'email', type: 'email' }), el('textarea', { name: 'message' }), el('button', { type: 'submit' }, 'Send')),
  [path('reports')]: () => {
    const b = el('button', { class: 'export' }, 'Export');
    b.addEventListener('click', () => fetch(path('api', 'export'), { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: '<export><format>csv</format><range>month</range></export>' }));
    const danger = el('form', { method: 'post', action: path('api', 'account', 'delete') }, el('input', { type: 'hidden', name: 'confirm', value: 'yes' }), el('button', { type: 'submit' }, 'Delete account'));
    return el('div', {}, b, danger);
  },
  [path('catalog')]: () => {
    const list = el('ul', {});
    fetch(path('api', 'routes')).then(json).then((names) => {
      for (const n of names) {
        const a = el('a', { href: path('r', n) }, n);
        a.addEventListener('click', (e) => { e.preventDefault(); go(path('r', n)); });
        list.append(el('li', {}, a));
      }
    });
    return list;
  },
  [path('slow')]: () => { fetch(path('api', 'slow')); return el('p', {}, 'waiting'); },
};

function render() {
  app.replaceChildren(nav());
  const hash = location.hash.startsWith('#/') ? location.hash.slice(1) : '';
  if (hash === path('settings')) {
    const p = el('p', {}, 'settings');
    fetch(path('api', 'settings') + '?section=general').then(json).then((s) => { p.textContent = s.section; });
    app.append(p);
    return;
  }
  const route = location.pathname.startsWith(path('r') + '/') ? null : views[location.pathname];
  if (route) app.append(route());
  else if (location.pathname.startsWith(path('r') + '/')) {
    const name = location.pathname.split('/').pop();
    const p = el('p', {}, name);
    fetch(path('api', 'item') + '?' + new URLSearchParams({ name })).then(json).then((d) => { p.textContent = d.title; });
    app.append(p);
  } else app.append(el('p', {}, 'not found'));
}

addEventListener('popstate', render);
addEventListener('hashchange', render);
render();
new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path('ws', 'live') + '?channel=news').onerror = () => undefined;
`;
}

export async function startSpa(opts: SpaOptions = {}): Promise<Spa> {
  const hits: string[] = [];
  const bodies = new Map<string, string[]>();
  const sockets = new Set<Socket>();
  const names = Array.from({ length: opts.routes ?? 0 }, (_, i) => routeName(i));
  const menu = [
    { href: '/products', label: 'Products' },
    { href: '/search', label: 'Search' },
    { href: '/contact', label: 'Contact' },
    ...(names.length > 0 ? [{ href: '/catalog', label: 'Catalog' }] : []),
  ];
  const script = appScript(opts);
  const send = (res: ServerResponse, status: number, type: string, body: string): void => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
  };
  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const u = new URL(req.url ?? '/', 'http://spa');
    hits.push(`${req.method} ${u.pathname}${u.search}`);
    if (req.method === 'POST') {
      const list = bodies.get(u.pathname) ?? [];
      list.push(body);
      bodies.set(u.pathname, list);
    }
    const p = u.pathname;
    if (p === '/static/app.js') return send(res, 200, 'application/javascript', script);
    if (p === '/api/menu') return send(res, 200, 'application/json', JSON.stringify(menu));
    if (p === '/api/products') return send(res, 200, 'application/json', JSON.stringify([{ id: 1, name: 'Anvil' }, { id: 2, name: 'Rocket' }]));
    if (p === '/api/products/detail') return send(res, 200, 'application/json', JSON.stringify({ name: 'Anvil', price: 10 }));
    if (p === '/api/search') return send(res, 200, 'application/json', JSON.stringify({ results: [] }));
    if (p === '/api/settings') return send(res, 200, 'application/json', JSON.stringify({ section: u.searchParams.get('section') }));
    if (p === '/api/export') return send(res, 200, 'text/csv', 'a,b\n');
    if (p === '/api/routes') return send(res, 200, 'application/json', JSON.stringify(names));
    if (p === '/api/item') return send(res, 200, 'application/json', JSON.stringify({ title: `Item ${u.searchParams.get('name') ?? ''}` }));
    if (p === '/api/logout' || p === '/api/account/delete') return send(res, 200, 'application/json', '{"ok":true}');
    if (p === '/api/slow') {
      setTimeout(() => {
        if (!res.writableEnded) send(res, 200, 'application/json', '{}');
      }, opts.slowMs ?? 0).unref();
      return;
    }
    if (p === '/contact/send') return send(res, 200, 'text/html; charset=utf-8', '<p>Thanks</p>');
    if (p.startsWith('/api/') || p.startsWith('/ws/')) return send(res, 404, 'application/json', '{"error":"not found"}');
    if (p === '/favicon.ico' || p === '/robots.txt' || p === '/sitemap.xml') return send(res, 404, 'text/plain', 'not found');
    // history API fallback: every other path is the application
    return send(res, 200, 'text/html; charset=utf-8', SHELL);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
