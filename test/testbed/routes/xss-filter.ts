// XSS behind input filters: each page refuses (400 "bad input") or strips what a naive filter
// names, so only a payload of the right shape gets through: markup required (the plain value is
// refused), a URL required, parentheses refused, letters refused in a script string, a
// case-sensitive blocklist of handlers, "javascript:" removed from a link. The safe twins apply the
// same filter and then encode for the context. /xssf/ links the vulnerable pages, /xssf-safe/ the twins.
import type { Route, TestbedRequest, TestbedResponse } from '../server.js';

const X = 'XSS' as const;
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>`;
const badInput = (res: TestbedResponse, why: string): void => res.html(page('Bad input', `<p>bad input: ${esc(why)}</p>`), 400);

type Enc = 'raw' | 'safe';
type View = (req: TestbedRequest, res: TestbedResponse, enc: Enc) => void;
const out = (v: string, enc: Enc): string => (enc === 'raw' ? v : esc(v));

// A rich-text preview: anything that is not markup is refused.
const preview: View = (req, res, enc) => {
  const v = req.query.get('bio') ?? '';
  if (!/<[a-z][^>]*>/i.test(v)) return badInput(res, 'markup expected');
  res.html(page('Preview', `<div class="bio">${out(v, enc)}</div>`));
};
// A homepage field that must hold a URL somewhere.
const homepage: View = (req, res, enc) => {
  const v = req.query.get('site') ?? '';
  if (!/https?:\/\//.test(v)) return badInput(res, 'a URL is required');
  res.html(page('Homepage', `<p>Your homepage: ${out(v, enc)}</p>`));
};
// Parentheses refused: "no function calls".
const noParen: View = (req, res, enc) => {
  const v = req.query.get('q') ?? '';
  if (/[()]/.test(v)) return badInput(res, 'parentheses are not allowed');
  res.html(page('Notes', `<p>Note: ${out(v, enc)}</p>`));
};
// A counter whose value may hold no letters, written into a script string.
const counter: View = (req, res, enc) => {
  const v = req.query.get('n') ?? '5';
  if (/[a-z]/i.test(v)) return badInput(res, 'numbers only');
  const lit = enc === 'raw' ? `'${v}'` : JSON.stringify(v).replace(/</g, '\\u003c');
  res.html(page('Counter', `<div id="c"></div><script>var n = ${lit}; document.getElementById('c').textContent = n;</script>`));
};
// A case-sensitive blocklist of the usual handler names and tags.
const blocklist: View = (req, res, enc) => {
  const v = (req.query.get('q') ?? '').replace(/onmouseover|onload|onerror|onclick|onfocus|<svg|<script|<img/g, '');
  res.html(page('Search', `<p>Results for ${out(v, enc)}</p>`));
};
// A link whose "javascript:" is removed whatever its case; quotes are encoded.
const go: View = (req, res, enc) => {
  const v = (req.query.get('url') ?? '/').replace(/javascript:/gi, '');
  const href = enc === 'raw' ? v.replace(/"/g, '&quot;') : /^(?:https?:\/\/|\/(?!\/))/i.test(v) ? esc(v) : '/';
  res.html(page('Go', `<a href="${href}">Go on</a>`));
};

const links = (base: string): string =>
  `<ul><li><a href="${base}/preview?bio=">Preview</a></li><li><a href="${base}/homepage?site=http://example.com/">Homepage</a></li>
<li><a href="${base}/notes?q=hello">Notes</a></li><li><a href="${base}/counter?n=5">Counter</a></li>
<li><a href="${base}/blocklist?q=shoes">Search</a></li><li><a href="${base}/go?url=/home">Go</a></li></ul>`;

function pair(path: string, view: View, parameter: string): Route[] {
  return [
    { method: 'GET', path: `/xssf${path}`, handler: (req, res) => view(req, res, 'raw'), vulnerable: [{ item: X, parameter }] },
    { method: 'GET', path: `/xssf-safe${path}`, handler: (req, res) => view(req, res, 'safe'), safeFor: [X] },
  ];
}

export const routes: Route[] = [
  { method: 'GET', path: '/xssf/', index: true, title: 'XSS behind input filters', handler: (_q, r) => r.html(page('Filtered XSS pages', links('/xssf'))) },
  { method: 'GET', path: '/xssf-safe/', index: true, title: 'XSS behind input filters (safe)', handler: (_q, r) => r.html(page('Filtered XSS pages', links('/xssf-safe'))) },
  ...pair('/preview', preview, 'bio'),
  ...pair('/homepage', homepage, 'site'),
  ...pair('/notes', noParen, 'q'),
  ...pair('/counter', counter, 'n'),
  ...pair('/blocklist', blocklist, 'q'),
  ...pair('/go', go, 'url'),
];
