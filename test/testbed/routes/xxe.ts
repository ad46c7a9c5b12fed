// XXE pages. Node has no XML parser with DTD support, so this file has a small, honest one that
// behaves like libxml2 with XML_PARSE_NOENT | XML_PARSE_DTDLOAD: it reads the internal subset,
// loads external parameter entities (and parses what they return as more declarations), and
// substitutes general entities in text, reading file:// from disk and fetching http:// (loopback
// only). It never expands an entity inside another one. /xxe/ has an order API posted by the page's
// script as application/xml, a blind ping API and a form whose field carries XML; /xxe-safe/ has the
// same shapes behind a parser that rejects DOCTYPE.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Route } from '../server.js';
import { fetchLoopback } from './ssrf.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string): string =>
  `<!doctype html><html><head><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>\n${body}\n</body></html>`;

export class XmlError extends Error {
  override name = 'XmlError';
}

interface Entity {
  value?: string;
  system?: string;
}

async function loadSystem(systemId: string): Promise<string> {
  if (systemId.startsWith('file:')) {
    try {
      return await readFile(fileURLToPath(systemId), 'latin1');
    } catch {
      throw new XmlError(`failed to load external entity "${systemId}"`);
    }
  }
  if (systemId.startsWith('http:')) {
    const r = await fetchLoopback(systemId);
    if (r instanceof Error) throw new XmlError(`failed to load external entity "${systemId}"`);
    return r.text;
  }
  throw new XmlError(`unsupported URI "${systemId}"`);
}

const DECL = /\s*(?:<!ENTITY\s+(%\s+)?([\w.-]+)\s+(?:SYSTEM\s+"([^"]*)"|"([^"%&]*)")\s*>|%([\w.-]+);|<!--[\s\S]*?-->|<!(?:ELEMENT|ATTLIST|NOTATION)[^>]*>)/y;

