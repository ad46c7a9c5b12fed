// Link, form and script extraction from HTML with htmlparser2's streaming Tokenizer: no DOM and no
// element stack, so time and memory stay linear however deep the markup nests. (htmlparser2's
// Parser keeps its open-element stack with Array#unshift, which is quadratic at 100,000 levels.)
import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';
import type { BodyKind, FormField } from '../../core/model.js';

export interface FoundLink {
  url: string;
  /** a, area, link, iframe, frame, meta-refresh, script, form... */
  kind: string;
  text?: string;
}

export interface FoundForm {
  /** Raw action attribute ('' = the document's own URL). */
  action: string;
  method: string;
  bodyKind: BodyKind;
  fields: FormField[];
}

export interface HtmlExtract {
  base: string | null;
  links: FoundLink[];
  forms: FoundForm[];
  /** Inline script bodies and event-handler attributes, for the JS extractor. */
  scripts: string[];
  /** External script URLs (raw src). */
  scriptSrcs: string[];
}

interface OpenForm {
  form: FoundForm;
  radios: Map<string, { first: string; checked: boolean }>;
  submitSeen: boolean;
}

const LINK_ATTRS: Record<string, string> = { a: 'href', area: 'href', link: 'href', iframe: 'src', frame: 'src', embed: 'src', object: 'data' };
const MAX_TEXT = 200;
const MAX_SCRIPT = 512 * 1024;

function bodyKindOf(enctype: string | undefined): BodyKind {
  const e = (enctype ?? '').toLowerCase();
  if (e.includes('multipart')) return 'multipart';
  if (e.includes('text/plain')) return 'text';
  return 'urlencoded';
}

/** meta refresh content: "5; url=/next" (quotes optional). */
export function refreshTarget(content: string): string | null {
  const m = /^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.+?)\1\s*$/i.exec(content);
  if (!m || !m[2] || /^[\d.]+$/.test(m[2])) return null;
  return m[2];
}

export interface TagEvents {
  onopentag(name: string, attrs: Record<string, string>): void;
  ontext(text: string): void;
  onclosetag(name: string): void;
}

/**
 * Tag and text events straight from the tokenizer: names lower-cased, entities decoded, the first
 * of repeated attributes kept (as browsers do). Self-closing tags report an open and a close.
 */
export function tokenize(source: string, ev: TagEvents, opts: { xmlMode?: boolean } = {}): void {
  let tagName = '';
  let attrs: Record<string, string> | null = null;
  let attrName = '';
  let attrValue = '';
  const lower = !opts.xmlMode;
  const slice = (a: number, b: number): string => source.slice(a, b);
  const endOpen = (): void => {
    if (attrs) ev.onopentag(tagName, attrs);
    attrs = null;
  };
  const cbs: TokenizerCallbacks = {
    onattribname(a, b) {
      attrName = lower ? slice(a, b).toLowerCase() : slice(a, b);
      attrValue = '';
    },
    onattribdata(a, b) {
      attrValue += slice(a, b);
    },
    onattribentity(cp) {
      attrValue += String.fromCodePoint(cp);
    },
    onattribend() {
      if (attrs && !Object.hasOwn(attrs, attrName)) attrs[attrName] = attrValue;
      attrName = '';
      attrValue = '';
    },
    onopentagname(a, b) {
      tagName = lower ? slice(a, b).toLowerCase() : slice(a, b);
      attrs = {};
    },
    onopentagend() {
      endOpen();
    },
    onselfclosingtag() {
      const name = tagName;
      endOpen();
      ev.onclosetag(name);
    },
    onclosetag(a, b) {
      ev.onclosetag(lower ? slice(a, b).toLowerCase() : slice(a, b));
    },
    ontext(a, b) {
      ev.ontext(slice(a, b));
    },
    ontextentity(cp) {
      ev.ontext(String.fromCodePoint(cp));
    },
    oncdata(a, b) {
      ev.ontext(slice(a, b));
    },
    oncomment() {
      // comments carry no links we follow
    },
    ondeclaration() {
      // <!doctype>: nothing to extract
    },
    onprocessinginstruction() {
      // <?xml ...?>: nothing to extract
    },
    onend() {
      // the caller finishes its own state after tokenize() returns
    },
  };
  const tk = new Tokenizer({ xmlMode: opts.xmlMode ?? false, decodeEntities: true }, cbs);
  tk.write(source);
  tk.end();
}

