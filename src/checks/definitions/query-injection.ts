// What the LDAP and XPath injection checks share: an error proof (a syntax-breaking value whose
// answer holds the query engine's own error text, absent from the answer to the plain value) and a
// boolean proof (an always-true and an always-false condition written in the query language
// answer differently, each the same when asked again with fresh values, with the values' own echo
// masked). Another language (SQL, a shell) reads both conditions alike (the same error or the
// same miss), so a boolean difference names the language whose syntax was used.
import type { HttpExchange } from '../../core/model.js';
import type { CheckContext, InsertionPoint } from '../types.js';
import { trySend } from '../support.js';
import type { ProbeBudget } from './probe-budget.js';
import { textSimilarity } from './similarity.js';

export interface BooleanShape {
  label: string;
  mode: 'replace' | 'append';
  /** Always true; `fresh` differs per call so repeated answers are compared with new values. */
  truthy(fresh: string): string;
  falsy(fresh: string): string;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The body with the payload's echoes (raw, HTML-escaped, URL-encoded) cut out. */
export function withoutEcho(body: string, payload: string): string {
  let out = body;
  for (const form of new Set([payload, escapeHtml(payload), escapeHtml(payload).replace(/&#39;/g, '&#x27;'), encodeURIComponent(payload)])) if (form !== '') out = out.split(form).join('');
  return out;
}

function sameAnswer(a: HttpExchange, pa: string, b: HttpExchange, pb: string): boolean {
  if (a.response.status !== b.response.status) return false;
  const x = withoutEcho(a.response.body, pa);
  const y = withoutEcho(b.response.body, pb);
  return x === y || textSimilarity(x, y) >= 0.95;
}

export interface BooleanResult {
  truthy: HttpExchange;
  falsy: HttpExchange;
  truthyPayload: string;
  falsyPayload: string;
}

/**
 * True and false once (2 requests); only when they differ, both again with fresh values (2 more),
 * which must repeat their own answers.
 */
export async function booleanProof(ctx: CheckContext, point: InsertionPoint, shape: BooleanShape, budget: ProbeBudget, fresh: () => string): Promise<BooleanResult | null> {
  const send = async (payload: string): Promise<HttpExchange | null> => {
    if (ctx.signal.aborted || !budget.left()) return null;
    budget.spend();
    return trySend(ctx, point.build(payload, shape.mode));
  };
  const t1p = shape.truthy(fresh());
  const f1p = shape.falsy(fresh());
  const t1 = await send(t1p);
  const f1 = t1 && (await send(f1p));
  if (!t1 || !f1 || sameAnswer(t1, t1p, f1, f1p)) return null;
  const t2p = shape.truthy(fresh());
  const f2p = shape.falsy(fresh());
  const t2 = await send(t2p);
  const f2 = t2 && (await send(f2p));
  if (!t2 || !f2 || !sameAnswer(t1, t1p, t2, t2p) || !sameAnswer(f1, f1p, f2, f2p) || sameAnswer(t2, t2p, f2, f2p)) return null;
  return { truthy: t2, falsy: f2, truthyPayload: t2p, falsyPayload: f2p };
}

export interface ErrorResult {
  exchange: HttpExchange;
  payload: string;
  message: string;
}

/** The error's line of text: up to 80 characters either side of the match, tags removed. */
function around(body: string, at: number, len: number): string {
  const text = body.slice(Math.max(0, at - 80), at + len + 80);
  return text.replace(/<[^<>]*>/g, '').replace(/\s+/g, ' ').trim();
}

/** The plain value once (the baseline), then each breaking payload until one shows a signature the baseline lacks. */
export async function errorProof(ctx: CheckContext, point: InsertionPoint, payloads: string[], signature: RegExp, budget: ProbeBudget): Promise<ErrorResult | null> {
  if (ctx.signal.aborted || !budget.left()) return null;
  budget.spend();
  const base = await trySend(ctx, point.build(point.value));
  if (!base) return null;
  const flags = signature.flags.includes('i') ? 'i' : '';
  const sig = new RegExp(signature.source, flags);
  if (sig.test(base.response.body)) return null;
  for (const payload of payloads) {
    if (ctx.signal.aborted || !budget.left()) return null;
    budget.spend();
    const ex = await trySend(ctx, point.build(payload, 'append'));
    if (!ex) continue;
    const body = withoutEcho(ex.response.body, payload);
    const m = sig.exec(body);
    if (m) return { exchange: ex, payload, message: around(body, m.index, m[0].length) };
  }
  return null;
}
