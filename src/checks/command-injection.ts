// OS Command Injection: echo of a random marker glued to an arithmetic result the shell computes
// (the payload holds the expression, the page must hold its value; repeated with new numbers),
// time-based sleeps beyond the baseline latency with two delays, and, for blind cases, a fetch of
// an OAST URL. Unix separators and substitutions, and cmd.exe forms.
import type { HttpExchange, HttpRequestSpec } from '../core/model.js';
import { attackPoints, Latency, randomNumber, randomToken, type AttackPoint } from './definitions/injection-points.js';
import { learnFilter, type FilterProfile } from './definitions/input-filter.js';
import {
  CMD_TOKENS,
  ifsSpaced,
  echoCommand,
  echoExpected,
  fetchCommand,
  SLEEP_DELAYS,
  sleepCommand,
  UNIX_FORMS,
  WINDOWS_FORMS,
  type CommandForm,
} from './definitions/command-injection.js';
import { pointFinding, pointKey, trySend } from './support.js';
import type { Check, CheckContext, CheckMeta, FindingDraft, OastProbe } from './types.js';

export const meta: CheckMeta = {
  id: 'command-injection',
  item: 'Command Injection',
  title: 'OS command injection',
  severity: 'high',
  confidence: 'firm',
  cwe: 78,
  references: [
    'https://cwe.mitre.org/data/definitions/78.html',
    'https://owasp.org/www-community/attacks/Command_Injection',
    'https://cheatsheetseries.owasp.org/cheatsheets/OS_Command_Injection_Defense_Cheat_Sheet.html',
  ],
  remediation:
    'Do not build shell command lines from input: call the program directly with an argument list (execFile/spawn without a shell, ProcessBuilder), or use a library API instead of a command. Validate values against an allowlist before they reach any process.',
  requestBudget: 40,
  perTarget: true,
};

const FORMS: readonly CommandForm[] = [...UNIX_FORMS, ...WINDOWS_FORMS];
const OAST_WAIT_MS = 3000;

type Send = (spec: HttpRequestSpec, timeoutMs?: number) => Promise<HttpExchange | null>;

function contains(body: string, expected: string, os: CommandForm['os']): boolean {
  if (os === 'unix') return body.toLowerCase().includes(expected.toLowerCase());
  return new RegExp(`(?:^|\\D)${expected}(?:\\D|$)`).test(body);
}

/** The forms the filter lets through, with spaces as ${IFS} where it refuses them. */
function formsFor(profile: FilterProfile, v: string, sample: (os: CommandForm['os']) => string): { form: CommandForm; cmd: (c: string) => string }[] {
  const ifs = profile.fates.get(' ') === 'rejected';
  const out: { form: CommandForm; cmd: (c: string) => string }[] = [];
  for (const form of FORMS) {
    const cmd = (c: string): string => (ifs && form.os === 'unix' ? ifsSpaced(c) : c);
    if (profile.passes(v + form.wrap(cmd(sample(form.os))))) out.push({ form, cmd });
  }
  return out;
}

function filterNote(profile: FilterProfile, via: string): string {
  if (!profile.filtered) return '';
  const ifs = profile.fates.get(' ') === 'rejected' ? ' and ${IFS} for spaces' : '';
  return ` ${profile.describe().replace(/^./, (c) => c.toUpperCase())}: passed with the ${via}${ifs}.`;
}

async function echoBased(send: Send, ap: AttackPoint, baseline: string, profile: FilterProfile): Promise<FindingDraft | null> {
  const v = ap.point.value;
  for (const { form, cmd } of formsFor(profile, v, (os) => echoCommand(os, 'wsc', 1, 1))) {
    const results: { ex: HttpExchange; payload: string; expected: string }[] = [];
    for (let round = 0; round < 2; round++) {
      const marker = `wsc${randomToken(5)}x`;
      const a = randomNumber(10_000, 99_999);
      const b = randomNumber(10_000, 99_999);
      const payload = v + form.wrap(cmd(echoCommand(form.os, marker, a, b)));
      const expected = echoExpected(form.os, marker, a, b);
      if (contains(baseline, expected, form.os)) break;
      const ex = await send(ap.point.build(payload));
      // the computed value must be in the page and cannot come from the payload text itself
      if (!ex || !contains(ex.response.body, expected, form.os) || payload.includes(expected)) break;
      results.push({ ex, payload, expected });
    }
    if (results.length < 2) continue;
    const last = results[1] as (typeof results)[0];
    const proof = `${last.expected}\nThe page holds ${last.expected}, the output of "${echoCommand(form.os, '', 0, 0).split(' ')[0]}" with a product only a ${form.os === 'unix' ? 'shell' : 'cmd.exe'} computes, injected with the ${form.name} (twice, with different random numbers: ${results.map((r) => r.expected).join(', ')}).${filterNote(profile, form.name)}`;
    return pointFinding(ap.point, last.ex, last.payload, proof, 'certain', { technique: 'echo', form: form.name, os: form.os, ...(profile.filtered ? { filter: profile.describe() } : {}) });
  }
  return null;
}

