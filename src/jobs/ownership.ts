// Which targets an account may scan: host names it owns (exact, or "*.example.com" for
// subdomains) and address ranges (CIDR), checked against the URL's literal address or, for a
// name, every address it resolves to.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { AssetKind, AssetRow } from './store.js';

export interface ParsedAsset {
  kind: AssetKind;
  value: string;
}

const HOST_RE = /^(\*\.)?(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** Parses "example.com", "*.example.com", "10.0.0.5", "::1", "127.0.0.0/8" or "fd00::/8". */
export function parseAsset(input: string): ParsedAsset | { error: string } {
  const raw = input.trim();
  if (raw.includes('/')) {
    const [addr = '', prefixText = '', ...rest] = raw.split('/');
    const family = isIP(addr);
    const prefix = Number(prefixText);
    const max = family === 6 ? 128 : 32;
    if (rest.length > 0 || family === 0 || !/^\d{1,3}$/.test(prefixText) || prefix > max) {
      return { error: `"${input}" is not a valid CIDR (e.g. 10.0.0.0/24 or fd00::/8)` };
    }
    return { kind: 'cidr', value: `${addr.toLowerCase()}/${prefix}` };
  }
  const host = normalizeHost(raw);
  if (isIP(host)) return { kind: 'host', value: host };
  if (!HOST_RE.test(host)) return { error: `"${input}" is not a valid host name, IP address or CIDR` };
  return { kind: 'host', value: host };
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

function blockListOf(assets: readonly AssetRow[]): BlockList | null {
  const cidrs = assets.filter((a) => a.kind === 'cidr');
  if (cidrs.length === 0) return null;
  const list = new BlockList();
  for (const a of cidrs) {
    const [addr = '', prefix = '0'] = a.value.split('/');
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(addr, Number(prefix), type);
  }
  return list;
}

function addressInList(list: BlockList, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (list.check(address, family === 6 ? 'ipv6' : 'ipv4')) return true;
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is owned when its IPv4 form is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] !== undefined && list.check(mapped[1], 'ipv4');
}

export type Resolver = (host: string) => Promise<string[]>;

export const dnsResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/** True when the URL's host is one of the account's assets. */
export async function ownsUrl(assets: readonly AssetRow[], url: string, resolve: Resolver = dnsResolver): Promise<boolean> {
  let host: string;
  try {
    host = normalizeHost(new URL(url).hostname);
  } catch {
    return false;
  }
  if (!host) return false;
  if (assets.some((a) => a.kind === 'host' && hostMatches(a.value, host))) return true;
  const list = blockListOf(assets);
  if (!list) return false;
  if (isIP(host)) return addressInList(list, host);
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    // A name that does not resolve cannot be proven to sit in an owned range.
    return false;
  }
  return addresses.length > 0 && addresses.every((a) => addressInList(list, a));
}

/** Where an account places its ownership token on the site it wants to scan. */
export const VERIFICATION_PATH = '/.well-known/wsc-verification.txt';
export const VERIFICATION_MAX_BYTES = 64 * 1024;
