// SQL Injection: error-based (a DBMS error the baseline lacks), boolean-based (a true condition
// leaves the page as it was and a false one changes it, twice with fresh numbers) and time-based
// (a sleep beyond the baseline's latency, confirmed with a second, different delay), in string and
// numeric contexts, on query, body, JSON, cookie and header points.
import type { HttpExchange, HttpRequestSpec } from '../core/model.js';
import { attackPoints, Latency, randomNumber, type AttackPoint } from './definitions/injection-points.js';
import {
  BOOLEAN_PAIRS,
  ERROR_PROBE,
  findErrorSignature,
  similarity,
  SLEEP_DELAYS,
  SLEEP_PAYLOADS,
  SQL_TOKENS,
  unreflect,
} from './definitions/sql-injection.js';
import { learnFilter, type FilterProfile } from './definitions/input-filter.js';
import { pointFinding, pointKey, trySend } from './support.js';
import type { Check, CheckContext, CheckMeta, FindingDraft } from './types.js';

export const meta: CheckMeta = {
  id: 'sql-injection',
  item: 'SQL Injection',
  title: 'SQL injection',
  severity: 'high',
  confidence: 'firm',
  cwe: 89,
  references: [
    'https://cwe.mitre.org/data/definitions/89.html',
    'https://owasp.org/www-community/attacks/SQL_Injection',
    'https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html',
  ],
  remediation:
    'Build every query with bound parameters (prepared statements) instead of string concatenation, including values taken from cookies and headers; where identifiers must vary, pick them from an allowlist. Do not show database errors to users.',
  requestBudget: 60,
  perTarget: true,
};

type Send = (spec: HttpRequestSpec, timeoutMs?: number) => Promise<HttpExchange | null>;

/** Quote breakers, the first one the filter lets through is sent. */
// the last one is balanced (for filters that want quotes in pairs): a word glued after the closed string
const ERROR_PROBES = [ERROR_PROBE, "'", '"', "')", "'wsc'"];

function filterNote(profile: FilterProfile, family: string): string {
  return profile.filtered ? ` ${profile.describe().replace(/^./, (c) => c.toUpperCase())}: passed with the ${family} form.` : '';
}

function filterExtra(profile: FilterProfile): Record<string, unknown> {
  return profile.filtered ? { filter: profile.describe() } : {};
}

async function errorBased(send: Send, ap: AttackPoint, base: HttpExchange, profile: FilterProfile): Promise<FindingDraft | null> {
  const probe = ERROR_PROBES.find((p) => profile.passes(ap.point.value + p));
  if (probe === undefined) return null;
  const payload = ap.point.value + probe;
  const ex = await send(ap.point.build(payload));
  if (!ex) return null;
  const sig = findErrorSignature(ex.response.body);
  // the message must be new: a page that always shows it (a help page about SQL errors) proves nothing
  if (!sig || base.response.body.includes(sig.text) || findErrorSignature(base.response.body)?.dbms === sig.dbms) return null;
  return pointFinding(ap.point, ex, payload, `${sig.text}\n${sig.dbms} error message caused by the quote characters ${probe} appended to "${ap.point.value}"; the normal response has none.${filterNote(profile, 'quote breaker')}`, 'firm', { technique: 'error', dbms: sig.dbms, ...filterExtra(profile) });
}

async function booleanBased(send: Send, ap: AttackPoint, base: HttpExchange, stable: number, profile: FilterProfile): Promise<FindingDraft | null> {
  const v = ap.point.value;
  const numeric = /^-?\d+(?:\.\d+)?$/.test(v);
  const pairs = BOOLEAN_PAIRS.filter((p) => ((p.context === 'numeric') === numeric || (numeric && p.context === 'string')) && (!p.filtered || profile.filtered));
  const same = (a: HttpExchange, payload: string): number =>
    a.response.status !== base.response.status ? 0 : similarity(unreflect(a.response.body, payload, v), base.response.body);
  // noise in the page itself sets how close "the same page" has to be
  const sameBar = Math.min(0.98, stable - 0.02);
  for (const pair of pairs) {
    const rounds: { t: HttpExchange; f: HttpExchange; tp: string; fp: string; ts: number; fs: number }[] = [];
    for (let round = 0; round < 2; round++) {
      const a = randomNumber(1000, 9000);
      const b = a + randomNumber(1, 900);
      const values = pair.full ? pair.full(v, a, b) : pair.pair ? pair.pair(a, b).map((x) => v + x) : null;
      if (!values) break;
      const [tp, fp] = values as [string, string];
      if (!profile.passes(tp) || !profile.passes(fp)) break;
      const t = await send(ap.point.build(tp));
      if (!t) return null;
      const tSim = same(t, tp);
      if (tSim < sameBar) break;
      const f = await send(ap.point.build(fp));
      if (!f) return null;
      const fSim = same(f, fp);
      // the false page must differ clearly from the original and from the true page
      if (fSim >= sameBar || fSim > tSim - 0.02) break;
      rounds.push({ t, f, tp, fp, ts: tSim, fs: fSim });
    }
    if (rounds.length < 2) continue;
    const [r1, r2] = rounds as [(typeof rounds)[0], (typeof rounds)[0]];
    // the two false pages must agree with each other: the condition, not chance, decided them
    if (similarity(unreflect(r1.f.response.body, r1.fp, v), unreflect(r2.f.response.body, r2.fp, v)) < sameBar) continue;
    if (pair.control) {
      const cv = pair.control(v);
      const c = await send(ap.point.build(cv));
      if (!c || same(c, cv) >= sameBar) continue;
    }
    const proof =
      `${r2.fp}\nBoolean condition in ${pair.context} context (${pair.family}) changes the page: true conditions (${r1.tp} ; ${r2.tp}) return the original page ` +
      `(similarity ${r1.ts.toFixed(2)}, ${r2.ts.toFixed(2)}), false conditions (${r1.fp} ; ${r2.fp}) do not (similarity ${r1.fs.toFixed(2)}, ${r2.fs.toFixed(2)}; ` +
      `status ${r2.f.response.status}, ${r2.f.response.body.length} vs ${base.response.body.length} characters).${pair.control ? ` The same value with its quote doubled (${pair.control(v)}) is another string to SQL and another page: no sanitiser stripped the quotes.` : ''}${filterNote(profile, pair.family)}`;
    return pointFinding(ap.point, r2.f, r2.fp, proof, 'firm', { technique: 'boolean', context: pair.context, family: pair.family, truePayload: r2.tp, ...filterExtra(profile) });
  }
  return null;
}

