// Link, form and script extraction from HTML with htmlparser2's streaming Tokenizer: no DOM and no
// element stack, so time and memory stay linear however deep the markup nests. (htmlparser2's
// Parser keeps its open-element stack with Array#unshift, which is quadratic at 100,000 levels.)
import { decodeHTML, decodeHTMLAttribute, decodeXML } from 'entities/decode';
import { Tokenizer, type TokenizerCallbacks } from 'htmlparser2';
import { FormCollector, type FoundForm } from './forms.js';

export type { FoundForm } from './forms.js';

export interface FoundLink {
  url: string;
  /** a, area, link, iframe, frame, meta-refresh, script, form... */
  kind: string;
  text?: string;
}

export interface HtmlExtract {
  base: string | null;
  links: FoundLink[];
  /** Forms with their controls (see forms.ts), in tree order. */
  forms: FoundForm[];
  /** Inline script bodies and event-handler attributes, for the JS extractor. */
  scripts: string[];
  /** External script URLs (raw src). */
  scriptSrcs: string[];
  /** Text of <pre> and <code> blocks that hold an HTTP request line, for request examples (see examples.ts). */
  examples: string[];
}

const LINK_ATTRS: Record<string, string> = { a: 'href', area: 'href', link: 'href', iframe: 'src', frame: 'src', embed: 'src', object: 'data' };
const MAX_TEXT = 200;
/** White space other than single spaces, which link text folds to one space. */
const SPACE_TO_FOLD = /[^\S ]| {2}/;
const MAX_SCRIPT = 512 * 1024;
/** <pre>/<code> blocks read per page for request examples, and the text kept of each. */
const MAX_BLOCKS = 50;
const MAX_BLOCK = 64 * 1024;

