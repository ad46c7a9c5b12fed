// The web console: a page, its ES modules and its stylesheet, which sign API calls in the browser.
// Scripts and styles are files, never inline, so the CSP can refuse every inline script and style:
// an injected tag has nothing to run with, and the key the page holds stays in the page's session.
//
// The UI is Preact + htm modules loaded as they are, with no build step. The browser cannot
// resolve the bare specifier "preact" that preact/hooks imports, and an import map would be an
// inline script the CSP refuses, so the vendor modules are served under /vendor/ with that one
// import rewritten to the served path (one URL, hence one Preact instance for the hooks).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface ConsoleFile {
  path: string;
  type: string;
  body: string;
}

function typeOf(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot === -1 ? undefined : TYPES[name.slice(dot)];
}

/** Every file of the console directory (subfolders included), index.html served at "/". */
function consoleFiles(dir: string): ConsoleFile[] {
  const out: ConsoleFile[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        walk(p);
        continue;
      }
      const type = typeOf(name);
      if (type === undefined) continue;
      const rel = relative(dir, p).split(sep).join('/');
      out.push({ path: rel === 'index.html' ? '/' : `/${rel}`, type, body: readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

/**
 * Preact, its hooks and htm as browser modules. Resolved with Node's own resolution (the "import"
 * condition of each package's exports: the .mjs files), so they are found in the repository and
 * in an installed package alike.
 */
export function vendorFiles(): ConsoleFile[] {
  const read = (spec: string): string => readFileSync(fileURLToPath(import.meta.resolve(spec)), 'utf8');
  const bare = /(\bfrom\s*|\bimport\s*)(["'])preact\2/g;
  const js = 'text/javascript; charset=utf-8';
  const files: ConsoleFile[] = [
    { path: '/vendor/preact.mjs', type: js, body: read('preact') },
    { path: '/vendor/hooks.mjs', type: js, body: read('preact/hooks').replace(bare, '$1$2/vendor/preact.mjs$2') },
    { path: '/vendor/htm.mjs', type: js, body: read('htm') },
  ];
  for (const f of files) {
    // a vendor file still importing a bare name would fail in the browser with an opaque error
    if (/\b(from|import)\s*["'][^./"']/.test(f.body)) throw new Error(`${f.path}: a bare import is left that the browser cannot resolve`);
    if (!/\bexport\b/.test(f.body)) throw new Error(`${f.path}: not an ES module (resolved to the wrong file?)`);
  }
  return files;
}

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const dir = fileURLToPath(new URL('../console/', import.meta.url));
  for (const file of [...consoleFiles(dir), ...vendorFiles()]) {
    app.get(file.path, async (_req, reply) =>
      reply
        .type(file.type)
        .header('content-security-policy', CONSOLE_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-store')
        .send(file.body),
    );
  }
}
