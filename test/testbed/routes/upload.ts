// File Upload pages: /fileupload/ links four upload forms. The gallery keeps the file name and
// serves files with a type by extension (HTML and SVG render inline); the documents form checks
// only the part's Content-Type and stores into /uploads/, where .php files run through a tiny
// interpreter for the `<?php echo A*B; ?>` form (a stand-in for PHP). Safe twins: the archive
// renames to a random .bin served as an attachment, the avatar form allowlists image extensions
// and serves images with nosniff. Files go to a temp folder removed when the process ends.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

const ROOT = mkdtempSync(join(tmpdir(), 'wsc-testbed-upload-'));
const DIRS = { gallery: join(ROOT, 'gallery'), docs: join(ROOT, 'docs'), archive: join(ROOT, 'archive'), avatar: join(ROOT, 'avatar') };
for (const d of Object.values(DIRS)) mkdirSync(d);
// the folder is the testbed's own; it goes when the process ends
process.once('exit', () => rmSync(ROOT, { recursive: true, force: true }));

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** multipart/form-data, as browsers send it. */
function parseMultipart(req: TestbedRequest): Part[] {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(req.headers['content-type'] ?? '');
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return [];
  const body = req.body.toString('latin1');
  const parts: Part[] = [];
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const split = chunk.indexOf('\r\n\r\n');
    if (split === -1) continue;
    const head = chunk.slice(2, split);
    const data = chunk.slice(split + 4).replace(/\r\n$/, '');
    const disp = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disp)?.[1];
    if (name === undefined) continue;
    const filename = /\bfilename="([^"]*)"/i.exec(disp)?.[1];
    const contentType = /content-type:\s*([^\r\n]*)/i.exec(head)?.[1];
    parts.push({ name, data: Buffer.from(data, 'latin1'), ...(filename !== undefined ? { filename } : {}), ...(contentType ? { contentType } : {}) });
  }
  return parts;
}

