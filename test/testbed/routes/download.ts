// File Download pages: /download/ links document downloads. Two build the file path from the
// parameter (a plain path join, and one that strips "../" only once); the safe twins answer the
// same way but keep to the documents folder (basename allowlist, resolved-path containment).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve, sep } from 'node:path';
import type { Route, TestbedResponse } from '../server.js';

const ROOT = mkdtempSync(join(tmpdir(), 'wsc-testbed-download-'));
const DOCS = join(ROOT, 'docs');
mkdirSync(DOCS);
writeFileSync(join(DOCS, 'report.pdf'), '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
writeFileSync(join(DOCS, 'manual.txt'), 'Product manual, version 2.\n');
// the folder is the testbed's own; it goes when the process ends
process.once('exit', () => rmSync(ROOT, { recursive: true, force: true }));

const ALLOWED = new Set(['report.pdf', 'manual.txt']);

function send(res: TestbedResponse, path: string, name: string): void {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'error';
    return res.text(`No such document (${code})`, 404);
  }
  res.writeHead(200, {
    'content-type': name.endsWith('.pdf') ? 'application/pdf' : 'application/octet-stream',
    'content-disposition': `attachment; filename="${basename(name).replace(/[^\x20-\x7e]|["\\]/g, '_')}"`,
  });
  res.end(data);
}

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/download/',
    index: true,
    title: 'Document downloads',
    handler: (_req, res) =>
      res.html(`<!doctype html><html><head><title>Downloads</title></head><body><h1>Downloads</h1><ul>
<li><a href="/download/get?file=report.pdf">Annual report</a></li>
<li><a href="/download/legacy?filename=manual.txt">Manual (legacy)</a></li>
<li><a href="/download/safe?file=report.pdf">Annual report (mirror)</a></li>
<li><a href="/download/contained?doc=manual.txt">Manual (mirror)</a></li>
</ul></body></html>`),
  },
  {
    method: 'GET',
    path: '/download/get',
    vulnerable: [{ item: 'File Download', parameter: 'file' }],
    handler: (req, res) => {
      const file = req.query.get('file') ?? '';
      send(res, join(DOCS, file), file);
    },
  },
  {
    method: 'GET',
    path: '/download/legacy',
    vulnerable: [{ item: 'File Download', parameter: 'filename' }],
    handler: (req, res) => {
      // one pass of removal: "....//" collapses into "../" afterwards
      const file = (req.query.get('filename') ?? '').replaceAll('../', '');
      send(res, join(DOCS, file), file);
    },
  },
  {
    method: 'GET',
    path: '/download/safe',
    safeFor: ['File Download', 'LFI'],
    handler: (req, res) => {
      const name = basename(req.query.get('file') ?? '');
      if (!ALLOWED.has(name)) return res.text('No such document', 404);
      send(res, join(DOCS, name), name);
    },
  },
  {
    method: 'GET',
    path: '/download/contained',
    safeFor: ['File Download', 'LFI'],
    handler: (req, res) => {
      const doc = req.query.get('doc') ?? '';
      const path = resolve(DOCS, doc);
      if (!path.startsWith(DOCS + sep) || doc.includes('\u0000')) return res.text('Forbidden', 403);
      send(res, path, doc);
    },
  },
];
