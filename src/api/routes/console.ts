// The web console: a page, its script and its stylesheet, which sign API calls in the browser.
// Script and styles are files, never inline, so the CSP can refuse every inline script and style:
// an injected tag has nothing to run with, and the key the page holds in memory stays there.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const read = (name: string): string => readFileSync(new URL(`../console/${name}`, import.meta.url), 'utf8');
const FILES: [path: string, name: string, type: string][] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/console.js', 'console.js', 'text/javascript; charset=utf-8'],
  ['/console.css', 'console.css', 'text/css; charset=utf-8'],
];

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  for (const [path, name, type] of FILES) {
    const body = read(name);
    app.get(path, async (_req, reply) =>
      reply
        .type(type)
        .header('content-security-policy', CONSOLE_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-store')
        .send(body),
    );
  }
}