export function extractHtml(html: string): HtmlExtract {
  const out: HtmlExtract = { base: null, links: [], forms: [], scripts: [], scriptSrcs: [] };
  const forms: OpenForm[] = [];
  let current: OpenForm | null = null;
  let anchor: FoundLink | null = null;
  let inScript = false;
  let scriptBuf = '';
  let select: { name: string; first: string | null; selected: string | null; disabled: boolean } | null = null;
  let option: { value: string | null; selected: boolean; text: string } | null = null;
  let textarea: { name: string; text: string; disabled: boolean } | null = null;

  const closeForm = (): void => {
    if (!current) return;
    for (const [name, r] of current.radios) if (!r.checked) current.form.fields.push({ name, value: r.first });
    out.forms.push(current.form);
    current = forms.pop() ?? null;
  };
  const closeOption = (): void => {
    if (!select || !option) return;
    const v = option.value ?? option.text.trim();
    if (select.first === null) select.first = v;
    if (option.selected && select.selected === null) select.selected = v;
    option = null;
  };

  tokenize(html, {
      onopentag(name, attrs) {
        const hrefAttr = LINK_ATTRS[name];
        if (hrefAttr && attrs[hrefAttr] !== undefined) {
          const link: FoundLink = { url: attrs[hrefAttr] as string, kind: name };
          out.links.push(link);
          if (name === 'a') {
            link.text = '';
            anchor = link;
          }
        }
        if (name === 'a' && attrs.ping) out.links.push({ url: attrs.ping, kind: 'ping' });
        if (name === 'base' && attrs.href !== undefined && out.base === null) out.base = attrs.href;
        if (name === 'meta' && (attrs['http-equiv'] ?? '').toLowerCase() === 'refresh' && attrs.content) {
          const t = refreshTarget(attrs.content);
          if (t) out.links.push({ url: t, kind: 'meta-refresh' });
        }
        if (name === 'script') {
          if (attrs.src !== undefined) out.scriptSrcs.push(attrs.src);
          const type = (attrs.type ?? '').toLowerCase();
          inScript = type === '' || type.includes('javascript') || type === 'module';
          scriptBuf = '';
        }
        for (const [k, v] of Object.entries(attrs)) {
          if (k.length > 2 && k.startsWith('on') && v) out.scripts.push(v);
          else if ((k === 'href' || k === 'src' || k === 'action') && /^javascript:/i.test(v)) out.scripts.push(v.slice(11));
          else if (k === 'formaction' && v) out.links.push({ url: v, kind: 'formaction' });
          else if ((k === 'data-url' || k === 'data-href' || k === 'data-src') && v) out.links.push({ url: v, kind: 'data-attr' });
        }
        if (name === 'form') {
          if (current) forms.push(current);
          current = {
            form: { action: attrs.action ?? '', method: (attrs.method ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET', bodyKind: bodyKindOf(attrs.enctype), fields: [] },
            radios: new Map(),
            submitSeen: false,
          };
          return;
        }
        if (!current) return;
        const fieldName = attrs.name;
        const disabled = attrs.disabled !== undefined;
        if (name === 'input' && fieldName && !disabled) {
          const type = (attrs.type ?? 'text').toLowerCase();
          const value = attrs.value ?? '';
          if (type === 'checkbox') {
            if (attrs.checked !== undefined) current.form.fields.push({ name: fieldName, value: attrs.value ?? 'on' });
          } else if (type === 'radio') {
            const r = current.radios.get(fieldName) ?? { first: attrs.value ?? 'on', checked: false };
            if (attrs.checked !== undefined && !r.checked) {
              r.checked = true;
              current.form.fields.push({ name: fieldName, value: attrs.value ?? 'on' });
            }
            current.radios.set(fieldName, r);
          } else if (type === 'file') {
            current.form.fields.push({ name: fieldName, value: '', filename: 'test.txt', contentType: 'text/plain' });
            current.form.bodyKind = current.form.method === 'POST' ? 'multipart' : current.form.bodyKind;
          } else if (type === 'submit' || type === 'image') {
            // Only the button that submits is sent; the first one stands for it.
            if (!current.submitSeen) {
              current.submitSeen = true;
              current.form.fields.push({ name: fieldName, value });
            }
          } else if (type !== 'reset' && type !== 'button') {
            current.form.fields.push({ name: fieldName, value });
          }
        } else if (name === 'button' && fieldName && !disabled && (attrs.type ?? 'submit').toLowerCase() === 'submit' && !current.submitSeen) {
          current.submitSeen = true;
          current.form.fields.push({ name: fieldName, value: attrs.value ?? '' });
        } else if (name === 'select') {
          select = { name: fieldName ?? '', first: null, selected: null, disabled: disabled || !fieldName };
        } else if (name === 'option' && select) {
          closeOption();
          option = { value: attrs.value ?? null, selected: attrs.selected !== undefined, text: '' };
        } else if (name === 'textarea' && fieldName) {
          textarea = { name: fieldName, text: '', disabled };
        }
      },
      ontext(text) {
        if (inScript) {
          if (scriptBuf.length < MAX_SCRIPT) scriptBuf += text;
          return;
        }
        if (anchor && anchor.text !== undefined && anchor.text.length < MAX_TEXT) anchor.text += text;
        if (option && option.text.length < MAX_TEXT) option.text += text;
        if (textarea && textarea.text.length < 64 * 1024) textarea.text += text;
      },
      onclosetag(name) {
        if (name === 'script') {
          if (inScript && scriptBuf.trim() !== '') out.scripts.push(scriptBuf);
          inScript = false;
          scriptBuf = '';
        } else if (name === 'a' && anchor) {
          anchor.text = anchor.text?.trim().replace(/\s+/g, ' ');
          anchor = null;
        } else if (name === 'option') {
          closeOption();
        } else if (name === 'select' && select) {
          closeOption();
          if (current && !select.disabled) {
            const v = select.selected ?? select.first;
            if (v !== null) current.form.fields.push({ name: select.name, value: v });
          }
          select = null;
        } else if (name === 'textarea' && textarea) {
          // The HTML parser drops one leading newline in a textarea; so do we.
          if (current && !textarea.disabled) current.form.fields.push({ name: textarea.name, value: textarea.text.replace(/^\r?\n/, '') });
          textarea = null;
        } else if (name === 'form') {
          closeForm();
        }
      },
  });
  while (current) closeForm();
  return out;
}
