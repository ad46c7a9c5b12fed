// What an input filter in front of an insertion point lets through, learnt from cheap probes before
// the injection checks (SQL, XSS, command) pick their payloads, as XSStrike and sqlmap do: which
// characters and keywords come back raw, encoded or stripped, which make the application refuse
// the request, and which need a partner (a quote or parenthesis accepted only in pairs). A payload
// family is then tried only where the profile says it can pass, and the finding names the filter.
import type { HttpExchange } from '../../core/model.js';
import { randomNumber } from './injection-points.js';

/** Token standing for every letter (see contains). */
export const LETTERS = 'letters';

export type Fate = 'raw' | 'encoded' | 'stripped' | 'rejected' | 'unseen';

// Status codes and words of "bad input" answers; a 500 is not one (a broken query shows as that).
const REFUSAL_STATUS = new Set([400, 403, 406, 409, 422]);
const REFUSAL_WORDS = /\b(?:bad input|invalid (?:input|value|characters?)|not allowed|illegal characters?|forbidden characters?|rejected|blocked by|malicious)\b/i;

/** Whether `ex` is the application refusing the value, where `base` (when given) was not refused; without a base only the status tells. */
export function isRefusal(ex: HttpExchange, base: HttpExchange | null): boolean {
  const s = ex.response.status;
  if (base && base.response.status === s && REFUSAL_WORDS.test(base.response.body) === REFUSAL_WORDS.test(ex.response.body)) return false;
  if (REFUSAL_STATUS.has(s)) return true;
  // words alone count only against a normal answer that lacks them: many pages talk about what is "not allowed"
  return base !== null && s < 300 && REFUSAL_WORDS.test(ex.response.body) && !REFUSAL_WORDS.test(base.response.body);
}

/** Tokens whose lone form may be refused while a pair is accepted ("quotes must balance"). */
const PAIRS: Record<string, string> = { "'": "''", '"': '""', '(': '()', ')': '()' };

export interface FilterProfile {
  /** Fate of each probed token (unseen: accepted but not reflected, or not probed alone). */
  fates: Map<string, Fate>;
  /** The probes were refused as a whole: some token is filtered. */
  filtered: boolean;
  /** A shape the value must have to be accepted at all (learnt from a refused plain value). */
  requirement: { name: string; test: RegExp; pad: string } | null;
  /** Whether a whole value (original + payload) gets past what was learnt. */
  passes(value: string): boolean;
  /** Makes a payload meet the requirement (appends the shape when it lacks it). */
  fit(payload: string): string;
  /** One line for the finding: what the filter does, e.g. "refuses AND, SELECT and spaces". */
  describe(): string;
}

function show(token: string): string {
  if (token === ' ') return 'spaces';
  if (token === '\n') return 'newlines';
  return token;
}

function contains(value: string, token: string): boolean {
  // the probe "letters" stands for any letter: a filter refusing it leaves only letter-free payloads
  if (token === LETTERS) return /[A-Za-z]/.test(value);
  if (/^[A-Za-z]+$/.test(token)) return new RegExp(`(?:^|[^A-Za-z0-9_])${token}(?:[^A-Za-z0-9_]|$)`, 'i').test(value);
  if (token === ' ') return /[ \t]/.test(value);
  return value.includes(token);
}

function balanced(value: string, token: string): boolean {
  if (token === '(' || token === ')') return value.split('(').length === value.split(')').length;
  return (value.split(token).length - 1) % 2 === 0;
}

export function profileOf(fates: Map<string, Fate>, filtered: boolean, requirement: FilterProfile['requirement'] = null): FilterProfile {
  const blocked = (t: string): boolean => {
    const f = fates.get(t);
    return f === 'rejected' || f === 'stripped' || f === 'encoded';
  };
  const pairRule = (t: string): boolean => PAIRS[t] !== undefined && fates.get(PAIRS[t]!) !== undefined && !blocked(PAIRS[t]!);
  return {
    fates,
    filtered,
    requirement,
    passes(value) {
      if (requirement && !requirement.test.test(value)) return false;
      for (const [t, f] of fates) {
        if (f !== 'rejected' && f !== 'stripped' && f !== 'encoded') continue;
        if (!contains(value, t)) continue;
        if (pairRule(t) && balanced(value, t)) continue;
        return false;
      }
      return true;
    },
    fit(payload) {
      return requirement && !requirement.test.test(payload) ? payload + requirement.pad : payload;
    },
    describe() {
      const by = (want: Fate): string[] => [...fates].filter(([t, f]) => f === want && !(PAIRS[t] && pairRule(t))).map(([t]) => show(t));
      const pairs = [...fates].filter(([t, f]) => f === 'rejected' && pairRule(t)).map(([t]) => t);
      const parts: string[] = [];
      if (requirement) parts.push(`accepts only values holding ${requirement.name}`);
      if (by('rejected').length) parts.push(`refuses ${by('rejected').join(' ')}`);
      if (pairs.length) parts.push(`accepts ${[...new Set(pairs.map((p) => PAIRS[p]))].join(' ')} only in pairs`);
      if (by('stripped').length) parts.push(`strips ${by('stripped').join(' ')}`);
      if (by('encoded').length) parts.push(`encodes ${by('encoded').join(' ')}`);
      return parts.length === 0 ? 'no input filter seen' : `input filter ${parts.join(', ')}`;
    },
  };
}

