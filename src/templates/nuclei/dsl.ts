// The expression language of Nuclei templates' `dsl` matchers, extractors and {{...}} values: a
// small govaluate-like grammar (|| && ! comparisons =~ + - * / %, calls, literals) and the helper
// functions templates commonly use. Expressions are parsed once, at load time, so a template that
// names an unknown function or variable is known to be unsupported before anything is sent.
import { createHash } from 'node:crypto';
import { compareVersions } from './versions.js';
import { mmh3 } from './mmh3.js';

export type Value = string | number | boolean;

export type Expr =
  | { k: 'lit'; v: Value }
  | { k: 'var'; name: string }
  | { k: 'call'; fn: string; args: Expr[] }
  | { k: 'not'; e: Expr }
  | { k: 'neg'; e: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr };

export class DslError extends Error {
  override name = 'DslError';
}

type Tok = { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'id'; v: string } | { t: 'op'; v: string };

const OPS = ['||', '&&', '==', '!=', '<=', '>=', '=~', '!~', '<', '>', '+', '-', '*', '/', '%', '!', '(', ')', ','];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let s = '';
      i++;
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\\' && c !== '`' && i + 1 < src.length) {
          const n = src[i + 1] as string;
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === '\\' || n === c ? n : '\\' + n;
          i += 2;
        } else s += src[i++];
      }
      if (i >= src.length) throw new DslError(`unterminated string in ${JSON.stringify(src)}`);
      i++;
      out.push({ t: 'str', v: s });
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|\d+(\.\d+)?)/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new DslError(`unexpected ${JSON.stringify(c)} in ${JSON.stringify(src)}`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

const LEVELS: string[][] = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>=', '=~', '!~'], ['+', '-'], ['*', '/', '%']];

export function parseDsl(src: string): Expr {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const isOp = (v: string): boolean => {
    const t = peek();
    return t?.t === 'op' && t.v === v;
  };
  const expect = (v: string): void => {
    if (!isOp(v)) throw new DslError(`expected "${v}" in ${JSON.stringify(src)}`);
    p++;
  };
  const level = (n: number): Expr => {
    if (n === LEVELS.length) return unary();
    let a = level(n + 1);
    for (;;) {
      const t = peek();
      if (t?.t !== 'op' || !(LEVELS[n] as string[]).includes(t.v)) return a;
      p++;
      a = { k: 'bin', op: t.v, a, b: level(n + 1) };
    }
  };
  const unary = (): Expr => {
    if (isOp('!')) {
      p++;
      return { k: 'not', e: unary() };
    }
    if (isOp('-')) {
      p++;
      return { k: 'neg', e: unary() };
    }
    return primary();
  };
  const primary = (): Expr => {
    const t = toks[p++];
    if (!t) throw new DslError(`unexpected end of ${JSON.stringify(src)}`);
    if (t.t === 'num' || t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'op' && t.v === '(') {
      const e = level(0);
      expect(')');
      return e;
    }
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (isOp('(')) {
        p++;
        const args: Expr[] = [];
        if (!isOp(')')) {
          for (;;) {
            args.push(level(0));
            if (isOp(',')) p++;
            else break;
          }
        }
        expect(')');
        return { k: 'call', fn: t.v, args };
      }
      return { k: 'var', name: t.v };
    }
    throw new DslError(`unexpected "${t.v}" in ${JSON.stringify(src)}`);
  };
  const e = level(0);
  if (p !== toks.length) throw new DslError(`unexpected "${String(toks[p]?.v)}" in ${JSON.stringify(src)}`);
  return e;
}

/** Function and variable names an expression uses, for the load-time support check. */
export function namesOf(e: Expr, fns = new Set<string>(), vars = new Set<string>()): { fns: Set<string>; vars: Set<string> } {
  if (e.k === 'var') vars.add(e.name);
  else if (e.k === 'call') {
    fns.add(e.fn);
    for (const a of e.args) namesOf(a, fns, vars);
  } else if (e.k === 'not' || e.k === 'neg') namesOf(e.e, fns, vars);
  else if (e.k === 'bin') {
    namesOf(e.a, fns, vars);
    namesOf(e.b, fns, vars);
  }
  return { fns, vars };
}

export function str(v: Value): string {
  return typeof v === 'string' ? v : String(v);
}

function num(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n)) throw new DslError(`"${v.slice(0, 40)}" is not a number`);
  return n;
}

export function truthy(v: Value): boolean {
  return typeof v === 'boolean' ? v : typeof v === 'number' ? v !== 0 : v !== '' && v !== 'false';
}

function hash(alg: string, v: Value): string {
  return createHash(alg).update(toBytes(str(v))).digest('hex');
}

/**
 * Text to bytes for hashing. Binary bodies are held as latin1 code units, so a string with nothing
 * above U+00FF is taken as bytes; anything wider is UTF-8 text (an accented page that decoded as
 * UTF-8 then hashes as latin1, a difference only hashes of such pages can show).
 */
export function toBytes(s: string): Buffer {
  return /[^\u0000-\u00ff]/.test(s) ? Buffer.from(s, 'utf8') : Buffer.from(s, 'latin1');
}

function randomText(n: number, chars: string): string {
  let s = '';
  for (let i = 0; i < n; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function regexOf(pattern: string): RegExp {
  // Go's RE2 inline flags at the start ((?i), (?s), (?m)) become JavaScript flags
  const m = /^\(\?([ims]+)\)/.exec(pattern);
  return m ? new RegExp(pattern.slice(m[0].length), [...new Set(m[1])].join('')) : new RegExp(pattern);
}
export { regexOf };

type Fn = (args: Value[]) => Value;
const arity = (min: number, max: number, f: Fn): { min: number; max: number; f: Fn } => ({ min, max, f });
const s0 = (a: Value[]): string => str(a[0] as Value);

export const FUNCTIONS: Record<string, { min: number; max: number; f: Fn }> = {
  contains: arity(2, 2, (a) => s0(a).includes(str(a[1] as Value))),
  contains_all: arity(2, 99, (a) => a.slice(1).every((x) => s0(a).includes(str(x)))),
  contains_any: arity(2, 99, (a) => a.slice(1).some((x) => s0(a).includes(str(x)))),
  equals_any: arity(2, 99, (a) => a.slice(1).some((x) => str(x) === s0(a))),
  starts_with: arity(2, 99, (a) => a.slice(1).some((x) => s0(a).startsWith(str(x)))),
  ends_with: arity(2, 99, (a) => a.slice(1).some((x) => s0(a).endsWith(str(x)))),
  line_starts_with: arity(2, 99, (a) => s0(a).split(/\r?\n/).some((l) => a.slice(1).some((x) => l.startsWith(str(x))))),
  line_ends_with: arity(2, 99, (a) => s0(a).split(/\r?\n/).some((l) => a.slice(1).some((x) => l.endsWith(str(x))))),
  regex: arity(2, 2, (a) => regexOf(s0(a)).test(str(a[1] as Value))),
  regex_any: arity(2, 99, (a) => a.slice(1).some((x) => regexOf(str(x)).test(s0(a)))),
  regex_all: arity(2, 99, (a) => a.slice(1).every((x) => regexOf(str(x)).test(s0(a)))),
  to_lower: arity(1, 1, (a) => s0(a).toLowerCase()),
  tolower: arity(1, 1, (a) => s0(a).toLowerCase()),
  to_upper: arity(1, 1, (a) => s0(a).toUpperCase()),
  toupper: arity(1, 1, (a) => s0(a).toUpperCase()),
  trim: arity(1, 2, (a) => (a.length === 1 ? s0(a).trim() : trimSet(s0(a), str(a[1] as Value), true, true))),
  trim_space: arity(1, 1, (a) => s0(a).trim()),
  trim_left: arity(2, 2, (a) => trimSet(s0(a), str(a[1] as Value), true, false)),
  trim_right: arity(2, 2, (a) => trimSet(s0(a), str(a[1] as Value), false, true)),
  trim_prefix: arity(2, 2, (a) => (s0(a).startsWith(str(a[1] as Value)) ? s0(a).slice(str(a[1] as Value).length) : s0(a))),
  trim_suffix: arity(2, 2, (a) => (str(a[1] as Value) !== '' && s0(a).endsWith(str(a[1] as Value)) ? s0(a).slice(0, -str(a[1] as Value).length) : s0(a))),
  replace: arity(3, 3, (a) => s0(a).split(str(a[1] as Value)).join(str(a[2] as Value))),
  replace_regex: arity(3, 3, (a) => s0(a).replace(new RegExp(regexOf(str(a[1] as Value)).source, 'g'), str(a[2] as Value))),
  len: arity(1, 1, (a) => s0(a).length),
  concat: arity(1, 99, (a) => a.map(str).join('')),
  repeat: arity(2, 2, (a) => s0(a).repeat(Math.min(10_000, Math.max(0, num(a[1] as Value))))),
  reverse: arity(1, 1, (a) => [...s0(a)].reverse().join('')),
  substr: arity(2, 3, (a) => s0(a).slice(num(a[1] as Value), a.length > 2 ? num(a[2] as Value) : undefined)),
  md5: arity(1, 1, (a) => hash('md5', a[0] as Value)),
  sha1: arity(1, 1, (a) => hash('sha1', a[0] as Value)),
  sha256: arity(1, 1, (a) => hash('sha256', a[0] as Value)),
  sha512: arity(1, 1, (a) => hash('sha512', a[0] as Value)),
  mmh3: arity(1, 1, (a) => String(mmh3(toBytes(s0(a))))),
  base64: arity(1, 1, (a) => toBytes(s0(a)).toString('base64')),
  base64_py: arity(1, 1, (a) => (toBytes(s0(a)).toString('base64').match(/.{1,76}/g) ?? []).map((l) => l + '\n').join('')),
  base64_decode: arity(1, 1, (a) => Buffer.from(s0(a), 'base64').toString('latin1')),
  hex_encode: arity(1, 1, (a) => toBytes(s0(a)).toString('hex')),
  hex_decode: arity(1, 1, (a) => Buffer.from(s0(a), 'hex').toString('latin1')),
  url_encode: arity(1, 1, (a) => encodeURIComponent(s0(a))),
  url_decode: arity(1, 1, (a) => decodeURIComponent(s0(a).replace(/\+/g, ' '))),
  html_escape: arity(1, 1, (a) => s0(a).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;')),
  html_unescape: arity(1, 1, (a) => s0(a).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')),
  to_number: arity(1, 1, (a) => num(a[0] as Value)),
  to_string: arity(1, 1, (a) => s0(a)),
  dec_to_hex: arity(1, 1, (a) => Math.trunc(num(a[0] as Value)).toString(16)),
  hex_to_dec: arity(1, 1, (a) => parseInt(s0(a).replace(/^0x/i, ''), 16)),
  compare_versions: arity(2, 99, (a) => compareVersions(s0(a), a.slice(1).map(str))),
  unix_time: arity(0, 1, (a) => Math.floor(Date.now() / 1000) + (a.length > 0 ? num(a[0] as Value) : 0)),
  rand_base: arity(1, 2, (a) => randomText(num(a[0] as Value), a.length > 1 && str(a[1] as Value) !== '' ? str(a[1] as Value) : ALNUM)),
  rand_char: arity(0, 1, (a) => randomText(1, a.length > 0 && str(a[0] as Value) !== '' ? str(a[0] as Value) : ALNUM)),
  rand_int: arity(0, 2, (a) => {
    const min = a.length > 0 ? num(a[0] as Value) : 0;
    const max = a.length > 1 ? num(a[1] as Value) : 2 ** 31 - 1;
    return min + Math.floor(Math.random() * Math.max(1, max - min));
  }),
  rand_text_alpha: arity(1, 2, (a) => randomText(num(a[0] as Value), ALNUM.slice(0, 52))),
  rand_text_alphanumeric: arity(1, 2, (a) => randomText(num(a[0] as Value), ALNUM)),
  rand_text_numeric: arity(1, 2, (a) => randomText(num(a[0] as Value), '0123456789')),
};

function trimSet(s: string, set: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  while (left && a < b && set.includes(s[a] as string)) a++;
  while (right && b > a && set.includes(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

/** Evaluates; an unknown variable is a DslError (the support check keeps that from happening). */
export function evalDsl(e: Expr, vars: Readonly<Record<string, Value>>): Value {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'var': {
      const v = vars[e.name];
      if (v === undefined) throw new DslError(`unknown variable ${e.name}`);
      return v;
    }
    case 'not':
      return !truthy(evalDsl(e.e, vars));
    case 'neg':
      return -num(evalDsl(e.e, vars));
    case 'call': {
      const f = FUNCTIONS[e.fn];
      if (!f) throw new DslError(`unknown function ${e.fn}`);
      if (e.args.length < f.min || e.args.length > f.max) throw new DslError(`${e.fn} takes ${f.min === f.max ? f.min : `${f.min}-${f.max}`} arguments`);
      return f.f(e.args.map((x) => evalDsl(x, vars)));
    }
    case 'bin': {
      if (e.op === '&&') return truthy(evalDsl(e.a, vars)) && truthy(evalDsl(e.b, vars));
      if (e.op === '||') return truthy(evalDsl(e.a, vars)) || truthy(evalDsl(e.b, vars));
      const a = evalDsl(e.a, vars);
      const b = evalDsl(e.b, vars);
      const numeric = typeof a !== 'string' || typeof b !== 'string' ? isNum(a) && isNum(b) : false;
      switch (e.op) {
        case '==':
          return numeric ? num(a) === num(b) : str(a) === str(b);
        case '!=':
          return numeric ? num(a) !== num(b) : str(a) !== str(b);
        case '<':
          return num(a) < num(b);
        case '<=':
          return num(a) <= num(b);
        case '>':
          return num(a) > num(b);
        case '>=':
          return num(a) >= num(b);
        case '=~':
          return regexOf(str(b)).test(str(a));
        case '!~':
          return !regexOf(str(b)).test(str(a));
        case '+':
          return typeof a === 'number' && typeof b === 'number' ? a + b : str(a) + str(b);
        case '-':
          return num(a) - num(b);
        case '*':
          return num(a) * num(b);
        case '/':
          return num(a) / num(b);
        case '%':
          return num(a) % num(b);
        default:
          throw new DslError(`unknown operator ${e.op}`);
      }
    }
  }
}

function isNum(v: Value): boolean {
  return typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
}
