import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestbed, type Testbed } from '../../test/testbed/server.js';
import { assertCheckMetadata, runCheckOn, type CheckRun } from '../../test/testbed/check-harness.js';
import type { HttpResponseData } from '../core/model.js';
import { VARIANTS } from './definitions/file-upload.js';
import { fileUpload, judgeStoredFile, meta } from './file-upload.js';

let tb: Testbed;
let run: CheckRun;
before(async () => {
  tb = await startTestbed();
  run = await runCheckOn(fileUpload, `${tb.url}/fileupload/`);
});
after(async () => {
  await tb.close();
});

test('metadata', () => assertCheckMetadata(fileUpload, meta, { id: 'file-upload', item: 'File Upload', cwe: 434 }));

test('judging a stored probe: SVG inline is active; attachment, sandbox, unlabelled-with-nosniff and escaped copies are not', () => {
  const svg = VARIANTS.find((v) => v.suffix === '.svg')!;
  const php = VARIANTS.find((v) => v.suffix === '.php')!;
  const m = 'wsc-probe-0123456789ab';
  const res = (headers: Record<string, string>, body: string): HttpResponseData => ({
    status: 200, headers, rawHeaders: Object.entries(headers), body, bytes: body.length, truncated: false, timeMs: 1, url: 'http://a.test/u/x', redirects: [],
  });
  const body = svg.content(0, 0, m);
  assert.match(judgeStoredFile(svg, res({ 'content-type': 'image/svg+xml' }, body), 0, 0, m, body) ?? '', /served inline as image\/svg\+xml/);
  assert.equal(judgeStoredFile(svg, res({ 'content-type': 'image/svg+xml', 'content-disposition': 'attachment' }, body), 0, 0, m, body), null);
  assert.equal(judgeStoredFile(svg, res({ 'content-type': 'image/svg+xml', 'content-security-policy': 'sandbox' }, body), 0, 0, m, body), null);
  assert.equal(judgeStoredFile(svg, res({ 'x-content-type-options': 'nosniff' }, body), 0, 0, m, body), null);
  assert.equal(judgeStoredFile(svg, res({ 'content-type': 'text/html' }, body.replace(/</g, '&lt;')), 0, 0, m, body), null);
  const src = php.content(1234, 5678, m);
  assert.equal(judgeStoredFile(php, res({ 'content-type': 'text/plain' }, src), 1234, 5678, m, src), null, 'source served back is not execution');
  assert.match(judgeStoredFile(php, res({ 'content-type': 'text/html' }, String(1234 * 5678)), 1234, 5678, m, src) ?? '', /^7006652\n/);
});

test('proves execution behind a spoofed content type and active HTML served inline, listing probe files', async () => {
  const found = new Map(run.findings.map((f) => [`${new URL(f.url).pathname} ${f.parameter}`, f]));
  assert.deepEqual([...found.keys()].sort(), ['/fileupload/docs/save document', '/fileupload/gallery/save photo']);

  const docs = found.get('/fileupload/docs/save document')!;
  assert.equal(docs.severity, undefined, 'execution keeps the check severity (high)');
  assert.match(docs.payload ?? '', /^wsc-probe-[0-9a-f]{12}\.php \(image\/jpeg\)$/);
  assert.match(docs.evidence.proof, /^\d{7,8}\nThe stored file printed \d+, the value of \d+\*\d+/);
  assert.match(docs.evidence.request, /^POST \/fileupload\/docs\/save HTTP\/1\.1/);
  assert.match(docs.evidence.request, /filename="wsc-probe-[0-9a-f]{12}\.php"\r\nContent-Type: image\/jpeg/);
  assert.doesNotMatch(docs.evidence.response, /<\?php/);
  const docsExtra = docs.extra as { probeFiles: string[]; unlocatedProbeFiles?: string[]; storedUrl: string };
  assert.equal(docsExtra.storedUrl, `${tb.url}/uploads/${docs.payload!.split(' ')[0]}`);
  assert.deepEqual(docsExtra.probeFiles, [docsExtra.storedUrl]);
  // the first probe (application/x-php) was refused: listed, but nothing was stored for it
  assert.equal(docsExtra.unlocatedProbeFiles?.length, 1);

  const gallery = found.get('/fileupload/gallery/save photo')!;
  assert.equal(gallery.severity, 'medium');
  assert.match(gallery.payload ?? '', /^wsc-probe-[0-9a-f]{12}\.html \(text\/html\)$/);
  assert.match(gallery.evidence.proof, /served inline as text\/html; charset=utf-8 with its script element intact/);
  assert.match(gallery.evidence.response, /content-type: text\/html/i);
  const galleryExtra = gallery.extra as { probeFiles: string[] };
  // every execution probe before it was stored (and not run): all are listed for deletion
  assert.equal(galleryExtra.probeFiles.length, 8);
  assert.ok(galleryExtra.probeFiles.every((u) => u.startsWith(`${tb.url}/fileupload/media/wsc-probe-`)));
});

test('safe twins (random .bin attachment, image allowlist with nosniff) yield nothing', () => {
  const probed = new Set(run.sent.map((s) => new URL(s.url).pathname));
  assert.ok(probed.has('/fileupload/archive/save') && probed.has('/fileupload/avatar/save'), 'the safe forms were probed');
  assert.ok([...probed].some((p) => p.startsWith('/fileupload/avatars/wsc-probe-')), 'the accepted avatar probe was fetched');
  assert.deepEqual(run.findings.filter((f) => /archive|avatar/.test(f.url)), []);
});

test('stays within its request budget and names every upload wsc-probe-*', () => {
  const targets = Math.max(1, run.requests.length, run.pages.length);
  assert.ok(run.sent.length <= meta.requestBudget * targets, `${run.sent.length} requests for ${targets} targets`);
  const uploads = run.sent.filter((s) => s.method === 'POST');
  assert.ok(uploads.length > 0);
  for (const u of uploads) assert.match(String(u.body), /filename="wsc-probe-[0-9a-f]{12}\.[a-z.]+"/);
  const perForm = new Map<string, number>();
  for (const s of run.sent) {
    const form = /\/fileupload\/(\w+)/.exec(new URL(s.url).pathname)?.[1] ?? 'other';
    perForm.set(form, (perForm.get(form) ?? 0) + 1);
  }
  for (const [form, n] of perForm) assert.ok(n <= meta.requestBudget, `${form}: ${n} requests`);
});
