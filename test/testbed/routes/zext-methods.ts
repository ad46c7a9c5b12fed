// HTTP methods (extension item): /methods/ answers TRACE by echoing the request and keeps a
// WebDAV-like folder, /methods/dav/, that stores PUT files, serves them and deletes them.
// /methods-safe/ refuses TRACE, PUT and DELETE with 405, and its /methods-safe/dav/ answers PUT
// 200 but stores nothing.
import type { Route, TestbedRequest } from '../server.js';

const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;

const files = new Map<string, string>();

function echo(req: TestbedRequest): string {
  const lines = [`${req.method} ${req.url.pathname}${req.url.search} HTTP/1.1`];
  for (let i = 0; i < req.raw.rawHeaders.length; i += 2) lines.push(`${req.raw.rawHeaders[i]}: ${req.raw.rawHeaders[i + 1]}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/methods/',
    index: true,
    title: 'Shared files (WebDAV)',
    handler: (_req, res) => res.html(page('Shared files', '<a href="/methods/dav/readme.txt">readme</a>')),
  },
  {
    method: 'TRACE',
    path: /^\/methods\//,
    vulnerable: [{ item: 'HTTP Methods', parameter: 'TRACE' }],
    handler: (req, res) => res.text(echo(req), 200, 'message/http'),
  },
  {
    method: ['GET', 'PUT', 'DELETE'],
    path: /^\/methods\/dav\/([\w.-]+)$/,
    vulnerable: [{ item: 'HTTP Methods', parameter: 'PUT' }, { item: 'HTTP Methods', parameter: 'DELETE' }],
    handler: (req, res) => {
      const name = req.params[0] ?? '';
      if (req.method === 'PUT') {
        const existed = files.has(name);
        files.set(name, req.text().slice(0, 4096));
        res.text('', existed ? 204 : 201);
      } else if (req.method === 'DELETE') {
        res.text('', files.delete(name) ? 204 : 404);
      } else if (name === 'readme.txt') res.text('Put your files here.');
      else if (files.has(name)) res.text(files.get(name) ?? '');
      else res.text('Not Found', 404);
    },
  },
  {
    method: 'GET',
    path: '/methods-safe/',
    index: true,
    title: 'Shared files (read-only)',
    handler: (_req, res) => res.html(page('Shared files', '<a href="/methods-safe/dav/readme.txt">readme</a>')),
  },
  {
    method: ['TRACE', 'PUT', 'DELETE'],
    path: /^\/methods-safe\/(?!dav\/)/,
    safeFor: ['HTTP Methods'],
    handler: (_req, res) => {
      res.setHeader('allow', 'GET, HEAD, POST');
      res.text('Method Not Allowed', 405);
    },
  },
  {
    path: /^\/methods-safe\/dav\/([\w.-]+)$/,
    safeFor: ['HTTP Methods'],
    // accepts anything and stores nothing: a 200 to PUT is not proof of a write
    handler: (req, res) => (req.method === 'GET' && req.params[0] === 'readme.txt' ? res.text('Read-only share.') : res.text('OK')),
  },
];
