// Insecure SSL/TLS: handshakes with chosen offers tell which legacy protocol versions and weak
// cipher suites the server accepts; the peer chain tells certificate problems; the responses tell
// whether HSTS is set and whether plain HTTP is redirected to HTTPS. Each problem is its own
// finding (parameter = the problem id). SSLv2/SSLv3 and cipher groups this Node's OpenSSL has no
// code for (RC4, DES, 3DES, EXPORT) cannot be offered: they are listed as not probed.
import type { HttpResponseData, Severity } from '../core/model.js';
import {
  certificateProblems,
  describeChain,
  HSTS_MIN_MAX_AGE,
  LEGACY_PROTOCOLS,
  UNPROBEABLE_PROTOCOLS,
  WEAK_CIPHER_GROUPS,
} from './definitions/insecure-tls.js';
import { headerValue, renderRequest, renderResponse, trySend } from './support.js';
import type { Check, CheckContext, CheckMeta, FindingDraft, RawExchange, TlsProbeOptions, TlsProbeResult } from './types.js';

export const meta: CheckMeta = {
  id: 'insecure-tls',
  item: 'Insecure SSL/TLS',
  title: 'Insecure SSL/TLS configuration',
  severity: 'medium',
  confidence: 'certain',
  cwe: 326,
  references: [
    'https://cwe.mitre.org/data/definitions/326.html',
    'https://www.rfc-editor.org/rfc/rfc8996',
    'https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/09-Testing_for_Weak_Cryptography/01-Testing_for_Weak_Transport_Layer_Security',
    'https://cheatsheetseries.owasp.org/cheatsheets/HTTP_Strict_Transport_Security_Cheat_Sheet.html',
  ],
  remediation:
    'Accept only TLS 1.2 and 1.3 with AEAD cipher suites (disable NULL, anonymous, EXPORT, RC4, DES/3DES); serve a certificate from a trusted CA that covers the host name, is in its validity period, has an RSA key of at least 2048 bits and a SHA-256 (or better) signature; send Strict-Transport-Security with max-age of at least 180 days; redirect every plain-HTTP request to HTTPS.',
  requestBudget: 16,
};

/** Transport failures of one probe: the probe tells nothing, the check goes on. */
const PER_PROBE_ERRORS = new Set(['TransportError', 'TimeoutError']);

function clientHello(r: Pick<TlsProbeResult, 'host' | 'port'>, o: TlsProbeOptions): string {
  const versions = o.minVersion || o.maxVersion ? `${o.minVersion ?? 'default'} to ${o.maxVersion ?? 'default'}` : 'runtime default (TLS 1.2 to 1.3)';
  return `TLS ClientHello to ${r.host}:${r.port}\nprotocol versions offered: ${versions}\ncipher suites offered: ${o.ciphers ?? 'runtime default'}\n`;
}

function serverHello(r: TlsProbeResult): string {
  const head = `TLS ServerHello: ${r.protocol ?? '?'}, cipher ${r.cipher ? `${r.cipher.name} (${r.cipher.standardName})` : '?'}\nchain verification: ${r.authorized ? 'trusted' : (r.authorizationError ?? 'failed')}\n`;
  return `${head}certificate chain:\n${r.chain.length > 0 ? describeChain(r.chain) : '(none sent)'}\n`;
}

interface Finder {
  origin: string;
  notProbed: string[];
}

function tlsFinding(f: Finder, id: string, title: string, severity: Severity, probe: TlsProbeOptions, r: TlsProbeResult, proof: string, payload: string | null): FindingDraft {
  return {
    url: `${f.origin}/`,
    method: 'GET',
    parameter: id,
    location: 'server',
    payload,
    title,
    severity,
    evidence: { request: clientHello(r, probe), response: serverHello(r), proof },
    extra: { problem: id, host: r.host, port: r.port, protocol: r.protocol, cipher: r.cipher?.name ?? null, notProbed: f.notProbed },
  };
}

async function probe(ctx: CheckContext, opts: TlsProbeOptions): Promise<TlsProbeResult | null> {
  if (!ctx.tlsProbe) return null;
  try {
    return await ctx.tlsProbe(opts);
  } catch (err) {
    if (err instanceof Error && PER_PROBE_ERRORS.has(err.name)) {
      ctx.log(`TLS probe failed: ${err.message}`);
      return null;
    }
    throw err;
  }
}

