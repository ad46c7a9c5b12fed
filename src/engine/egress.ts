// Egress safety: where the engine's sockets may go. A scan target is scope-checked by URL, but a
// name can resolve anywhere, and a redirect or a second DNS answer can point it at the cloud
// metadata service or another link-local host. Every connection the engine opens resolves its host
// through guardedLookup(), which validates the answer before the socket is created, and pins the
// answer: the connection uses exactly the address that was checked.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { EgressError } from './http.js';

export { EgressError } from './http.js';

export type AddressClass = 'unspecified' | 'loopback' | 'private' | 'shared' | 'link-local' | 'metadata' | 'multicast' | 'reserved' | 'public';

/** Host names that only ever mean a cloud metadata service. */
export const METADATA_HOSTS: readonly string[] = Object.freeze(['metadata.google.internal', 'metadata.goog', 'metadata.azure.internal']);

/** Cloud metadata endpoints: AWS/GCP/Azure/OpenStack, AWS ECS task metadata, AWS IPv6, Alibaba. */
export const METADATA_ADDRESSES: readonly string[] = Object.freeze(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '100.100.100.200']);

/** Ranges refused unless the job allows them explicitly. */
export const SENSITIVE_RANGES: readonly string[] = Object.freeze(['169.254.0.0/16', 'fe80::/10', 'fd00:ec2::254/128', '100.100.100.200/32']);

function listOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr = '', prefix = ''] = c.split('/');
    const family = isIP(addr);
    if (family === 0 || !/^\d{1,3}$/.test(prefix)) continue;
    const p = Number(prefix);
    if (p > (family === 6 ? 128 : 32)) continue;
    list.addSubnet(addr, p, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

const V4_CLASSES: [string, AddressClass][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];
const V6_CLASSES: [string, AddressClass][] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['fc00::/7', 'private'],
  ['ff00::/8', 'multicast'],
];
const classLists = [...V4_CLASSES, ...V6_CLASSES].map(([cidr, cls]) => [listOf([cidr]), cls] as const);
const metadataList = listOf(METADATA_ADDRESSES.map((a) => (isIP(a) === 6 ? `${a}/128` : `${a}/32`)));
const sensitiveList = listOf(SENSITIVE_RANGES);

/** "::ffff:1.2.3.4" is 1.2.3.4 to the kernel: judge it as such. */
function unmap(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m?.[1] ?? address;
}

