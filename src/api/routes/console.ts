// The web console: one self-contained page that signs its API calls in the browser.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const page = readFileSync(new URL('../console/index.html', import.meta.url), 'utf8');

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
      .header('x-content-type-options', 'nosniff')
      .send(page),
  );
}
