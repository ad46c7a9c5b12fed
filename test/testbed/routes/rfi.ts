// RFI pages: /rfi/ links to pages that fetch a page fragment from the URL they are given and include
// its text in their output (one appends ".html" to the name first, like include($tpl . '.html'));
// /rfi-safe/ has twins that include only allowlisted fragments. Fetches stay on loopback.
import type { Route } from '../server.js';
import { fetchLoopback } from './ssrf.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>`;

const PARTS: Record<string, string> = {
  header: '<div class="banner">Welcome to the portal</div>',
  footer: '<div class="foot">(c) Portal Inc.</div>',
};

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/rfi/',
    index: true,
    title: 'Portal pages',
    handler: (req, res) => {
      const self = `http://${req.headers.host ?? ''}`;
      res.html(
        page(
          'Portal',
          `<ul>
<li><a href="/rfi/page?page=${encodeURIComponent(`${self}/rfi/parts/header.html`)}">header</a></li>
<li><a href="/rfi/template?tpl=${encodeURIComponent(`${self}/rfi/parts/footer`)}">footer</a></li>
<li><a href="/rfi/module?module=${encodeURIComponent(`${self}/rfi/parts/header.html`)}">module</a></li>
</ul>`,
        ),
      );
    },
  },
  { method: 'GET', path: /^\/rfi\/parts\/(header|footer)\.html$/, handler: (req, res) => res.html(PARTS[req.params[0] as string] ?? '') },
  {
    method: 'GET',
    path: '/rfi/page',
    vulnerable: [
      { item: 'RFI', parameter: 'page' },
      { item: 'SSRF', parameter: 'page' },
    ],
    handler: async (req, res) => {
      const r = await fetchLoopback(req.query.get('page') ?? '');
      res.html(page('Portal page', r instanceof Error ? '<p>Fragment unavailable.</p>' : r.text));
    },
  },
  {
    method: 'GET',
    path: '/rfi/template',
    vulnerable: [
      { item: 'RFI', parameter: 'tpl' },
      { item: 'SSRF', parameter: 'tpl' },
    ],
    handler: async (req, res) => {
      const r = await fetchLoopback(`${req.query.get('tpl') ?? ''}.html`);
      res.html(page('Portal template', r instanceof Error ? '<p>Template unavailable.</p>' : r.text));
    },
  },
  {
    // include() of a remote file: its PHP blocks run, the rest is printed as text (escaped here, so
    // only running code, not rendered markup, can prove this one)
    method: 'GET',
    path: '/rfi/module',
    vulnerable: [
      { item: 'RFI', parameter: 'module' },
      { item: 'SSRF', parameter: 'module' },
    ],
    handler: async (req, res) => {
      const r = await fetchLoopback(req.query.get('module') ?? '');
      res.html(page('Module', r instanceof Error ? '<p>Module unavailable.</p>' : runPhpEchoes(r.text)));
    },
  },
  {
    method: 'GET',
    path: '/rfi-safe/',
    index: true,
    title: 'Portal pages (safe)',
    handler: (req, res) => {
      const self = `http://${req.headers.host ?? ''}`;
      res.html(
        page(
          'Portal',
          `<ul>
<li><a href="/rfi-safe/page?page=header">header</a></li>
<li><a href="/rfi-safe/remote?src=${encodeURIComponent(`${self}/rfi/parts/footer.html`)}">footer</a></li>
<li><a href="/rfi-safe/preview?src=${encodeURIComponent(`${self}/rfi/parts/footer.html`)}">preview</a></li>
</ul>`,
        ),
      );
    },
  },
  {
    method: 'GET',
    path: '/rfi-safe/page',
    safeFor: ['RFI', 'SSRF', 'LFI'],
    handler: (req, res) => {
      const part = PARTS[req.query.get('page') ?? ''];
      res.html(page('Portal page', part ?? '<p>Unknown page.</p>'), part ? 200 : 404);
    },
  },
  {
    method: 'GET',
    path: '/rfi-safe/remote',
    safeFor: ['RFI', 'SSRF'],
    handler: async (req, res) => {
      const src = req.query.get('src') ?? '';
      const self = `http://${req.headers.host ?? ''}`;
      if (![`${self}/rfi/parts/header.html`, `${self}/rfi/parts/footer.html`].includes(src)) return res.html(page('Portal page', '<p>Source not allowed.</p>'), 400);
      const r = await fetchLoopback(src);
      res.html(page('Portal page', r instanceof Error ? '<p>Fragment unavailable.</p>' : r.text));
    },
  },
  {
    // fetches any URL and shows what came back as text: SSRF, but nothing is included (not RFI)
    method: 'GET',
    path: '/rfi-safe/preview',
    vulnerable: [{ item: 'SSRF', parameter: 'src' }],
    safeFor: ['RFI'],
    handler: async (req, res) => {
      const r = await fetchLoopback(req.query.get('src') ?? '');
      res.html(page('Preview', r instanceof Error ? '<p>Unavailable.</p>' : `<pre>${esc(r.text)}</pre>`));
    },
  },
];

/** What PHP's include() of `text` prints, for the one statement shape our tests need: echo 'str' . (a * b); */
function runPhpEchoes(text: string): string {
  return text
    .split(/(<\?php[\s\S]*?\?>)/)
    .map((part) => {
      const m = /^<\?php\s+echo\s+'([^']*)'\s*\.\s*\((\d+)\s*\*\s*(\d+)\)\s*;\s*\?>$/.exec(part);
      if (m) return esc(`${m[1]}${Number(m[2]) * Number(m[3])}`);
      return part.startsWith('<?php') ? '' : esc(part);
    })
    .join('');
}
