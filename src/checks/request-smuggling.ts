// HTTP Request Smuggling: raw-socket CL.TE, TE.CL and TE.TE (obfuscated Transfer-Encoding) probes.
// The timing technique comes first: a request whose framing leaves a disagreeing back-end waiting
// for bytes that never come times out where a normal request answers at once. A twice-seen timeout
// is then confirmed by a differential response on ONE connection of ours: the smuggled request for
// a random marker path swallows our own follow-up request, whose answer becomes the marker's. No
// byte is left over for another user's request, and nothing is sent on a shared connection.
import { randomBytes } from 'node:crypto';
import {
  baselineRequest,
  clTeTimingProbe,
  directMarkerRequest,
  followUp,
  smugglingRequest,
  TE_OBFUSCATIONS,
  TE_PLAIN,
  teClTimingProbe,
  type Direction,
  type Target,
  type TeHeader,
} from './definitions/request-smuggling.js';
import type { Check, CheckContext, CheckMeta, FindingDraft, RawExchange } from './types.js';

export const meta: CheckMeta = {
  id: 'request-smuggling',
  item: 'HTTP Request Smuggling',
  title: 'HTTP request smuggling (front-end and back-end disagree on request length)',
  severity: 'high',
  confidence: 'firm',
  cwe: 444,
  references: [
    'https://cwe.mitre.org/data/definitions/444.html',
    'https://portswigger.net/research/http-desync-attacks-request-smuggling-reborn',
    'https://www.rfc-editor.org/rfc/rfc9112#section-6.3',
  ],
  remediation:
    'Make every hop parse request length the same way: reject requests that carry both Content-Length and Transfer-Encoding or a malformed Transfer-Encoding (RFC 9112 section 6.3), normalise them at the front-end, and prefer HTTP/2 (or one connection per client) between front-end and back-end.',
  requestBudget: 40,
};

const PER_PROBE_ERRORS = new Set(['TransportError', 'TimeoutError']);
const TIMING_MIN_MS = 1500;
const TIMING_MAX_MS = 5000;

async function send(ctx: CheckContext, bytes: string, timeoutMs: number, responses: number): Promise<RawExchange | null> {
  if (!ctx.raw || ctx.signal.aborted) return null;
  try {
    return await ctx.raw(bytes, { timeoutMs, responses });
  } catch (err) {
    if (err instanceof Error && PER_PROBE_ERRORS.has(err.name)) {
      ctx.log(`raw probe failed: ${err.message}`);
      return null;
    }
    throw err;
  }
}

/** No byte came back before our timeout: the server is waiting for more of the request. */
function waited(ex: RawExchange | null): ex is RawExchange {
  return ex !== null && ex.timedOut && ex.firstByteMs === null;
}

interface Timing {
  positive: boolean;
  times: number[];
}

async function timing(ctx: CheckContext, direction: Direction, t: Target, te: TeHeader, waitMs: number): Promise<Timing> {
  const bytes = direction === 'CL.TE' ? clTeTimingProbe(t, te) : teClTimingProbe(t, te);
  const times: number[] = [];
  // twice: one slow answer is noise, two in a row with a fast baseline are the framing
  for (let i = 0; i < 2; i++) {
    const ex = await send(ctx, bytes, waitMs, 1);
    if (!waited(ex)) return { positive: false, times };
    times.push(ex.timeMs);
  }
  return { positive: true, times };
}

interface Confirmation {
  attack: RawExchange;
  proof: string;
  markerPath: string;
}