async function timeBased(send: Send, ap: AttackPoint, latency: Latency, signal: AbortSignal, profile: FilterProfile): Promise<FindingDraft | null> {
  const v = ap.point.value;
  const [d1, d2] = SLEEP_DELAYS;
  if (latency.tooNoisyFor(d1)) return null;
  const timed = async (form: CommandForm, cmd: (c: string) => string, d: number): Promise<{ ex: HttpExchange; payload: string } | null> => {
    const payload = v + form.wrap(cmd(sleepCommand(form.os, d)));
    const ex = await send(ap.point.build(payload), d * 1000 + 8000);
    return ex ? { ex, payload } : null;
  };
  for (const { form, cmd } of formsFor(profile, v, (os) => sleepCommand(os, 1))) {
    if (signal.aborted) return null;
    const first = await timed(form, cmd, d1);
    if (!first || !latency.slept(first.ex.response.timeMs, d1)) continue;
    const zero = await timed(form, cmd, 0);
    if (!zero || latency.slept(zero.ex.response.timeMs, d1)) continue;
    const second = await timed(form, cmd, d2);
    if (!second || !latency.slept(second.ex.response.timeMs, d2)) continue;
    const ms = (e: HttpExchange): number => Math.round(e.response.timeMs);
    const proof = `${second.payload}\n${sleepCommand(form.os, d1)} via the ${form.name} took ${ms(first.ex)} ms, a 0 s sleep ${ms(zero.ex)} ms, ${sleepCommand(form.os, d2)} ${ms(second.ex)} ms; baseline ${latency.describe()}.${filterNote(profile, form.name)}`;
    return pointFinding(ap.point, second.ex, second.payload, proof, 'firm', { technique: 'time', form: form.name, os: form.os, delays: [d1, 0, d2], ...(profile.filtered ? { filter: profile.describe() } : {}) });
  }
  return null;
}

interface Pending {
  ap: AttackPoint;
  probe: OastProbe;
  sent: Map<string, { ex: HttpExchange; payload: string; form: CommandForm }>;
}

async function oastSend(ctx: CheckContext, send: Send, ap: AttackPoint, profile: FilterProfile): Promise<Pending | null> {
  if (!ctx.oast) return null;
  const probe = ctx.oast.probe(`${ap.point.location}:${ap.point.name} ${ap.request.method} ${ap.request.url}`);
  const pending: Pending = { ap, probe, sent: new Map() };
  for (const [i, { form, cmd }] of formsFor(profile, ap.point.value, (os) => fetchCommand(os, probe.url)).entries()) {
    if (ctx.signal.aborted) break;
    // a path per form tells which one the target ran
    const tag = `f${i}`;
    const payload = ap.point.value + form.wrap(cmd(fetchCommand(form.os, `${probe.url}/${tag}`)));
    const ex = await send(ap.point.build(payload));
    if (ex) pending.sent.set(tag, { ex, payload, form });
  }
  return pending;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  const points = attackPoints(ctx, { locations: ['query', 'body', 'multipart', 'json', 'xml', 'cookie'], cookiesFromCrawl: true });
  const send: Send = (spec, timeoutMs) => trySend(ctx, spec, { followRedirects: false, ...(timeoutMs ? { timeoutMs } : {}) });
  const found = new Set<string>();
  const pending: Pending[] = [];
  let done = 0;
  const keyOf = (ap: AttackPoint): string => pointKey(ctx, ap.request.url, ap.point.name);
  for (const ap of points) {
    if (ctx.signal.aborted) return;
    ctx.progress?.(done++, points.length + 1);
    if (found.has(keyOf(ap))) continue;
    const b1 = await send(ap.point.build(ap.point.value));
    const b2 = b1 && (await send(ap.point.build(ap.point.value)));
    if (!b1 || !b2) continue;
    const latency = new Latency();
    latency.add(b1.response.timeMs);
    latency.add(b2.response.timeMs);
    // which separators, substitutions and spaces a filter lets through decides the forms tried
    const profile = await learnFilter((val) => send(ap.point.build(val)), ap.point.value, CMD_TOKENS, b1, { reflections: false });
    let f = await echoBased(send, ap, b1.response.body + b2.response.body, profile);
    if (!f && !ctx.signal.aborted) f = await timeBased(send, ap, latency, ctx.signal, profile);
    if (f) {
      found.add(keyOf(ap));
      yield f;
      continue;
    }
    const p = await oastSend(ctx, send, ap, profile);
    if (p) pending.push(p);
  }
  if (ctx.oast && pending.length > 0 && !ctx.signal.aborted) {
    // one wait for all blind probes: targets may run the command after they answered
    await ctx.oast.hits(pending.map((p) => p.probe.id), OAST_WAIT_MS);
    await new Promise((r) => setTimeout(r, 300));
    for (const p of pending) {
      if (found.has(keyOf(p.ap))) continue;
      const hits = await ctx.oast.hits([p.probe.id], 0);
      const hit = hits[0];
      if (!hit) continue;
      const tag = /\/(f\d+)(?:[/?]|$)/.exec(hit.path)?.[1] ?? '';
      const sent = p.sent.get(tag) ?? [...p.sent.values()][0];
      if (!sent) continue;
      found.add(keyOf(p.ap));
      const proof = `${hit.method} ${hit.path}\nThe OAST listener received ${hits.length} request(s) from ${hit.remote} (User-Agent: ${hit.headers['user-agent'] ?? '-'}) for the probe URL only this payload carried: the target ran the fetch command injected with the ${sent.form.name}.`;
      yield pointFinding(p.ap.point, sent.ex, sent.payload, proof, 'certain', { technique: 'oast', form: sent.form.name, os: sent.form.os, probe: p.probe.url });
    }
  }
  ctx.progress?.(1, 1);
}

export const commandInjection: Check = { meta, run };