async function timeBased(send: Send, ap: AttackPoint, latency: Latency, signal: AbortSignal, profile: FilterProfile): Promise<FindingDraft | null> {
  const v = ap.point.value;
  const numeric = /^-?\d+(?:\.\d+)?$/.test(v);
  const [d1, d2] = SLEEP_DELAYS;
  if (latency.tooNoisyFor(d1)) return null;
  const timed = async (suffix: string, d: number): Promise<{ ex: HttpExchange; payload: string } | null> => {
    const payload = v + suffix.replace(/\{d\}/g, String(d));
    const ex = await send(ap.point.build(payload), d * 1000 + 8000);
    return ex ? { ex, payload } : null;
  };
  for (const sp of SLEEP_PAYLOADS) {
    if (signal.aborted) return null;
    if (sp.context === 'numeric' && !numeric) continue;
    if (sp.filtered && !profile.filtered) continue;
    if (!profile.passes(v + sp.suffix.replace(/\{d\}/g, String(d1)))) continue;
    const first = await timed(sp.suffix, d1);
    if (!first || !latency.slept(first.ex.response.timeMs, d1)) continue;
    // a zero delay must come back at normal speed: the slowness follows the number we chose
    const zero = await timed(sp.suffix, 0);
    if (!zero || latency.slept(zero.ex.response.timeMs, d1)) continue;
    const second = await timed(sp.suffix, d2);
    if (!second || !latency.slept(second.ex.response.timeMs, d2)) continue;
    const proof =
      `${second.payload}\n${sp.dbms} sleep in ${sp.context} context (${sp.family}): ${d1} s took ${Math.round(first.ex.response.timeMs)} ms, 0 s took ${Math.round(zero.ex.response.timeMs)} ms, ` +
      `${d2} s took ${Math.round(second.ex.response.timeMs)} ms; baseline ${latency.describe()}.${filterNote(profile, sp.family)}`;
    return pointFinding(ap.point, second.ex, second.payload, proof, 'firm', { technique: 'time', dbms: sp.dbms, context: sp.context, family: sp.family, delays: [d1, 0, d2], ...filterExtra(profile) });
  }
  return null;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const points = attackPoints(ctx, { locations: ['query', 'body', 'multipart', 'json', 'xml', 'cookie', 'header'], headersOncePerPath: true, cookiesFromCrawl: true });
  const send: Send = (spec, timeoutMs) => trySend(ctx, spec, { followRedirects: false, ...(timeoutMs ? { timeoutMs } : {}) });
  const found = new Set<string>();
  let done = 0;
  for (const ap of points) {
    if (ctx.signal.aborted) return;
    ctx.progress?.(done++, points.length);
    const key = pointKey(ctx, ap.request.url, ap.point.name);
    if (found.has(key)) continue;
    const b1 = await send(ap.point.build(ap.point.value));
    const b2 = b1 && (await send(ap.point.build(ap.point.value)));
    if (!b1 || !b2) continue;
    const latency = new Latency();
    latency.add(b1.response.timeMs);
    latency.add(b2.response.timeMs);
    const stable = b1.response.status === b2.response.status ? similarity(b1.response.body, b2.response.body) : 0;
    // what a filter in front of the point lets through decides which payload families are tried
    const profile = await learnFilter((v) => send(ap.point.build(v)), ap.point.value, SQL_TOKENS, b1, {
      reflections: false,
      notRefusal: (ex) => findErrorSignature(ex.response.body) !== null,
    });
    let f = await errorBased(send, ap, b1, profile);
    if (!f && !ctx.signal.aborted && stable >= 0.9) f = await booleanBased(send, ap, b1, stable, profile);
    if (!f && !ctx.signal.aborted) f = await timeBased(send, ap, latency, ctx.signal, profile);
    if (f) {
      found.add(key);
      yield f;
    }
  }
  ctx.progress?.(points.length, points.length);
}

export const sqlInjection: Check = { meta, run };
