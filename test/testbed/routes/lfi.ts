// LFI pages: /lfi/ links to pages that really read files from disk with the parameter spliced into
// the path (plain join, a filter that strips "../" once, a second decode after the filter, a C-style
// reader that stops at NUL, a PHP-style include with php://filter and an egress filter); /lfi-safe/
// has twins (basename allowlist, resolve + prefix check, a page that always quotes /etc/passwd).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import type { Route, TestbedResponse } from '../server.js';

/** The documents directory the pages serve from; written once, same content every run. */
export const LFI_DOCS = join(tmpdir(), 'wsc-testbed-lfi', 'docs');
mkdirSync(LFI_DOCS, { recursive: true });
writeFileSync(join(LFI_DOCS, 'notes.txt'), 'Meeting notes: ship on Friday.\n');
writeFileSync(join(LFI_DOCS, 'readme.txt'), 'Read me first.\n');
writeFileSync(join(LFI_DOCS, 'home'), '<p>Welcome home.</p>\n');

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>`;

function readOrError(res: TestbedResponse, path: string, title: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (err) {
    res.html(page(title, `<p>Cannot open document: ${esc((err as NodeJS.ErrnoException).code ?? 'error')}</p>`), 404);
    return;
  }
  res.html(page(title, `<pre>${esc(text)}</pre>`));
}

const PASSWD_QUOTE = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin';

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/lfi/',
    index: true,
    title: 'Document viewers',
    handler: (_req, res) =>
      res.html(
        page(
          'Documents',
          `<ul>
<li><a href="/lfi/view?file=notes.txt">notes</a></li>
<li><a href="/lfi/strip?file=readme.txt">readme</a></li>
<li><a href="/lfi/decode?file=notes.txt">notes (checked)</a></li>
<li><a href="/lfi/legacy?doc=notes.txt">legacy viewer</a></li>
<li><a href="/lfi/php?page=home">php page</a></li>
</ul>`,
        ),
      ),
  },
  {
    method: 'GET',
    path: '/lfi/view',
    vulnerable: [{ item: 'LFI', parameter: 'file' }],
    handler: (req, res) => readOrError(res, join(LFI_DOCS, req.query.get('file') ?? ''), 'Viewer'),
  },
  {
    // strips "../" once, so "....//" becomes "../" again
    method: 'GET',
    path: '/lfi/strip',
    vulnerable: [{ item: 'LFI', parameter: 'file' }],
    handler: (req, res) => {
      const file = (req.query.get('file') ?? '').replace(/\.\.\//g, '').replace(/^\/+/, '');
      readOrError(res, join(LFI_DOCS, file), 'Filtered viewer');
    },
  },
  {
    // the check runs before a second decode, so ..%2f passes it
    method: 'GET',
    path: '/lfi/decode',
    vulnerable: [{ item: 'LFI', parameter: 'file' }],
    handler: (req, res) => {
      const raw = req.query.get('file') ?? '';
      if (raw.includes('../') || raw.startsWith('/')) return res.html(page('Checked viewer', '<p>Invalid path.</p>'), 400);
      let file: string;
      try {
        file = decodeURIComponent(raw);
      } catch {
        return res.html(page('Checked viewer', '<p>Bad encoding.</p>'), 400);
      }
      readOrError(res, join(LFI_DOCS, file), 'Checked viewer');
    },
  },
  {
    // requires a .txt name, then opens it the way a C library would: the name ends at the first NUL
    method: 'GET',
    path: '/lfi/legacy',
    vulnerable: [{ item: 'LFI', parameter: 'doc' }],
    handler: (req, res) => {
      const doc = req.query.get('doc') ?? '';
      if (!doc.endsWith('.txt')) return res.html(page('Legacy viewer', '<p>Only .txt documents.</p>'), 400);
      const cName = doc.split('\u0000')[0] ?? '';
      readOrError(res, join(LFI_DOCS, cName), 'Legacy viewer');
    },
  },
  {
    // include($page): plain paths and php://filter/convert.base64-encode/resource=...; an egress
    // filter hides answers that show passwd lines, which the base64 filter walks around
    method: 'GET',
    path: '/lfi/php',
    vulnerable: [{ item: 'LFI', parameter: 'page' }],
    handler: (req, res) => {
      const pageName = req.query.get('page') ?? 'home';
      const wrapper = /^php:\/\/filter\/(?:read=)?convert\.base64-encode\/resource=(.+)$/.exec(pageName);
      const target = wrapper ? (wrapper[1] as string) : pageName;
      let text: string;
      try {
        text = readFileSync(target.startsWith('/') ? target : join(LFI_DOCS, target), 'latin1');
      } catch {
        return res.html(page('PHP page', `<b>Warning</b>: include(${esc(target)}): failed to open stream: No such file or directory`));
      }
      const out = wrapper ? Buffer.from(text, 'latin1').toString('base64') : text;
      if (/:0:0:/.test(out)) return res.html(page('PHP page', '<p>Blocked by output filter.</p>'), 403);
      res.html(page('PHP page', out));
    },
  },
  {
    method: 'GET',
    path: '/lfi-safe/',
    index: true,
    title: 'Document viewers (safe)',
    handler: (_req, res) =>
      res.html(
        page(
          'Documents',
          `<ul>
<li><a href="/lfi-safe/view?file=notes.txt">notes</a></li>
<li><a href="/lfi-safe/resolve?file=readme.txt">readme</a></li>
<li><a href="/lfi-safe/howto?topic=passwd">howto</a></li>
</ul>`,
        ),
      ),
  },
  {
    method: 'GET',
    path: '/lfi-safe/view',
    safeFor: ['LFI', 'File Download'],
    handler: (req, res) => {
      const file = req.query.get('file') ?? '';
      if (!['notes.txt', 'readme.txt'].includes(file)) return res.html(page('Viewer', '<p>No such document.</p>'), 404);
      readOrError(res, join(LFI_DOCS, file), 'Viewer');
    },
  },
  {
    method: 'GET',
    path: '/lfi-safe/resolve',
    safeFor: ['LFI', 'File Download'],
    handler: (req, res) => {
      const target = resolve(LFI_DOCS, req.query.get('file') ?? '');
      if (!target.startsWith(LFI_DOCS + sep)) return res.html(page('Viewer', `<p>Path ${esc(req.query.get('file') ?? '')} is outside the documents.</p>`), 403);
      readOrError(res, target, 'Viewer');
    },
  },
  {
    // always quotes passwd lines: a signature present in every answer proves nothing
    method: 'GET',
    path: '/lfi-safe/howto',
    safeFor: ['LFI', 'File Download'],
    handler: (req, res) =>
      res.html(page('Howto', `<p>Topic ${esc(req.query.get('topic') ?? '')}. A passwd file looks like this:</p><pre>${PASSWD_QUOTE}</pre>`)),
  },
];