/** A profile for points whose filter was not probed: every payload may be tried. */
export const OPEN_PROFILE: FilterProfile = profileOf(new Map(), false);

function fateOf(back: string, sent: string): Fate {
  if (back.toLowerCase() === sent.toLowerCase()) return 'raw';
  // a keyword cut out of its dots, or a character dropped
  if (back === '' || (sent.startsWith('.') && back === '..')) return 'stripped';
  return 'encoded';
}

const RANK: Record<Fate, number> = { raw: 4, encoded: 3, stripped: 2, rejected: 1, unseen: 0 };

/**
 * The fate of `sent` between markers `from` and `to`, over every place the page reflects it: a page
 * that shows the value escaped in an error box and raw in a script lets the raw one decide.
 */
function bestFate(body: string, from: string, to: string, sent: string): Fate {
  let best: Fate = 'unseen';
  for (let a = body.indexOf(from), n = 0; a !== -1 && n < 20; a = body.indexOf(from, a + from.length), n++) {
    const b = body.indexOf(to, a + from.length);
    if (b === -1) break;
    // a segment running past the next reflection is two reflections apart, not one
    if (b - a > sent.length * 8 + 64) continue;
    const f = fateOf(body.slice(a + from.length, b), sent);
    if (RANK[f] > RANK[best]) best = f;
    if (best === 'raw') break;
  }
  return best;
}

export type SendValue = (value: string) => Promise<HttpExchange | null>;

/**
 * Learns the fate of `tokens` appended to `prefix`: one request holding them all between digit
 * markers (digits pass every filter a letter-free or keyword filter would apply); when that one is
 * refused, a request with a harmless digit suffix (refused too: the point takes only its own shape,
 * and nothing more is learnt), then one request per token. Reflections tell raw, encoded, stripped.
 */
export interface LearnOptions {
  /** Read reflections (XSS); SQL and command pages echo the value escaped for HTML, which says nothing about what reaches the query. Default true. */
  reflections?: boolean;
  /**
   * Whether the probe's answer is the page the plain value got: a probe that took another code path
   * (its quote broke a query and an error page shows the value escaped) says nothing about the filter.
   * `markers` are the first and last markers of the probe: a page cutting it short (an error message
   * quoting only part of it) did not reflect it where the plain value went either.
   */
  samePage?: (ex: HttpExchange, markers: readonly string[]) => boolean;
  /** An answer that is the flaw's own signal (a DBMS error) is never a refusal. */
  notRefusal?: (ex: HttpExchange) => boolean;
}

export async function learnFilter(send: SendValue, prefix: string, tokens: readonly string[], base: HttpExchange | null, opts: LearnOptions = {}): Promise<FilterProfile> {
  const reflections = opts.reflections ?? true;
  const refused = (ex: HttpExchange): boolean => isRefusal(ex, base) && !(opts.notRefusal?.(ex) ?? false);
  const fates = new Map<string, Fate>();
  const m = String(randomNumber(100_000, 999_999));
  const mark = (i: number): string => `${m}${10 + i}`;
  // a keyword glued to digits is no word to a \b filter: dots set it apart
  const word = (t: string): string => (/^[A-Za-z]+$/.test(t) ? `.${t}.` : t);
  const all = prefix + tokens.map((t, i) => mark(i) + word(t)).join('') + mark(tokens.length);
  const ex = await send(all);
  if (!ex) return OPEN_PROFILE;
  if (!refused(ex)) {
    if (!reflections || (opts.samePage && !opts.samePage(ex, [mark(0), mark(tokens.length)]))) return OPEN_PROFILE;
    const body = ex.response.body;
    tokens.forEach((t, i) => fates.set(t, bestFate(body, mark(i), mark(i + 1), word(t))));
    return profileOf(fates, [...fates.values()].some((f) => f === 'stripped' || f === 'encoded'));
  }
  const harmless = await send(`${prefix}${m}`);
  if (!harmless || refused(harmless)) {
    for (const t of tokens) fates.set(t, 'rejected');
    return profileOf(fates, true);
  }
  for (const t of tokens) {
    const one = await send(`${prefix}${mark(0)}${word(t)}${mark(1)}`);
    if (!one) continue;
    if (refused(one)) {
      fates.set(t, 'rejected');
      continue;
    }
    if (opts.samePage && !opts.samePage(one, [mark(0), mark(1)])) {
      fates.set(t, 'unseen');
      continue;
    }
    if (!reflections) {
      fates.set(t, 'raw');
      continue;
    }
    fates.set(t, bestFate(one.response.body, mark(0), mark(1), word(t)));
  }
  return profileOf(fates, true);
}

/** Shapes a refused plain value may be missing, cheapest first: markup, quotes, parentheses, a URL. */
export const REQUIRED_SHAPES: readonly { name: string; wrap: (c: string) => string; test: RegExp; pad: string }[] = [
  { name: 'markup', wrap: (c) => `<b>${c}</b>`, test: /<[a-z][^>]*>/i, pad: '<b></b>' },
  { name: 'a URL', wrap: (c) => `http://example.com/${c}`, test: /https?:\/\//i, pad: ' http://example.com/' },
  { name: 'a pair of quotes', wrap: (c) => `"${c}"`, test: /"[^"]*"|'[^']*'/, pad: '""' },
  { name: 'parentheses', wrap: (c) => `(${c})`, test: /\([^)]*\)/, pad: '()' },
];