async function confirm(ctx: CheckContext, direction: Direction, t: Target, te: TeHeader, waitMs: number): Promise<Confirmation | null> {
  const markerPath = `/wsc-smuggle-${randomBytes(6).toString('hex')}`;
  const { bytes, method } = smugglingRequest(direction, t, te, markerPath);
  const direct = await send(ctx, directMarkerRequest(t, method, markerPath), waitMs, 1);
  const control = await send(ctx, baselineRequest(t) + followUp(t), waitMs, 2);
  const attack = await send(ctx, bytes + followUp(t), waitMs, 2);
  const d = direct?.responses[0];
  const c2 = control?.responses[1];
  const a2 = attack?.responses[1];
  if (!attack || !d || !c2 || !a2) return null;
  const sameAsMarker = a2.status === d.status && a2.status !== c2.status;
  const echoed = a2.body.includes(markerPath) && !c2.body.includes(markerPath);
  if (!sameAsMarker && !echoed) return null;
  const why = echoed ? `its body names ${markerPath}` : `its status ${a2.status} is what ${method} ${markerPath} answers directly`;
  const proof =
    `On one connection, the follow-up "GET ${t.path}" answered ${a2.status} where the same pair with normal framing answered ${c2.status}: ` +
    `the back-end read the bytes after the front-end's idea of the body as a request for ${markerPath} (${why}). ` +
    `Only our own follow-up was affected.`;
  return { attack, proof, markerPath };
}

function finding(ctx: CheckContext, direction: Direction, te: TeHeader, t: Timing, c: Confirmation, baselineMs: number, waitMs: number): FindingDraft {
  const family = te.id === 'plain' ? direction : `TE.TE (${direction} via ${te.id})`;
  const proofHead = `${family}: the timing probe got no answer within ${waitMs} ms twice (${t.times.map((x) => Math.round(x)).join(' ms, ')} ms) while a normal request answered in ${Math.round(baselineMs)} ms.`;
  return {
    url: ctx.startUrl,
    method: 'POST',
    parameter: te.id === 'plain' ? direction : 'TE.TE',
    location: 'server',
    payload: te.line,
    title: `HTTP request smuggling (${family})`,
    evidence: {
      request: c.attack.request,
      response: c.attack.data,
      proof: `${proofHead}\n${c.proof}`,
    },
    extra: { technique: family, transferEncoding: te.line, markerPath: c.markerPath, timingMs: t.times, baselineMs },
  };
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  if (!ctx.raw) {
    ctx.log('the engine offers no raw connections: check skipped');
    return;
  }
  const start = new URL(ctx.startUrl);
  const t: Target = { path: start.pathname + start.search, host: start.host };
  const baseline = await send(ctx, baselineRequest(t), 10_000, 1);
  if (!baseline || !baseline.responses[0]?.complete) {
    ctx.log('no answer to a normal request: nothing to compare timings against');
    return;
  }
  const waitMs = Math.min(TIMING_MAX_MS, Math.max(TIMING_MIN_MS, baseline.timeMs * 8));
  const attempts: [Direction, TeHeader][] = [];
  for (const te of [TE_PLAIN, ...TE_OBFUSCATIONS]) attempts.push(['CL.TE', te], ['TE.CL', te]);
  const suspectedClTe = new Set<string>();
  let done = 0;
  for (const [direction, te] of attempts) {
    if (ctx.signal.aborted) return;
    ctx.progress?.(done++, attempts.length);
    // a TE.CL probe on a CL.TE pair would leave a byte on the back-end connection: after any
    // CL.TE anomaly, whatever spelling caused it, no TE.CL probe is sent
    if (direction === 'TE.CL' && suspectedClTe.size > 0) continue;
    const tm = await timing(ctx, direction, t, te, waitMs);
    if (!tm.positive) continue;
    if (direction === 'CL.TE') suspectedClTe.add(te.id);
    const c = await confirm(ctx, direction, t, te, waitMs);
    if (!c) {
      ctx.log(`${direction} timing anomaly with ${te.id} Transfer-Encoding not confirmed by a differential response`, { times: tm.times });
      continue;
    }
    yield finding(ctx, direction, te, tm, c, baseline.timeMs, waitMs);
    // one confirmed desync is the finding; more probes would only add load on a broken pair
    return;
  }
  ctx.progress?.(attempts.length, attempts.length);
}

export const requestSmuggling: Check = { meta, run };