/** The base name with anything odd replaced: keeps extensions, so it stays vulnerable on purpose. */
function cleanName(filename: string): string {
  return (filename.split(/[\\/]/).pop() ?? '').replace(/[^\w.-]/g, '_').replace(/^\.+/, '') || 'file';
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  svg: 'image/svg+xml',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  txt: 'text/plain; charset=utf-8',
};
const typeOf = (name: string): string => TYPES[name.slice(name.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';

/** Evaluates `<?php echo A*B; ?>` blocks; text outside blocks is output as is, like PHP does. */
function runPhp(source: string): { ok: true; out: string } | { ok: false; error: string } {
  let error: string | null = null;
  const out = source.replace(/<\?php([\s\S]*?)(?:\?>|$)/g, (_m, code: string) => {
    const e = /^\s*echo\s+(\d{1,9})\s*\*\s*(\d{1,9})\s*;?\s*$/.exec(code);
    if (!e) {
      error ??= `PHP Parse error: unsupported statement "${code.trim().slice(0, 40)}"`;
      return '';
    }
    return String(Number(e[1]) * Number(e[2]));
  });
  return error === null ? { ok: true, out } : { ok: false, error };
}

function form(title: string, action: string, fileField: string, extra: string): string {
  return `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>
<form action="${action}" method="post" enctype="multipart/form-data">
${extra}
<input type="file" name="${fileField}">
<input type="submit" value="Upload">
</form></body></html>`;
}

function fileOf(req: TestbedRequest, field: string): Part | undefined {
  return parseMultipart(req).find((p) => p.name === field && p.filename !== undefined && p.filename !== '');
}

function serve(res: TestbedResponse, path: string, headers: Record<string, string>): void {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'error';
    return res.text(`No such file (${code})`, 404);
  }
  res.writeHead(200, headers);
  res.end(data);
}

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/fileupload/',
    index: true,
    title: 'File uploads',
    handler: (_req, res) =>
      res.html(`<!doctype html><html><head><title>Uploads</title></head><body><h1>Uploads</h1><ul>
<li><a href="/fileupload/gallery">Photo gallery</a></li>
<li><a href="/fileupload/docs">Documents</a></li>
<li><a href="/fileupload/archive">Archive</a></li>
<li><a href="/fileupload/avatar">Avatar</a></li>
</ul></body></html>`),
  },
  { method: 'GET', path: '/fileupload/gallery', handler: (_req, res) => res.html(form('Photo gallery', '/fileupload/gallery/save', 'photo', '<input name="caption" value="holiday">')) },
  {
    method: 'POST',
    path: '/fileupload/gallery/save',
    // no anti-CSRF token either: another site can post to it
    vulnerable: [{ item: 'File Upload', parameter: 'photo' }, { item: 'CSRF' }],
    handler: (req, res) => {
      const file = fileOf(req, 'photo');
      if (!file) return res.html('<p>No file.</p>', 400);
      const name = cleanName(file.filename ?? '');
      writeFileSync(join(DIRS.gallery, name), file.data);
      res.html(`<!doctype html><html><body><p>Saved <a href="/fileupload/media/${name}">${name}</a>.</p></body></html>`);
    },
  },
  { method: 'GET', path: /^\/fileupload\/media\/([\w.-]+)$/, handler: (req, res) => serve(res, join(DIRS.gallery, req.params[0] ?? ''), { 'content-type': typeOf(req.params[0] ?? '') }) },

  { method: 'GET', path: '/fileupload/docs', handler: (_req, res) => res.html(form('Documents', '/fileupload/docs/save', 'document', '<input name="title" value="">')) },
  {
    method: 'POST',
    path: '/fileupload/docs/save',
    vulnerable: [{ item: 'File Upload', parameter: 'document' }],
    handler: (req, res) => {
      const file = fileOf(req, 'document');
      // the mistake under test: trusting the Content-Type the client chose
      if (!file || !(file.contentType ?? '').startsWith('image/')) return res.html('<p>Only scanned images are accepted.</p>', 415);
      writeFileSync(join(DIRS.docs, cleanName(file.filename ?? '')), file.data);
      res.html('<!doctype html><html><body><p>Upload complete. Thank you.</p></body></html>');
    },
  },
  {
    method: 'GET',
    path: /^\/uploads\/([\w.-]+)$/,
    handler: (req, res) => {
      const name = req.params[0] ?? '';
      if (!/\.php$/i.test(name)) return serve(res, join(DIRS.docs, name), { 'content-type': 'application/octet-stream', 'content-disposition': 'attachment' });
      let source: string;
      try {
        source = readFileSync(join(DIRS.docs, name), 'latin1');
      } catch (err) {
        return res.text(`No such file (${err instanceof Error && 'code' in err ? String(err.code) : 'error'})`, 404);
      }
      const r = runPhp(source);
      if (r.ok) res.html(r.out);
      else res.text(r.error, 500);
    },
  },

  { method: 'GET', path: '/fileupload/archive', handler: (_req, res) => res.html(form('Archive', '/fileupload/archive/save', 'file', '<input name="note" value="q3">')) },
  {
    method: 'POST',
    path: '/fileupload/archive/save',
    safeFor: ['File Upload'],
    handler: (req, res) => {
      const file = fileOf(req, 'file');
      if (!file) return res.html('<p>No file.</p>', 400);
      const stored = `${randomBytes(8).toString('hex')}.bin`;
      writeFileSync(join(DIRS.archive, stored), file.data);
      res.html(`<!doctype html><html><body><p>Stored ${cleanName(file.filename ?? '').replace(/[<>&"]/g, '_')} as <a href="/fileupload/archive/files/${stored}">${stored}</a>.</p></body></html>`);
    },
  },
  {
    method: 'GET',
    path: /^\/fileupload\/archive\/files\/([0-9a-f]{16}\.bin)$/,
    handler: (req, res) =>
      serve(res, join(DIRS.archive, req.params[0] ?? ''), {
        'content-type': 'application/octet-stream',
        'content-disposition': 'attachment; filename="download.bin"',
        'x-content-type-options': 'nosniff',
      }),
  },

  { method: 'GET', path: '/fileupload/avatar', handler: (_req, res) => res.html(form('Avatar', '/fileupload/avatar/save', 'avatar', '<input name="user" value="alice">')) },
  {
    method: 'POST',
    path: '/fileupload/avatar/save',
    safeFor: ['File Upload'],
    handler: (req, res) => {
      const file = fileOf(req, 'avatar');
      const name = cleanName(file?.filename ?? '');
      if (!file || !/\.(?:jpe?g|png|gif)$/i.test(name)) return res.html('<p>Only .jpg, .png and .gif images.</p>', 400);
      writeFileSync(join(DIRS.avatar, name), file.data);
      res.html(`<!doctype html><html><body><p>New avatar: <img src="/fileupload/avatars/${name}" alt=""></p></body></html>`);
    },
  },
  {
    method: 'GET',
    path: /^\/fileupload\/avatars\/([\w.-]+)$/,
    handler: (req, res) => serve(res, join(DIRS.avatar, req.params[0] ?? ''), { 'content-type': typeOf(req.params[0] ?? ''), 'x-content-type-options': 'nosniff' }),
  },
];
