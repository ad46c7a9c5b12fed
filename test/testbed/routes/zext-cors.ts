// CORS (extension item): /cors/ endpoints echo whatever Origin asks (with credentials) or allow
// "null"; /cors-safe/ endpoints allow one partner origin only, or "*" without credentials.
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;

function data(res: TestbedResponse, cors: Record<string, string>): void {
  for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
  res.json({ user: 'alice', email: 'alice@example.com', balance: 1200 });
}

const origin = (req: TestbedRequest): string | undefined => (typeof req.headers.origin === 'string' ? req.headers.origin : undefined);

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/cors/',
    index: true,
    title: 'Account API (open CORS)',
    handler: (_req, res) => res.html(page('Account API', '<ul><li><a href="/cors/api/me">me</a></li><li><a href="/cors/api/statement">statement</a></li></ul>')),
  },
  {
    method: 'GET',
    path: '/cors/api/me',
    vulnerable: [{ item: 'CORS', parameter: 'Origin' }],
    handler: (req, res) => {
      const o = origin(req);
      data(res, o ? { 'access-control-allow-origin': o, 'access-control-allow-credentials': 'true', vary: 'Origin' } : {});
    },
  },
  {
    method: 'GET',
    path: '/cors/api/statement',
    vulnerable: [{ item: 'CORS', parameter: 'Origin' }],
    handler: (req, res) => {
      // an allow-list that also lets "null" in (a sandboxed frame of the developer's own tests)
      const o = origin(req);
      data(res, o === 'null' || o === 'https://app.example' ? { 'access-control-allow-origin': o, 'access-control-allow-credentials': 'true' } : {});
    },
  },
  {
    method: 'GET',
    path: '/cors-safe/',
    index: true,
    title: 'Account API (strict CORS)',
    handler: (_req, res) => res.html(page('Account API', '<ul><li><a href="/cors-safe/api/me">me</a></li><li><a href="/cors-safe/api/prices">prices</a></li></ul>')),
  },
  {
    method: 'GET',
    path: '/cors-safe/api/me',
    safeFor: ['CORS'],
    handler: (req, res) => {
      const o = origin(req);
      data(res, o === 'https://app.example' ? { 'access-control-allow-origin': o, 'access-control-allow-credentials': 'true', vary: 'Origin' } : {});
    },
  },
  {
    method: 'GET',
    path: '/cors-safe/api/prices',
    safeFor: ['CORS'],
    handler: (_req, res) => data(res, { 'access-control-allow-origin': '*' }),
  },
];
