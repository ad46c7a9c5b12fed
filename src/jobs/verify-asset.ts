// Proof of ownership: the account places a token at VERIFICATION_PATH on its site (or in a DNS TXT
// record) and the server looks for it. The token is a MAC of (account, origin), so the server can
// recompute it. What a proof covers: a file on https://host/ (the default port) or a TXT record
// _wsc-verification.<host> proves the host on every port; a file on any other origin proves that
// origin only (whoever runs one plain-http port of a shared host does not own its other ports).
//
// The fetch is a request to an address a client named, so it is guarded like a scan: every address
// the name resolves to is judged first (the egress rules, plus the caller's own refusals, e.g. the
// server itself and loopback ports the account does not own) and the connection is pinned to the
// judged addresses. The outcome's reason is for the audit log only; the API answers one generic text.
import { lookup as dnsLookup, resolveTxt } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import type { Sealer } from '../core/crypto.js';
import { EgressGuard, type LookupFunction } from '../engine/egress.js';
import { normalizeHost, VERIFICATION_MAX_BYTES, VERIFICATION_PATH, type Resolver } from './ownership.js';
import type { AssetKind } from './store.js';

export function verificationToken(sealer: Sealer, accountId: number, origin: string): string {
  return `wsc-verify-${sealer.mac(`${accountId}\n${origin}`).slice(0, 32)}`;
}

export function verificationUrl(origin: string): string {
  return new URL(VERIFICATION_PATH, origin).toString();
}

/** The TXT record name whose value proves the host name (every port). */
export function verificationRecord(host: string): string {
  return `_wsc-verification.${normalizeHost(host)}`;
}

export type VerifyOutcome = { ok: true } | { ok: false; reason: string };

/** What a successful proof makes the account own. */
export function provenAsset(origin: string, method: 'file' | 'dns'): { kind: AssetKind; value: string } {
  const u = new URL(origin);
  const host = normalizeHost(u.hostname);
  // URL.origin omits the default port, so "https://host" is exactly a file served on port 443.
  if (method === 'dns' || (u.protocol === 'https:' && u.port === '')) return { kind: 'host', value: host };
  return { kind: 'origin', value: u.origin };
}

export function defaultPort(u: URL): number {
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

export interface FileCheckOptions {
  /** Why the server must not connect to `address`:`port`, or null. Judged after the egress rules. */
  refuse?: (address: string, port: number) => Promise<string | null> | string | null;
  timeoutMs?: number;
  /** Resolves the host name; the system resolver (dns.lookup) by default. */
  resolve?: Resolver;
}

const systemResolve: Resolver = async (host) => (await dnsLookup(host, { all: true })).map((a) => a.address);

/** Fetches the token file (no redirects, bounded size and time) and looks for the token in it. */
export async function checkVerificationFile(origin: string, token: string, opts: FileCheckOptions = {}): Promise<VerifyOutcome> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const url = new URL(verificationUrl(origin));
  const host = normalizeHost(url.hostname);
  const port = defaultPort(url);
  const guard = new EgressGuard();
  let addresses: string[];
  try {
    addresses = isIP(host) !== 0 ? [host] : await (opts.resolve ?? systemResolve)(host);
  } catch (err) {
    return { ok: false, reason: `${host} did not resolve: ${(err as Error).message}` };
  }
  if (addresses.length === 0) return { ok: false, reason: `${host} resolved to no address` };
  for (const a of addresses) {
    const why = guard.refusal(host, a) ?? (await opts.refuse?.(a, port)) ?? null;
    if (why !== null) return { ok: false, reason: `refused ${a}:${port}: ${why}` };
  }
  // The connection may use only the addresses judged above, whatever a second DNS answer says.
  const pinned: LookupFunction = (_hostname, options, callback) => {
    const list = addresses.map((address) => ({ address, family: isIP(address) === 6 ? 6 : 4 }));
    if (options.all === true) callback(null, list);
    else callback(null, list[0]?.address ?? '', list[0]?.family ?? 4);
  };
  const dispatcher = new Agent({ connect: { lookup: pinned }, connections: 1 });
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await request(url, { method: 'GET', signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, dispatcher });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return { ok: false, reason: `answered HTTP ${res.statusCode}` };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > VERIFICATION_MAX_BYTES) {
        res.body.destroy();
        return { ok: false, reason: `larger than ${VERIFICATION_MAX_BYTES} bytes` };
      }
      chunks.push(buf);
    }
    return Buffer.concat(chunks).toString('utf8').includes(token) ? { ok: true } : { ok: false, reason: 'the file does not contain the token' };
  } catch (err) {
    return { ok: false, reason: `could not be fetched: ${(err as Error).message}` };
  } finally {
    // destroy, not close: a peer that is not HTTP may leave its socket half-open for ever
    await dispatcher.destroy();
  }
}

/** TXT lookup: the system resolver's (dns.resolveTxt) by default. */
export type TxtResolver = (name: string) => Promise<string[][]>;

export const systemTxt: TxtResolver = (name) => resolveTxt(name);

/** Looks for the token in the TXT records of _wsc-verification.<host>. */
export async function checkVerificationRecord(host: string, token: string, resolve: TxtResolver = systemTxt): Promise<VerifyOutcome> {
  const name = verificationRecord(host);
  if (isIP(normalizeHost(host)) !== 0) return { ok: false, reason: 'an IP address has no DNS name to hold a TXT record' };
  let records: string[][];
  try {
    records = await resolve(name);
  } catch (err) {
    return { ok: false, reason: `TXT ${name}: ${(err as Error).message}` };
  }
  // A long TXT value arrives in 255-byte strings; joined, they are the record.
  return records.some((r) => r.join('').trim() === token) ? { ok: true } : { ok: false, reason: `TXT ${name} does not hold the token` };
}