async function readDeclarations(dtd: string, general: Map<string, Entity>, params: Map<string, Entity>, depth: number): Promise<void> {
  if (depth > 3) throw new XmlError('DTD nesting too deep');
  let at = 0;
  const src = dtd;
  while (at < src.length) {
    DECL.lastIndex = at;
    const m = DECL.exec(src);
    if (!m) {
      if (src.slice(at).trim() === '') break;
      throw new XmlError(`malformed DTD near "${src.slice(at, at + 30)}"`);
    }
    at = DECL.lastIndex;
    if (m[2] !== undefined) {
      const entity: Entity = m[3] !== undefined ? { system: m[3] } : { value: m[4] ?? '' };
      (m[1] ? params : general).set(m[2], entity);
    } else if (m[5] !== undefined) {
      const pe = params.get(m[5]);
      if (!pe) throw new XmlError(`undefined parameter entity %${m[5]};`);
      const text = pe.system !== undefined ? await loadSystem(pe.system) : (pe.value ?? '');
      await readDeclarations(text, general, params, depth + 1);
    }
  }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Parses a small document; returns the root name and the text of each leaf element. */
export async function parseXml(doc: string, opts: { allowDoctype: boolean }): Promise<{ root: string; fields: Record<string, string> }> {
  let rest = doc.trim().replace(/^<\?xml[^>]*\?>\s*/, '');
  const general = new Map<string, Entity>();
  const dt = /^<!DOCTYPE\s+([\w:.-]+)(?:\s+SYSTEM\s+"[^"]*")?\s*(?:\[([\s\S]*?)\]\s*)?>\s*/i.exec(rest);
  if (dt) {
    if (!opts.allowDoctype) throw new XmlError('DOCTYPE is not allowed');
    await readDeclarations(dt[2] ?? '', general, new Map(), 0);
    rest = rest.slice(dt[0].length);
  }
  const root = /^<([A-Za-z_][\w.:-]*)/.exec(rest)?.[1];
  if (!root || !new RegExp(`</${root}\\s*>\\s*$`).test(rest)) throw new XmlError('not well-formed');
  const fields: Record<string, string> = {};
  const leaf = /<([A-Za-z_][\w.:-]*)(?:\s[^<>]*)?>([^<>]*)<\/\1\s*>/g;
  for (let m = leaf.exec(rest); m !== null; m = leaf.exec(rest)) {
    let text = '';
    const raw = m[2] as string;
    const ref = /&([\w.#-]+);/g;
    let last = 0;
    for (let r = ref.exec(raw); r !== null; r = ref.exec(raw)) {
      text += raw.slice(last, r.index);
      last = r.index + r[0].length;
      const name = r[1] as string;
      const pre = PREDEFINED[name];
      if (pre !== undefined) text += pre;
      else if (name.startsWith('#')) text += String.fromCodePoint(name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
      else {
        const e = general.get(name);
        if (!e) throw new XmlError(`undefined entity &${name};`);
        text += e.system !== undefined ? await loadSystem(e.system) : (e.value ?? '');
      }
    }
    fields[m[1] as string] = text + raw.slice(last);
  }
  return { root, fields };
}

const ORDER = '<order><item>book</item><qty>1</qty></order>';
const CONTACT = '<contact><name>bob</name><email>bob@example.com</email></contact>';

function index(prefix: string, title: string): string {
  return page(
    title,
    `<p><a href="${prefix}/import">Import a contact</a></p>
<p><a href="${prefix}/service/convert">Converter service</a></p>
<button id="cart">Add to cart</button>
<script>
document.getElementById('cart').onclick = function () {
  fetch('${prefix}/api/cart', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ item: 'book', qty: 1 }) });
};
</script>
<button id="buy">Buy</button>
<script>
document.getElementById('buy').onclick = function () {
  fetch('${prefix}/api/order', { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: '${ORDER}' });
};
</script>
<script>
setInterval(function () {
  fetch('${prefix}/api/ping', { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: '<ping><host>web1</host></ping>' });
}, 60000);
</script>`,
  );
}

const importForm = (prefix: string): string =>
  page('Import', `<form method="post" action="${prefix}/import/save"><textarea name="xml">${esc(CONTACT)}</textarea><input type="submit" value="Import"></form>`);

function xmlReply(res: Parameters<Route['handler']>[1], body: string, status = 200): void {
  res.text(`<?xml version="1.0"?>\n${body}`, status, 'application/xml');
}

function routesFor(prefix: string, allowDoctype: boolean): Route[] {
  const truth = allowDoctype
    ? (parameter?: string): Pick<Route, 'vulnerable'> => ({ vulnerable: [{ item: 'XXE', ...(parameter ? { parameter } : {}) }] })
    : (): Pick<Route, 'safeFor'> => ({ safeFor: ['XXE', 'LFI', 'SSRF'] });
  return [
    {
      method: 'GET',
      path: `${prefix}/`,
      index: true,
      title: allowDoctype ? 'XML shop' : 'XML shop (safe parser)',
      handler: (_req, res) => res.html(index(prefix, 'XML shop')),
    },
    {
      method: 'POST',
      path: `${prefix}/api/order`,
      ...truth(),
      handler: async (req, res) => {
        try {
          const { fields } = await parseXml(req.text(), { allowDoctype });
          xmlReply(res, `<result><status>accepted</status><item>${esc(fields.item ?? '')}</item><qty>${esc(fields.qty ?? '')}</qty></result>`);
        } catch (err) {
          xmlReply(res, `<error>${esc(err instanceof XmlError ? err.message : 'parse error')}</error>`, 400);
        }
      },
    },
    {
      // blind: entities are resolved, nothing of the document comes back
      method: 'POST',
      path: `${prefix}/api/ping`,
      ...truth(),
      handler: async (req, res) => {
        try {
          await parseXml(req.text(), { allowDoctype });
          xmlReply(res, '<pong/>');
        } catch (err) {
          // the blind API answers the same either way: the error is only logged on a real server
          void err;
          xmlReply(res, '<pong/>');
        }
      },
    },
    { method: 'GET', path: `${prefix}/import`, handler: (_req, res) => res.html(importForm(prefix)) },
    // linked only as a GET: the help page; the service itself takes XML by POST
    { method: 'GET', path: `${prefix}/service/convert`, handler: (_req, res) => res.html(page('Converter', '<p>POST an XML document to this URL to convert it.</p>')) },
    {
      method: 'POST',
      path: `${prefix}/service/convert`,
      ...truth(),
      handler: async (req, res) => {
        try {
          const { root, fields } = await parseXml(req.text(), { allowDoctype });
          xmlReply(res, `<converted root="${esc(root)}">${Object.values(fields).map((v) => `<v>${esc(v)}</v>`).join('')}</converted>`);
        } catch (err) {
          xmlReply(res, `<error>${esc(err instanceof XmlError ? err.message : 'parse error')}</error>`, 400);
        }
      },
    },
    {
      // the page posts JSON, and the framework parses XML bodies as well (content negotiation)
      method: 'POST',
      path: `${prefix}/api/cart`,
      // JSON read whatever the Content-Type and no anti-CSRF defence: a cross-site text/plain post adds to the cart
      ...(allowDoctype ? { vulnerable: [{ item: 'XXE' as const }, { item: 'CSRF' as const }] } : truth()),
      handler: async (req, res) => {
        const type = String(req.headers['content-type'] ?? '');
        try {
          const fields: Record<string, unknown> = /xml/i.test(type) ? (await parseXml(req.text(), { allowDoctype })).fields : (JSON.parse(req.text()) as Record<string, unknown>);
          res.json({ added: String(fields.item ?? ''), qty: String(fields.qty ?? '') });
        } catch (err) {
          res.json({ error: err instanceof XmlError ? err.message : 'bad request' }, 400);
        }
      },
    },
    {
      method: 'POST',
      path: `${prefix}/import/save`,
      // the import has no anti-CSRF token in either variant: another site can post to it
      ...(allowDoctype ? { vulnerable: [{ item: 'XXE' as const, parameter: 'xml' }, { item: 'CSRF' as const }] } : truth('xml')),
      handler: async (req, res) => {
        try {
          const { fields } = await parseXml(req.form().get('xml') ?? '', { allowDoctype });
          res.html(page('Imported', `<p>Imported contact ${esc(fields.name ?? '')} &lt;${esc(fields.email ?? '')}&gt;</p>`));
        } catch (err) {
          res.html(page('Import failed', `<p>${esc(err instanceof XmlError ? err.message : 'parse error')}</p>`), 400);
        }
      },
    },
  ];
}

export const routes: Route[] = [...routesFor('/xxe', true), ...routesFor('/xxe-safe', false)];