async function* handshakes(ctx: CheckContext, f: Finder): AsyncGenerator<FindingDraft> {
  const modern: TlsProbeOptions = {};
  let base = await probe(ctx, modern);
  let baseOffer = modern;
  if (base && !base.connected) {
    // a server that speaks only legacy protocols still has a certificate to judge
    baseOffer = { minVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' };
    base = await probe(ctx, baseOffer);
  }
  if (!base || !base.connected) {
    ctx.log('no TLS handshake succeeded; nothing to judge', { error: base?.error ?? null });
    return;
  }
  for (const p of certificateProblems(base.chain, base.host, base.authorizationError, new Date())) {
    yield tlsFinding(f, p.id, p.title, p.severity, baseOffer, base, p.proof, null);
  }
  for (const legacy of LEGACY_PROTOCOLS) {
    if (ctx.signal.aborted) return;
    const offer: TlsProbeOptions = { minVersion: legacy.version, maxVersion: legacy.version, ciphers: 'ALL:@SECLEVEL=0' };
    const r = await probe(ctx, offer);
    if (!r) continue;
    if (r.unsupported) f.notProbed.push(legacy.version);
    if (!r.connected || r.protocol !== legacy.version) continue;
    const proof = `The server completed a handshake offering only ${legacy.version}: it negotiated ${r.protocol} with ${r.cipher?.name ?? 'an unknown cipher'}. ${legacy.why}. Not probed (the runtime cannot offer them): ${[...UNPROBEABLE_PROTOCOLS, ...f.notProbed].join(', ')}.`;
    yield tlsFinding(f, `protocol-${legacy.version.toLowerCase()}`, `Deprecated protocol ${legacy.version} accepted`, legacy.severity, offer, r, proof, legacy.version);
  }
  for (const group of WEAK_CIPHER_GROUPS) {
    if (ctx.signal.aborted) return;
    const offer: TlsProbeOptions = { minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: group.ciphers };
    const r = await probe(ctx, offer);
    if (!r) continue;
    if (r.unsupported) {
      f.notProbed.push(`${group.label} cipher suites`);
      continue;
    }
    if (!r.connected || !r.cipher) continue;
    const proof = `Offered only ${group.label} cipher suites (${group.ciphers}); the server chose ${r.cipher.name} (${r.cipher.standardName}) over ${r.protocol ?? '?'}: ${group.why}.`;
    yield tlsFinding(f, `cipher-${group.id}`, `Weak cipher suites accepted: ${group.label}`, group.severity, offer, r, proof, r.cipher.name);
  }
  if (f.notProbed.length > 0 || UNPROBEABLE_PROTOCOLS.length > 0) ctx.log('probes the runtime could not make', { notProbed: [...UNPROBEABLE_PROTOCOLS, ...f.notProbed] });
}

function hstsProblem(res: HttpResponseData): string | null {
  const value = headerValue(res, 'strict-transport-security');
  if (value === undefined) return 'The HTTPS response carries no Strict-Transport-Security header, so a first plain-HTTP visit can be downgraded (SSL stripping).';
  const m = /max-age\s*=\s*"?(\d+)"?/i.exec(value);
  if (!m) return `Strict-Transport-Security "${value}" has no valid max-age, so browsers ignore it.`;
  const age = Number(m[1]);
  if (age < HSTS_MIN_MAX_AGE) return `Strict-Transport-Security "${value}" sets max-age=${age} s, under the ${HSTS_MIN_MAX_AGE} s (180 days) needed to protect returning visitors${age === 0 ? ' (0 switches HSTS off)' : ''}.`;
  return null;
}

async function* hsts(ctx: CheckContext, origin: string): AsyncGenerator<FindingDraft> {
  const page = ctx.pages.find((p) => p.response.url.startsWith(`${origin}/`) && p.response.status < 400);
  let request = renderRequest({ method: 'GET', url: page?.response.url ?? ctx.startUrl });
  let response = page?.response;
  if (!response) {
    const ex = await trySend(ctx, { method: 'GET', url: ctx.startUrl });
    if (!ex) return;
    response = ex.response;
    request = renderRequest(ex.request);
  }
  const problem = hstsProblem(response);
  if (!problem) return;
  yield {
    url: response.url,
    method: 'GET',
    parameter: 'hsts-missing',
    location: 'response',
    payload: null,
    title: 'HTTP Strict Transport Security missing or too short',
    severity: 'low',
    evidence: { request, response: renderResponse(response), proof: problem },
    extra: { problem: 'hsts-missing' },
  };
}

function responseText(ex: RawExchange): string {
  const cut = ex.data.indexOf('\r\n\r\n');
  return cut === -1 ? ex.data : ex.data.slice(0, cut + 4) + ex.data.slice(cut + 4, cut + 4 + 2048);
}

/** Plain HTTP on `httpUrl` must answer with a redirect to https://; content served is a finding. */
async function* httpRedirect(ctx: CheckContext, httpUrl: URL, httpsOrigin: string): AsyncGenerator<FindingDraft> {
  if (!ctx.raw) return;
  const bytes = `GET ${httpUrl.pathname}${httpUrl.search} HTTP/1.1\r\nHost: ${httpUrl.host}\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
  let ex: RawExchange;
  try {
    ex = await ctx.raw(bytes, { origin: httpUrl.origin, timeoutMs: 5000, responses: 1 });
  } catch (err) {
    if (err instanceof Error && PER_PROBE_ERRORS.has(err.name)) {
      ctx.log(`plain HTTP not reachable on ${httpUrl.origin}: ${err.message}`);
      return;
    }
    throw err;
  }
  const res = ex.responses[0];
  if (!res) return;
  const location = res.headers.find(([k]) => k.toLowerCase() === 'location')?.[1];
  let target: URL | null = null;
  try {
    target = location === undefined ? null : new URL(location, httpUrl);
  } catch {
    // an unparsable Location redirects nowhere: judged like no redirect
    target = null;
  }
  const redirected = res.status >= 300 && res.status < 400 && target?.protocol === 'https:';
  if (redirected) return;
  // Only content actually served over HTTP is a finding; an error page for a TLS-only port is not.
  if (!(res.status >= 200 && res.status < 300) && !(res.status >= 300 && res.status < 400)) return;
  yield {
    url: httpUrl.href,
    method: 'GET',
    parameter: 'http-no-redirect',
    location: 'server',
    payload: null,
    title: 'HTTP not redirected to HTTPS',
    severity: 'medium',
    evidence: {
      request: bytes,
      response: responseText(ex),
      proof: `Plain HTTP at ${httpUrl.origin} answered ${res.status}${target ? ` with Location ${target.href}` : ' with the page itself'} instead of redirecting to HTTPS (${httpsOrigin}), so the site is usable without encryption.`,
    },
    extra: { problem: 'http-no-redirect' },
  };
}

function twinOf(start: URL): URL {
  const twin = new URL(start.href);
  const defaultPort = start.port === '';
  twin.protocol = start.protocol === 'https:' ? 'http:' : 'https:';
  if (!defaultPort) twin.port = start.port;
  return twin;
}

async function* run(ctx: CheckContext): AsyncGenerator<FindingDraft> {
  if (!ctx.tlsProbe || !ctx.raw) {
    ctx.log('the engine offers no TLS probes: check skipped');
    return;
  }
  const start = new URL(ctx.startUrl);
  const twin = twinOf(start);
  if (start.protocol === 'https:') {
    const f: Finder = { origin: start.origin, notProbed: [] };
    yield* handshakes(ctx, f);
    if (ctx.signal.aborted) return;
    yield* hsts(ctx, start.origin);
    if (ctx.signal.aborted) return;
    yield* httpRedirect(ctx, twin, start.origin);
    return;
  }
  // An http StartUrl: only the redirect question applies, and only when the site has HTTPS at all.
  const r = await probe(ctx, { origin: twin.origin });
  if (!r || !r.connected) return;
  yield* httpRedirect(ctx, start, twin.origin);
}

export const insecureTls: Check = { meta, run };
