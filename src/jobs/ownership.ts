// Which targets an account may scan: host names it owns (exact, or "*.example.com" for
// subdomains, every port), single origins (scheme, host and port: what a token on one plain-http
// port proves) and address ranges (CIDR), checked against the URL's literal address or, for a
// name, every address it resolves to.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { addressClass } from '../engine/egress.js';
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

/** "http://Example.com:80/" -> "http://example.com": the origin as URL.origin spells it, or null. */
export function originOf(input: string): string | null {
  let u: URL;
  try {
    u = new URL(input.trim());
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search || u.hash) return null;
  return u.origin;
}

/** Parses "example.com", "*.example.com", "10.0.0.5", "::1", "127.0.0.0/8", "fd00::/8" or "http://host:8080". */
export function parseAsset(input: string): ParsedAsset | { error: string } {
  const raw = input.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    const origin = originOf(raw);
    if (!origin) return { error: `"${input}" is not an origin (scheme, host and port only, e.g. http://example.com:8080)` };
    return { kind: 'origin', value: origin };
  }
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
  const origin = new URL(url).origin;
  if (assets.some((a) => a.kind === 'origin' && a.value === origin)) return true;
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

/** What an asset lets the account scan, in words (the API and CLI show it beside each asset). */
export function assetCovers(kind: AssetKind, value: string): string {
  if (kind === 'origin') return `${value} only`;
  if (kind === 'cidr') return `every address in ${value}, every port`;
  if (value.startsWith('*.')) return `every subdomain of ${value.slice(2)}, every port`;
  return `${value}, every port`;
}

/** Where an account places its ownership token on the site it wants to scan. */
export const VERIFICATION_PATH = '/.well-known/wsc-verification.txt';
export const VERIFICATION_MAX_BYTES = 64 * 1024;

/** An address and port the wsc server itself listens on. */
export interface ListenAddress {
  address: string;
  port: number;
}

function unmapped(address: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address.toLowerCase();
}

/** True for addresses of this machine: loopback, unspecified, and every interface's own address. */
export function isLocalAddress(address: string): boolean {
  const a = unmapped(address);
  const cls = addressClass(a);
  if (cls === 'loopback' || cls === 'unspecified') return true;
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (unmapped(i.address) === a) return true;
  }
  return false;
}

/** True when a connection to address:port would reach the wsc server itself. */
export function isSelf(address: string, port: number, listening: readonly ListenAddress[]): boolean {
  const a = unmapped(address);
  return listening.some((l) => {
    if (l.port !== port) return false;
    const la = unmapped(l.address);
    // a socket bound to 0.0.0.0 or :: answers on every local address
    return la === a || (addressClass(la) === 'unspecified' && isLocalAddress(a));
  });
}

/**
 * True when the URL would reach the wsc server: its literal address, or (only when the port is one
 * the server listens on, so ordinary names cost no lookup) any address its name resolves to. A
 * name on that port that does not resolve counts as the server: it cannot be shown not to be.
 */
export async function targetsSelf(url: string, listening: readonly ListenAddress[], resolve: Resolver = dnsResolver): Promise<boolean> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  if (!listening.some((l) => l.port === port)) return false;
  const host = normalizeHost(u.hostname);
  if (isIP(host) !== 0) return isSelf(host, port, listening);
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch {
    return true;
  }
  return addresses.length === 0 || addresses.some((a) => isSelf(a, port, listening));
}

/**
 * Why the server must not fetch a verification file from address:port for this account, or null:
 * never from the wsc server itself, and from this machine's own addresses (loopback included) only
 * on ports the account already owns, so that verification cannot probe local services.
 */
export async function verificationRefusal(
  assets: readonly AssetRow[],
  origin: string,
  address: string,
  port: number,
  listening: readonly ListenAddress[],
  resolve: Resolver = dnsResolver,
): Promise<string | null> {
  if (isSelf(address, port, listening)) return 'the wsc server itself';
  if (!isLocalAddress(address)) return null;
  const scheme = new URL(origin).protocol;
  const literal = `${scheme}//${isIP(address) === 6 ? `[${address}]` : address}:${port}/`;
  if ((await ownsUrl(assets, origin, resolve)) || (await ownsUrl(assets, literal, resolve))) return null;
  return 'a local port the account does not own';
}