/** meta refresh content: "5; url=/next" (quotes optional). */
export function refreshTarget(content: string): string | null {
  const m = /^\s*[\d.]*\s*[;,]?\s*(?:url\s*=\s*)?(['"]?)(.+?)\1\s*$/i.exec(content);
  // "0; url=" names no page (the refresh reloads this one), whatever the lazy match took for a URL
  if (!m || !m[2] || m[2].trim() === '' || /^[\d.]+$/.test(m[2]) || /^url\s*=\s*$/i.test(m[2])) return null;
  return m[2];
}

export interface TagEvents {
  onopentag(name: string, attrs: Record<string, string>): void;
  ontext(text: string): void;
  onclosetag(name: string): void;
  /** False when text at this point would be ignored: saves slicing it (CDATA is always reported). */
  wantsText?(): boolean;
}

/** What a tag without attributes reports: shared, so frozen (a handler must not write to it). */
const NO_ATTRS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Elements whose content the tokenizer reads as raw text (its special tags less RCDATA): no entity is decoded there. */
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);

/** A leading 1 and seven 7-bit characters fit a double's 53-bit mantissa exactly. */
const MAX_PACKED = 7;
const MAX_PACKED_NAMES = 4096;
const packedNames = new Map<number, string>();

/**
 * Adapts htmlparser2's Tokenizer callbacks to TagEvents. One instance per mode is kept and reused:
 * a Tokenizer costs more to build than a small page costs to tokenize, and methods on one class
 * (rather than closures per call) keep the callbacks monomorphic.
 *
 * The Tokenizer runs with entity decoding off: it then skips through text and quoted values with
 * indexOf instead of visiting every character (about a quarter of a small page's tokenizing), and
 * the few values that hold an "&" are decoded here, as the tokenizer would have.
 */
class TagAdapter implements TokenizerCallbacks {
  private source = '';
  private ev: TagEvents | null = null;
  private tagName = '';
  /** Between a tag's name and its end: attributes belong to it. */
  private open = false;
  private attrs: Record<string, string> | null = null;
  private attrName = '';
  private attrValue = '';
  /** Inside script, style and the like, whose text keeps its "&"s. */
  private rawText = false;
  busy = false;
  private readonly tk: Tokenizer;
  private readonly decodeText: (s: string) => string;
  private readonly decodeAttr: (s: string) => string;

  constructor(private readonly lower: boolean) {
    this.tk = new Tokenizer({ xmlMode: !lower, decodeEntities: false }, this);
    this.decodeText = lower ? decodeHTML : decodeXML;
    this.decodeAttr = lower ? decodeHTMLAttribute : decodeXML;
  }

  run(source: string, ev: TagEvents): void {
    this.busy = true;
    this.source = source;
    this.ev = ev;
    this.tagName = '';
    this.open = false;
    this.attrs = null;
    this.attrName = '';
    this.attrValue = '';
    this.rawText = false;
    try {
      this.tk.reset();
      this.tk.write(source);
      this.tk.end();
    } finally {
      // drop the page so that the shared adapter does not keep it alive
      this.tk.reset();
      this.source = '';
      this.ev = null;
      this.attrs = null;
      this.busy = false;
    }
  }

  private name(a: number, b: number): string {
    if (this.lower && b - a <= MAX_PACKED) {
      // Tag and attribute names repeat thousands of times a page: a short name is looked up by
      // its characters, lower-cased and packed into one number, instead of sliced and lower-cased.
      // The key starts at 1 so that leading NULs still change it ("\0a" is not "a").
      let key = 1;
      const src = this.source;
      for (let i = a; i < b; i++) {
        let c = src.charCodeAt(i);
        if (c >= 0x41 && c <= 0x5a) c |= 0x20;
        if (c > 0x7f) {
          key = -1;
          break;
        }
        key = key * 128 + c;
      }
      if (key >= 0) {
        let hit = packedNames.get(key);
        if (hit === undefined) {
          hit = src.slice(a, b).toLowerCase();
          if (packedNames.size < MAX_PACKED_NAMES) packedNames.set(key, hit);
        }
        return hit;
      }
    }
    const s = this.source.slice(a, b);
    return this.lower ? s.toLowerCase() : s;
  }

  private endOpen(): void {
    const open = this.open;
    const attrs = this.attrs ?? NO_ATTRS;
    this.open = false;
    this.attrs = null;
    if (this.lower && RAW_TEXT.has(this.tagName)) this.rawText = true;
    if (open) this.ev?.onopentag(this.tagName, attrs);
  }

  private text(a: number, b: number): void {
    const t = this.source.slice(a, b);
    this.ev?.ontext(this.rawText || !t.includes('&') ? t : this.decodeText(t));
  }

  onattribname(a: number, b: number): void {
    this.attrName = this.name(a, b);
    this.attrValue = '';
  }
  onattribdata(a: number, b: number): void {
    this.attrValue += this.source.slice(a, b);
  }
  onattribentity(): void {
    // entities are left in the value (decodeEntities is off) and decoded in onattribend
  }
  onattribend(): void {
    if (this.open) {
      const attrs = (this.attrs ??= {});
      if (!Object.hasOwn(attrs, this.attrName)) {
        const v = this.attrValue;
        attrs[this.attrName] = v.includes('&') ? this.decodeAttr(v) : v;
      }
    }
    this.attrName = '';
    this.attrValue = '';
  }
  onopentagname(a: number, b: number): void {
    this.tagName = this.name(a, b);
    this.open = true;
    // allocated at the first attribute: most tags have none, and they share NO_ATTRS
    this.attrs = null;
  }
  onopentagend(): void {
    this.endOpen();
  }
  onselfclosingtag(): void {
    const name = this.tagName;
    this.endOpen();
    this.rawText = false;
    this.ev?.onclosetag(name);
  }
  onclosetag(a: number, b: number): void {
    this.rawText = false;
    this.ev?.onclosetag(this.name(a, b));
  }
  ontext(a: number, b: number): void {
    const ev = this.ev;
    // text outside anything that collects it is most of a page: do not even slice it
    if (ev && ev.wantsText?.() !== false) this.text(a, b);
  }
  ontextentity(): void {
    // see onattribentity: text is decoded in text()
  }
  oncdata(a: number, b: number): void {
    this.ev?.ontext(this.source.slice(a, b));
  }
  oncomment(): void {
    // comments carry no links we follow
  }
  ondeclaration(): void {
    // <!doctype>: nothing to extract
  }
  onprocessinginstruction(): void {
    // <?xml ...?>: nothing to extract
  }
  onend(): void {
    // the caller finishes its own state after tokenize() returns
  }
}

const shared = { html: new TagAdapter(true), xml: new TagAdapter(false) };

/**
 * Tag and text events straight from the tokenizer: names lower-cased, entities decoded, the first
 * of repeated attributes kept (as browsers do). Self-closing tags report an open and a close.
 */
export function tokenize(source: string, ev: TagEvents, opts: { xmlMode?: boolean } = {}): void {
  const xml = opts.xmlMode === true;
  const reusable = xml ? shared.xml : shared.html;
  // an event handler that tokenizes again gets a fresh adapter instead of the busy shared one
  (reusable.busy ? new TagAdapter(!xml) : reusable).run(source, ev);
}

/** URLs of a srcset attribute: "a.png 1x, b.png 2x" (a URL may hold commas, but not followed by a space). */
export function srcsetUrls(v: string): string[] {
  const out: string[] = [];
  for (const part of v.split(/,\s+|,(?=\S+\s+[\d.]+[wx]\b)/)) {
    const url = part.trim().split(/\s+/)[0];
    if (url) out.push(url.replace(/,$/, ''));
  }
  return out;
}

/** Attributes that hold a URL on any element (besides the tag's own, in LINK_ATTRS). */
const URL_ATTRS: Record<string, string> = { 'data-url': 'data-attr', 'data-href': 'data-attr', 'data-src': 'data-attr', 'data-action': 'data-attr', cite: 'cite', 'xlink:href': 'link', longdesc: 'link' };

export function extractHtml(html: string): HtmlExtract {
  const out: HtmlExtract = { base: null, links: [], forms: [], scripts: [], scriptSrcs: [], examples: [] };
  const forms = new FormCollector();
  // the outermost <pre> or <code> being read, and its text
  let block: string | null = null;
  let blockText = '';
  let anchor: FoundLink | null = null;
  let inScript = false;
  let scriptBuf = '';

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
          const type = (attrs.type ?? '').trim().toLowerCase();
          inScript = type === '' || type.includes('javascript') || type.includes('ecmascript') || type === 'module';
          scriptBuf = '';
        }
        for (const k in attrs) {
          const v = attrs[k] as string;
          if (k.length > 2 && k.startsWith('on') && v) out.scripts.push(v);
          else if ((k === 'href' || k === 'src' || k === 'action' || k === 'formaction') && /^\s*javascript:/i.test(v)) out.scripts.push(v.trim().slice(11));
          else if (k === 'srcset' && v) for (const u of srcsetUrls(v)) out.links.push({ url: u, kind: 'srcset' });
          else if (v && URL_ATTRS[k] !== undefined) out.links.push({ url: v, kind: URL_ATTRS[k] as string });
        }
        forms.open(name, attrs);
        if (block === null && (name === 'pre' || name === 'code') && out.examples.length < MAX_BLOCKS) {
          block = name;
          blockText = '';
        } else if (block !== null && name === 'br') blockText += '\n';
      },
      wantsText() {
        return inScript || anchor !== null || block !== null || forms.wantsText();
      },
      ontext(text) {
        if (inScript) {
          if (scriptBuf.length < MAX_SCRIPT) scriptBuf += text;
          return;
        }
        if (anchor && anchor.text !== undefined && anchor.text.length < MAX_TEXT) anchor.text += text;
        if (block !== null && blockText.length < MAX_BLOCK) blockText += text;
        forms.text(text);
      },
      onclosetag(name) {
        if (name === 'script') {
          if (inScript && scriptBuf.trim() !== '') out.scripts.push(scriptBuf);
          inScript = false;
          scriptBuf = '';
        } else if (name === 'a' && anchor) {
          const t = anchor.text?.trim();
          // most link texts are already one run of single spaces: skip the rewrite for them
          anchor.text = t !== undefined && SPACE_TO_FOLD.test(t) ? t.replace(/\s+/g, ' ') : t;
          anchor = null;
        }
        if (name === block) {
          if (/ HTTP\/(?:1\.[01]|2)\b/.test(blockText)) out.examples.push(blockText);
          block = null;
          blockText = '';
        }
        forms.close(name);
      },
  });
  out.forms = forms.end();
  return out;
}
