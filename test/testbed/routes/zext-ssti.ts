// Server-side template injection (extension item): /ssti/ pages build template source from
// input and render it with small engines in the style of Jinja2, Freemarker (thousands grouped),
// ERB and Handlebars; /ssti-safe/ twins render a fixed template with the input as data (escaped,
// braces and all), and a calculator that only multiplies bare digit strings.
import type { Route } from '../server.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>\n${body}\n</body></html>`;

/** Integer arithmetic only: what the tiny engines can evaluate (anything else is left as an error). */
function arith(expr: string): number | null {
  const m = /^\s*(\d{1,9})\s*([*+-])\s*(\d{1,9})\s*$/.exec(expr);
  if (!m) return null;
  const a = Number(m[1]);
  const b = Number(m[3]);
  return m[2] === '*' ? a * b : m[2] === '+' ? a + b : a - b;
}

/** Renders `source` where `open expr close` is an expression, the way each engine would. */
function render(source: string, re: RegExp, format: (n: number) => string): string {
  return source.replace(re, (_all, expr: string) => {
    const v = arith(expr);
    return v === null ? '[template error]' : format(v);
  });
}

const jinja = (s: string): string => render(s, /\{\{(.*?)\}\}/g, String);
const freemarker = (s: string): string => render(s, /\$\{(.*?)\}/g, (n) => n.toLocaleString('en-US'));
const erb = (s: string): string => render(s, /<%=(.*?)%>/g, String);
/** {{#if true|false}}a{{else}}b{{/if}}, then {{name}} lookups (escaped, none defined). */
function handlebars(s: string): string {
  return s.replace(/\{\{#if (true|false)\}\}([\s\S]*?)(?:\{\{else\}\}([\s\S]*?))?\{\{\/if\}\}/g, (_a, cond: string, yes: string, no?: string) => (cond === 'true' ? yes : (no ?? ''))).replace(/\{\{[^{}]*\}\}/g, '');
}

const form = (action: string): string => `<form method="post" action="${action}"><input name="title" value="My list"><input type="submit" value="Save"></form>`;

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/ssti/',
    index: true,
    title: 'Greeting cards (templates from input)',
    handler: (_req, res) =>
      res.html(page('Cards', `<ul><li><a href="/ssti/hello?name=guest">hello</a></li><li><a href="/ssti/search?q=cards">search</a></li><li><a href="/ssti/banner?greeting=hi">banner</a></li></ul>${form('/ssti/forms/list')}`)),
  },
  {
    method: 'GET',
    path: '/ssti/hello',
    vulnerable: [{ item: 'SSTI', parameter: 'name' }],
    handler: (req, res) => res.html(page('Hello', jinja(`<p>Hello ${esc(req.query.get('name') ?? '')}!</p>`))),
  },
  {
    method: 'POST',
    path: '/ssti/forms/list',
    vulnerable: [{ item: 'SSTI', parameter: 'title' }],
    handler: (req, res) => res.html(page('List', freemarker(`<h2>${esc(req.form().get('title') ?? '')}</h2><p>0 items</p>`))),
  },
  {
    method: 'GET',
    path: '/ssti/search',
    vulnerable: [{ item: 'SSTI', parameter: 'q' }],
    // ERB source built from input: the <%= %> tags survive because the input is put in raw
    handler: (req, res) => res.html(page('Search', erb(`<p>No cards match ${req.query.get('q') ?? ''}.</p>`).replace(/<(?!\/?p>)/g, '&lt;'))),
  },
  {
    method: 'GET',
    path: '/ssti/banner',
    vulnerable: [{ item: 'SSTI', parameter: 'greeting' }],
    handler: (req, res) => res.html(page('Banner', handlebars(`<p class="banner">${esc(req.query.get('greeting') ?? '')}, {{user}}</p>`))),
  },
  {
    method: 'GET',
    path: '/ssti-safe/',
    index: true,
    title: 'Greeting cards (input as data)',
    handler: (_req, res) =>
      res.html(page('Cards', `<ul><li><a href="/ssti-safe/hello?name=guest">hello</a></li><li><a href="/ssti-safe/banner?greeting=hi">banner</a></li><li><a href="/ssti-safe/calc?expr=6*7">calculator</a></li></ul>${form('/ssti-safe/forms/list')}`)),
  },
  {
    method: 'GET',
    path: '/ssti-safe/hello',
    safeFor: ['SSTI'],
    // the input goes in after rendering: a context variable, not template source
    handler: (req, res) => res.html(page('Hello', jinja('<p>Hello {{0+0}}!</p>').replace('0', esc(req.query.get('name') ?? '')))),
  },
  {
    method: 'POST',
    path: '/ssti-safe/forms/list',
    safeFor: ['SSTI'],
    handler: (req, res) => res.html(page('List', `<h2>${esc(req.form().get('title') ?? '')}</h2>${freemarker('<p>${0+0} items</p>')}`)),
  },
  {
    method: 'GET',
    path: '/ssti-safe/banner',
    safeFor: ['SSTI'],
    handler: (req, res) => res.html(page('Banner', `${handlebars('<p class="banner">{{#if true}}Welcome{{/if}}</p>')}<p>${esc(req.query.get('greeting') ?? '')}</p>`)),
  },
  {
    method: 'GET',
    path: '/ssti-safe/calc',
    safeFor: ['SSTI'],
    handler: (req, res) => {
      const expr = req.query.get('expr') ?? '';
      const v = /^\d+\*\d+$/.test(expr) ? arith(expr) : null;
      res.html(page('Calculator', `<p>${esc(expr)} = ${v === null ? 'not a product of two numbers' : v}</p>`));
    },
  },
];
