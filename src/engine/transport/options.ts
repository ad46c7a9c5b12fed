// How the scan reaches the target beyond the egress rules: an HTTP(S) proxy (the job's, else
// HTTPS_PROXY/HTTP_PROXY with NO_PROXY, as curl reads them), extra trusted CAs for a site under a
// private CA (the job's, plus NODE_EXTRA_CA_CERTS, which Node itself adds to its store but not to
// tls.rootCertificates), and a client certificate for mTLS.
import { readFileSync } from 'node:fs';

export interface TransportOptions {
  /** http(s)://[user:pass@]host:port of a proxy for every request (wins over the environment's). */
  proxy?: string;
  /** CA certificates (PEM) trusted beside Node's roots, by the TLS check. */
  caCerts?: string[];
  /** A client certificate and its key (PEM) presented to sites that ask for one (mTLS). */
  clientCert?: string;
  clientKey?: string;
}

export interface ResolvedTransport {
  /** The proxy URL for a request to `url`, or null to connect directly. */
  proxyFor(url: URL): string | null;
  /** A description without credentials, for the log. */
  proxyLabel: string | null;
  trustedCa: string[];
  clientCert?: string;
  clientKey?: string;
}

interface NoProxyEntry {
  host: string;
  port: string;
  /** ".example.com" and "*.example.com" match subdomains only; "example.com" matches both. */
  suffixOnly: boolean;
}

function parseNoProxy(value: string): NoProxyEntry[] | 'all' {
  const out: NoProxyEntry[] = [];
  for (const raw of value.split(/[,\s]+/)) {
    const e = raw.trim().toLowerCase();
    if (e === '') continue;
    if (e === '*') return 'all';
    const m = /^(\*?\.)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(e);
    if (!m) continue;
    out.push({ host: (m[2] as string).replace(/^\[|\]$/g, ''), port: m[3] ?? '', suffixOnly: m[1] !== undefined });
  }
  return out;
}

function bypass(url: URL, entries: NoProxyEntry[] | 'all'): boolean {
  if (entries === 'all') return true;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return entries.some((e) => (e.port === '' || e.port === port) && (host.endsWith('.' + e.host) || (!e.suffixOnly && host === e.host)));
}

export class TransportConfigError extends Error {
  override name = 'TransportConfigError';
}

export function checkProxyUrl(proxy: string, where: string): string {
  let u: URL;
  try {
    u = new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
  } catch {
    throw new TransportConfigError(`${where} "${proxy}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TransportConfigError(`${where} must be an http:// or https:// proxy, not ${u.protocol}`);
  return u.href;
}

function label(proxy: string): string {
  const u = new URL(proxy);
  u.username = '';
  u.password = '';
  return u.href;
}

const extraCaCache = new Map<string, string>();

function extraCa(file: string | undefined): string[] {
  if (file === undefined || file === '') return [];
  let pem = extraCaCache.get(file);
  if (pem === undefined) {
    try {
      pem = readFileSync(file, 'utf8');
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so does the TLS check's trust
      pem = '';
    }
    extraCaCache.set(file, pem);
  }
  return pem === '' ? [] : [pem];
}

export function resolveTransport(opts: TransportOptions | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedTransport {
  const explicit = opts?.proxy ? checkProxyUrl(opts.proxy, 'the proxy') : null;
  const httpsEnv = env.HTTPS_PROXY ?? env.https_proxy;
  const httpEnv = env.HTTP_PROXY ?? env.http_proxy;
  const https = explicit ?? (httpsEnv ? checkProxyUrl(httpsEnv, 'HTTPS_PROXY') : null);
  const http = explicit ?? (httpEnv ? checkProxyUrl(httpEnv, 'HTTP_PROXY') : null);
  const noProxy = explicit ? [] : parseNoProxy(env.NO_PROXY ?? env.no_proxy ?? '');
  const out: ResolvedTransport = {
    proxyFor:
      https === null && http === null
        ? () => null
        : (url) => {
            const p = url.protocol === 'https:' ? https : http;
            return p === null || bypass(url, noProxy) ? null : p;
          },
    proxyLabel: explicit ? label(explicit) : [http && `http: ${label(http)}`, https && `https: ${label(https)}`].filter(Boolean).join(', ') || null,
    trustedCa: [...(opts?.caCerts ?? []), ...extraCa(env.NODE_EXTRA_CA_CERTS)],
  };
  if (opts?.clientCert !== undefined) out.clientCert = opts.clientCert;
  if (opts?.clientKey !== undefined) out.clientKey = opts.clientKey;
  return out;
}
