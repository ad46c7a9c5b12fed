// The loopback test site the engine's tests crawl and attack.
//
// Adding pages: create test/testbed/routes/<topic>.ts exporting `routes: Route[]` (import the types
// from '../server.js'). Every file in routes/ is loaded at start, in file-name order, and its routes
// are matched in order after those of earlier files; the first match wins, unmatched paths get the
// site's custom "Page not found" page (status 200, on purpose: the soft-404 detector must see it).
//
//   import type { Route } from '../server.js';
//   export const routes: Route[] = [
//     { method: 'GET', path: '/xss/reflect', handler: (req, res) => res.html(`<p>${req.query.get('q')}</p>`) },
//     { path: /^\/files\/(.+)$/, handler: (req, res) => res.text(req.params[0] ?? '') },
//   ];
//
// Pages of wsc's extension items (CSRF, SSTI...) live in zext-*.ts, so that they load, and /vuln/
// lists them, after NCP's items: checks with a page cap in crawl order (the XSS stored pass revisits
// the first 60 pages near forms) then see the NCP pages they saw before.
//
// Link a new page from one of yours (or from /vuln/, the index of vulnerable pages, which lists every
// route with `index: true`) so that the crawler finds it. Tests may pass extra routes to
// startTestbed({ routes }) that take precedence over the files.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ScanItem } from '../../src/core/items.js';
import type { AddressInfo, Socket } from 'node:net';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface TestbedRequest {
  method: string;
  url: URL;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  cookies: Record<string, string>;
  body: Buffer;
  /** Regex capture groups of the matched route path. */
  params: string[];
  /** The body as application/x-www-form-urlencoded. */
  form(): URLSearchParams;
  text(): string;
  raw: IncomingMessage;
}

export interface TestbedResponse extends ServerResponse {
  html(body: string, status?: number): void;
  text(body: string, status?: number, contentType?: string): void;
  json(value: unknown, status?: number): void;
  redirect(location: string, status?: number): void;
}

export type Handler = (req: TestbedRequest, res: TestbedResponse) => void | Promise<void>;

export interface Route {
  /** Default: any method. */
  method?: string | string[];
  /** Exact path, or a RegExp on the path (captures land in req.params). */
  path: string | RegExp;
  handler: Handler;
  /** Listed (with `title`) on /vuln/, the index page linked from the home page. */
  index?: boolean;
  title?: string;
  /**
   * Ground truth for check tests and `npm run bench:detect`: this route is vulnerable to these
   * items (through `parameter`, when one insertion point carries it). A finding of another item
   * here is a false positive.
   */
  vulnerable?: { item: ScanItem; parameter?: string }[];
  /** A safe twin: it looks like a vulnerable route but no finding of these items may be raised on it. */
  safeFor?: ScanItem[];
}

export interface Testbed {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Requests the site received, for tests that count them (method, path+query, headers). */
  log: { method: string; url: string; headers: IncomingMessage['headers'] }[];
}

export interface TestbedOptions {
  routes?: Route[];
  /** Keep the request log (default true); the benchmark turns it off. */
  keepLog?: boolean;
}

const ROUTES_DIR = join(dirname(fileURLToPath(import.meta.url)), 'routes');

let fileRoutes: Promise<Route[]> | null = null;

async function loadFileRoutes(): Promise<Route[]> {
  const files = readdirSync(ROUTES_DIR)
    .filter((f) => /\.(ts|js|mts|mjs)$/.test(f) && !f.endsWith('.d.ts') && !f.includes('.test.'))
    .sort();
  const all: Route[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(ROUTES_DIR, f)).href)) as { routes?: Route[] };
    if (Array.isArray(mod.routes)) all.push(...mod.routes);
  }
  return all;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function notFoundPage(path: string): string {
  return `<!doctype html><html><head><title>Page not found</title></head><body><h1>Page not found</h1>
<p>Sorry, the page <code>${escapeHtml(path)}</code> does not exist on this server.</p>
<p>Requested at ${new Date().toISOString()}, reference ${Math.floor(Math.random() * 1e9)}.</p>
<p><a href="/">Back to the home page</a></p></body></html>`;
}

function decorate(res: ServerResponse): TestbedResponse {
  const r = res as TestbedResponse;
  r.html = (body, status = 200) => {
    r.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    r.end(body);
  };
  r.text = (body, status = 200, contentType = 'text/plain; charset=utf-8') => {
    r.writeHead(status, { 'content-type': contentType });
    r.end(body);
  };
  r.json = (value, status = 200) => {
    r.writeHead(status, { 'content-type': 'application/json' });
    r.end(JSON.stringify(value));
  };
  r.redirect = (location, status = 302) => {
    r.writeHead(status, { location });
    r.end();
  };
  return r;
}

function matches(route: Route, method: string, path: string): string[] | null {
  if (route.method !== undefined) {
    const ms = Array.isArray(route.method) ? route.method : [route.method];
    if (!ms.some((m) => m.toUpperCase() === method)) return null;
  }
  if (typeof route.path === 'string') return route.path === path ? [] : null;
  const m = route.path.exec(path);
  return m ? m.slice(1).map((g) => g ?? '') : null;
}

/** Starts the site on 127.0.0.1 with a free port. */
export async function startTestbed(opts: TestbedOptions = {}): Promise<Testbed> {
  fileRoutes ??= loadFileRoutes();
  const routes = [...(opts.routes ?? []), ...(await fileRoutes)];
  const log: Testbed['log'] = [];
  const keepLog = opts.keepLog ?? true;
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // the site never needs more than this; larger uploads are read and dropped
      if (size <= 8 * 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      const method = (req.method ?? 'GET').toUpperCase();
      const url = new URL(req.url ?? '/', 'http://testbed.local');
      if (keepLog) log.push({ method, url: url.pathname + url.search, headers: req.headers });
      const body = Buffer.concat(chunks);
      const r = decorate(res);
      for (const route of routes) {
        const params = matches(route, method, url.pathname);
        if (params === null) continue;
        const treq: TestbedRequest = {
          method,
          url,
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          cookies: parseCookies(req.headers.cookie),
          body,
          params,
          form: () => new URLSearchParams(body.toString('utf8')),
          text: () => body.toString('utf8'),
          raw: req,
        };
        Promise.resolve().then(() => route.handler(treq, r)).catch((err: unknown) => {
          if (!res.headersSent) r.text(`handler error: ${err instanceof Error ? err.message : String(err)}`, 500);
          else res.destroy();
        });
        return;
      }
      r.html(notFoundPage(url.pathname));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        // hanging handlers (the /hang route) keep sockets open: destroy them so close() returns
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The routes with `index: true`, for the /vuln/ page. */
export async function indexedRoutes(): Promise<Route[]> {
  fileRoutes ??= loadFileRoutes();
  return (await fileRoutes).filter((r) => r.index === true && typeof r.path === 'string');
}