function typeOf(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

export function addressClass(address: string): AddressClass {
  const a = unmap(address);
  if (isIP(a) === 0) return 'reserved';
  if (metadataList.check(a, typeOf(a))) return 'metadata';
  for (const [list, cls] of classLists) if (list.check(a, typeOf(a))) return cls;
  return 'public';
}

function bareHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

export interface EgressOptions {
  /** CIDRs the job may reach even though they are link-local or metadata (the account owns them). */
  allowAddresses?: readonly string[];
  /** The resolver; dns.lookup by default. Tests inject their own to answer made-up names. */
  lookup?: LookupFunction;
}

/** dns.lookup's callback shape, as net.connect calls its `lookup` option. */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/**
 * One job's egress rules plus the first DNS answer seen per host name, against which later answers
 * are compared (a name that first resolved to loopback and later to a private address is refused).
 */
export class EgressGuard {
  private readonly allow: BlockList;
  private readonly hasAllow: boolean;
  private readonly resolve: LookupFunction;
  private readonly firstClasses = new Map<string, Set<AddressClass>>();

  constructor(opts: EgressOptions = {}) {
    this.allow = listOf(opts.allowAddresses ?? []);
    this.hasAllow = (opts.allowAddresses ?? []).length > 0;
    this.resolve = opts.lookup ?? (dnsLookup as unknown as LookupFunction);
  }

  private allowed(address: string): boolean {
    if (!this.hasAllow) return false;
    const a = unmap(address);
    return this.allow.check(a, typeOf(a));
  }

  // BlockList.check builds a SocketAddress per call (~5 us); a job asks about the same few
  // addresses thousands of times, so verdicts are remembered per (host, address).
  private readonly verdicts = new Map<string, string | null>();

  /** Why a connection to `address` (reached through `host`) is refused, or null. */
  refusal(host: string, address: string): string | null {
    const key = `${host}\u0000${address}`;
    const known = this.verdicts.get(key);
    if (known !== undefined) return known;
    const why = this.judge(host, address);
    if (this.verdicts.size >= 10_000) this.verdicts.clear();
    this.verdicts.set(key, why);
    return why;
  }

  private judge(host: string, address: string): string | null {
    const a = unmap(address);
    if (isIP(a) === 0) return `"${address}" is not an IP address`;
    const sensitive = sensitiveList.check(a, typeOf(a)) || metadataList.check(a, typeOf(a));
    const metadataName = METADATA_HOSTS.includes(bareHost(host));
    if ((sensitive || metadataName) && !this.allowed(a)) {
      return metadataName || addressClass(a) === 'metadata' ? 'cloud metadata service' : `${addressClass(a)} address`;
    }
    return null;
  }

  /**
   * Checks a URL's host before anything is dispatched: literal addresses never reach a lookup (net
   * connects to them directly), so they are judged here; names are judged again per connection.
   */
  checkUrl(url: URL): void {
    // every request of a crawl names the same host: its verdict does not change, remember the pass
    if (url.hostname === this.lastPassed) return;
    const host = bareHost(url.hostname);
    if (isIP(host) !== 0) {
      const why = this.refusal(host, host);
      if (why !== null) throw new EgressError(host, host, why);
    } else if (METADATA_HOSTS.includes(host) && !this.hasAllow) {
      throw new EgressError(host, null, 'cloud metadata service');
    }
    this.lastPassed = url.hostname;
  }

  private lastPassed = '';
  private readonly namesPassed = new Set<string>();

  /**
   * Judges a host name the scan does not connect to itself (a proxy does): resolves it here and
   * validates the answer as a connection would be. A name this machine cannot resolve is left to
   * the proxy (a corporate proxy resolves internal names); literal addresses and metadata names
   * were judged by checkUrl.
   */
  checkName(hostname: string): Promise<void> {
    const host = bareHost(hostname);
    if (isIP(host) !== 0 || this.namesPassed.has(host)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.resolve(host, { all: true }, (err, result) => {
        if (err) return resolve();
        const list = Array.isArray(result) ? result.map((a) => a.address) : [result];
        try {
          this.checkAnswer(host, list);
        } catch (refused) {
          return reject(refused as Error);
        }
        if (this.namesPassed.size >= 10_000) this.namesPassed.clear();
        this.namesPassed.add(host);
        resolve();
      });
    });
  }

  /** Validates one DNS answer for `host`; throws EgressError. Records the first answer's classes. */
  checkAnswer(host: string, addresses: readonly string[]): void {
    const name = bareHost(host);
    if (addresses.length === 0) throw new EgressError(name, null, 'the name resolved to no address');
    for (const a of addresses) {
      const why = this.refusal(name, a);
      if (why !== null) throw new EgressError(name, a, why);
    }
    const classes = new Set(addresses.map(addressClass));
    const first = this.firstClasses.get(name);
    if (!first) {
      if (this.firstClasses.size >= 10_000) this.firstClasses.clear();
      this.firstClasses.set(name, classes);
      return;
    }
    for (const cls of classes) {
      if (!first.has(cls)) {
        throw new EgressError(name, addresses.find((a) => addressClass(a) === cls) ?? null, `DNS answer moved from ${[...first].join('/')} to ${cls} (rebinding)`);
      }
    }
  }

  /**
   * A `lookup` for net/tls connect options: resolves every address, validates them all, then hands
   * net exactly what was validated, so the socket connects to a checked address and nothing else.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const wantAll = options.all === true;
    this.resolve(hostname, { ...options, all: true }, (err, result) => {
      if (err) {
        callback(err, wantAll ? [] : '', 0);
        return;
      }
      const list: LookupAddress[] = Array.isArray(result)
        ? result
        : [{ address: result, family: isIP(result) === 6 ? 6 : 4 }];
      try {
        this.checkAnswer(hostname, list.map((a) => a.address));
      } catch (refused) {
        callback(refused as EgressError, wantAll ? [] : '', 0);
        return;
      }
      if (wantAll) {
        callback(null, list);
      } else {
        const first = list[0] as LookupAddress;
        callback(null, first.address, first.family);
      }
    });
  };
}

/**
 * Of an account's CIDR assets, those that name link-local or metadata addresses explicitly (lie
 * entirely inside a sensitive range): a broad asset like 0.0.0.0/0 does not unlock the metadata
 * service, a "169.254.169.254/32" the account registered does.
 */
export function explicitAllowances(cidrs: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of cidrs) {
    const [addr = '', prefixText = ''] = c.split('/');
    const family = isIP(addr);
    if (family === 0 || !/^\d{1,3}$/.test(prefixText)) continue;
    const prefix = Number(prefixText);
    const a = unmap(addr);
    const inside = SENSITIVE_RANGES.some((r) => {
      const [raddr = '', rp = '0'] = r.split('/');
      if (isIP(raddr) !== isIP(a)) return false;
      return prefix >= Number(rp) && listOf([r]).check(a, typeOf(a));
    });
    if (inside || metadataList.check(a, typeOf(a))) out.push(c);
  }
  return out;
}
