// Proof of ownership: the account places a token at VERIFICATION_PATH on its site and the server
// fetches it. The token is a MAC of (account, origin), so the server can recompute it.
import { Agent, request } from 'undici';
import { EgressGuard } from '../engine/egress.js';
import type { Sealer } from '../core/crypto.js';
import { VERIFICATION_MAX_BYTES, VERIFICATION_PATH } from './ownership.js';

export function verificationToken(sealer: Sealer, accountId: number, origin: string): string {
  return `wsc-verify-${sealer.mac(`${accountId}\n${origin}`).slice(0, 32)}`;
}

export function verificationUrl(origin: string): string {
  return new URL(VERIFICATION_PATH, origin).toString();
}

export type VerifyOutcome = { ok: true } | { ok: false; reason: string };

/** Fetches the token file (no redirects, bounded size and time) and looks for the token in it. */
export async function checkVerificationFile(origin: string, token: string, timeoutMs = 10_000): Promise<VerifyOutcome> {
  const url = verificationUrl(origin);
  const signal = AbortSignal.timeout(timeoutMs);
  // The server fetches a URL a client named: the engine's egress rules apply (no link-local or cloud
  // metadata addresses, one checked address per connection).
  const guard = new EgressGuard();
  const dispatcher = new Agent({ connect: { lookup: guard.lookup }, connections: 1 });
  try {
    guard.checkUrl(new URL(url));
    const res = await request(url, { method: 'GET', signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, dispatcher });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return { ok: false, reason: `${url} answered HTTP ${res.statusCode}` };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > VERIFICATION_MAX_BYTES) {
        res.body.destroy();
        return { ok: false, reason: `${url} is larger than ${VERIFICATION_MAX_BYTES} bytes` };
      }
      chunks.push(buf);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return text.includes(token) ? { ok: true } : { ok: false, reason: `${url} does not contain the token` };
  } catch (err) {
    return { ok: false, reason: `${url} could not be fetched: ${(err as Error).message}` };
  } finally {
    await dispatcher.close();
  }
}
