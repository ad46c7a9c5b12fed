// Where an XSS probe's value comes back, and in which shape: the first requests of the reflected
// XSS check, kept apart from it so that the check file holds the payload logic only.
import type { HttpExchange, HttpResponseData } from '../../core/model.js';
import { headerValue, trySend } from '../support.js';
import type { CheckContext } from '../types.js';
import { isRefusal, REQUIRED_SHAPES, type FilterProfile } from './input-filter.js';
import { randomNumber, randomToken, type AttackPoint } from './injection-points.js';

export function htmlish(res: HttpResponseData): boolean {
  const ct = (headerValue(res, 'content-type') ?? '').toLowerCase();
  return ct === '' || ct.includes('text/html') || ct.includes('application/xhtml');
}

/**
 * A form submission, the kind of request whose repeat may answer differently from its first time:
 * a sign-up form answers a plain welcome, and only the same user name sent again is refused with
 * the name in the message ("Duplicate entry '<value>'", as Mutillidae's register.php does).
 */
export function isFormPost(ap: AttackPoint): boolean {
  const kind = ap.request.bodyKind;
  return ap.request.method.toUpperCase() === 'POST' && (kind === 'urlencoded' || kind === 'multipart') && (ap.point.location === 'body' || ap.point.location === 'multipart');
}

/**
 * Where the value comes back: the canary alone, else (the plain value refused or dropped) after the
 * original value, in the shapes a filter may require, and as digits only (a filter of letters).
 */
export async function findReflection(
  ctx: CheckContext,
  ap: AttackPoint,
): Promise<{ probe: HttpExchange; canary: string; prefix: string; requirement: FilterProfile['requirement']; repeat: boolean } | null> {
  const send = (v: string): Promise<HttpExchange | null> => trySend(ctx, ap.point.build(v));
  const canary = `wsc${randomToken(8)}`;
  const probe = await send(canary);
  if (!probe) return null;
  const back = (ex: HttpExchange | null, c: string): ex is HttpExchange => ex !== null && htmlish(ex.response) && ex.response.body.includes(c);
  if (back(probe, canary)) return { probe, canary, prefix: '', requirement: null, repeat: false };
  if (isFormPost(ap) && !isRefusal(probe, null)) {
    const again = await send(canary);
    if (back(again, canary)) return { probe: again, canary, prefix: '', requirement: null, repeat: true };
  }
  // a page that ignores the value is the common case: only a refusal hints at a filter worth learning
  if (!isRefusal(probe, null)) return null;
  if (ap.point.value !== '') {
    const c = `wsc${randomToken(8)}`;
    const ex = await send(ap.point.value + c);
    if (back(ex, c)) return { probe: ex, canary: c, prefix: ap.point.value, requirement: null, repeat: false };
  }
  for (const shape of REQUIRED_SHAPES) {
    const c = `wsc${randomToken(8)}`;
    const ex = await send(shape.wrap(c));
    if (back(ex, c)) return { probe: ex, canary: c, prefix: '', requirement: { name: shape.name, test: shape.test, pad: shape.pad }, repeat: false };
  }
  const digits = String(randomNumber(100_000_000, 999_999_999));
  const ex = await send(digits);
  return back(ex, digits) ? { probe: ex, canary: digits, prefix: '', requirement: null, repeat: false } : null;
}

