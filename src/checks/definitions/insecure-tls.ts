// Tables and certificate analysis for the insecure-tls check.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { Severity } from '../../core/model.js';
import type { TlsVersion } from '../types.js';

/** Protocol versions older than TLS 1.2 that Node's OpenSSL can still offer at SECLEVEL=0. */
export const LEGACY_PROTOCOLS: { version: TlsVersion; severity: Severity; why: string }[] = [
  { version: 'TLSv1', severity: 'medium', why: 'TLS 1.0 is deprecated (RFC 8996): CBC ciphers are open to BEAST/Lucky13 and it lacks modern AEAD suites' },
  { version: 'TLSv1.1', severity: 'low', why: 'TLS 1.1 is deprecated (RFC 8996) and offers no AEAD cipher suites' },
];

/** Versions no probe of ours can offer: OpenSSL 3 in Node has no SSLv2/SSLv3 method at all. */
export const UNPROBEABLE_PROTOCOLS = ['SSLv2', 'SSLv3'];

export interface WeakCipherGroup {
  id: string;
  label: string;
  /** OpenSSL cipher string offering only this group. */
  ciphers: string;
  severity: Severity;
  why: string;
}

export const WEAK_CIPHER_GROUPS: WeakCipherGroup[] = [
  { id: 'null', label: 'NULL (no encryption)', ciphers: 'eNULL:!aNULL:@SECLEVEL=0', severity: 'high', why: 'traffic is authenticated but sent in clear text' },
  { id: 'anon', label: 'anonymous (no authentication)', ciphers: 'aNULL:@SECLEVEL=0', severity: 'high', why: 'no certificate authenticates the server, so any man in the middle can impersonate it' },
  { id: 'export', label: 'EXPORT-grade', ciphers: 'EXPORT:@SECLEVEL=0', severity: 'high', why: '40/56-bit keys are breakable (FREAK, Logjam)' },
  { id: 'rc4', label: 'RC4', ciphers: 'RC4:@SECLEVEL=0', severity: 'medium', why: 'RC4 keystream biases allow plaintext recovery (RFC 7465 forbids it)' },
  { id: 'des', label: 'single DES', ciphers: 'DES:!3DES:@SECLEVEL=0', severity: 'high', why: '56-bit DES is brute-forceable' },
  { id: '3des', label: '3DES', ciphers: '3DES:@SECLEVEL=0', severity: 'medium', why: '64-bit blocks make long sessions open to SWEET32' },
];

export interface CertProblem {
  id: string;
  title: string;
  severity: Severity;
  proof: string;
}

function readLength(der: Uint8Array, at: number): { len: number; next: number } | null {
  const first = der[at];
  if (first === undefined) return null;
  if (first < 0x80) return { len: first, next: at + 1 };
  const n = first & 0x7f;
  if (n === 0 || n > 4) return null;
  let len = 0;
  for (let i = 1; i <= n; i++) {
    const b = der[at + i];
    if (b === undefined) return null;
    len = len * 256 + b;
  }
  return { len, next: at + 1 + n };
}

function oidText(bytes: Uint8Array): string {
  const parts: number[] = [];
  const first = bytes[0] ?? 0;
  parts.push(Math.floor(first / 40), first % 40);
  let v = 0;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i] as number;
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** The outer signatureAlgorithm OID of a DER certificate (Node's X509Certificate does not expose it). */
export function signatureAlgorithmOid(der: Uint8Array): string | null {
  if (der[0] !== 0x30) return null;
  const outer = readLength(der, 1);
  if (!outer) return null;
  // tbsCertificate: skip it whole
  if (der[outer.next] !== 0x30) return null;
  const tbs = readLength(der, outer.next + 1);
  if (!tbs) return null;
  const algAt = tbs.next + tbs.len;
  if (der[algAt] !== 0x30) return null;
  const alg = readLength(der, algAt + 1);
  if (!alg || der[alg.next] !== 0x06) return null;
  const oid = readLength(der, alg.next + 1);
  if (!oid) return null;
  return oidText(der.subarray(oid.next, oid.next + oid.len));
}

const WEAK_SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.10040.4.3': 'dsaWithSHA1',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
};

const SELF_SIGNED_ERRORS = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN']);
const DATE_ERRORS = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

function describe(c: X509Certificate): string {
  return `subject ${c.subject.replace(/\n/g, ', ')}; issuer ${c.issuer.replace(/\n/g, ', ')}; valid ${c.validFrom} to ${c.validTo}; serial ${c.serialNumber}`;
}

/** Every certificate problem of a peer chain (leaf first) for `host`, each with its proof. */
export function certificateProblems(chain: readonly Uint8Array[], host: string, authorizationError: string | null, now: Date): CertProblem[] {
  const certs = chain.map((der) => new X509Certificate(Buffer.from(der)));
  const leaf = certs[0];
  if (!leaf) return [];
  const out: CertProblem[] = [];
  const leafText = describe(leaf);
  const validTo = new Date(leaf.validTo);
  const validFrom = new Date(leaf.validFrom);
  if (validTo.getTime() < now.getTime()) {
    out.push({ id: 'cert-expired', title: 'TLS certificate expired', severity: 'high', proof: `The certificate expired on ${leaf.validTo} (checked at ${now.toUTCString()}).\n${leafText}` });
  }
  if (validFrom.getTime() > now.getTime()) {
    out.push({ id: 'cert-not-yet-valid', title: 'TLS certificate not yet valid', severity: 'high', proof: `The certificate is valid only from ${leaf.validFrom} (checked at ${now.toUTCString()}).\n${leafText}` });
  }
  const selfSigned = (certs.length === 1 && leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey)) || SELF_SIGNED_ERRORS.has(authorizationError ?? '');
  if (selfSigned) {
    out.push({
      id: 'cert-self-signed',
      title: 'Self-signed TLS certificate',
      severity: 'medium',
      proof: `The chain ends in a self-signed certificate no trusted root vouches for (verification: ${authorizationError ?? 'failed'}).\n${leafText}`,
    });
  } else if (authorizationError !== null && !DATE_ERRORS.has(authorizationError) && authorizationError !== 'ERR_TLS_CERT_ALTNAME_INVALID') {
    out.push({ id: 'cert-untrusted', title: 'Untrusted TLS certificate chain', severity: 'medium', proof: `The chain does not verify against the trusted roots: ${authorizationError}.\n${leafText}` });
  }
  const match = isIP(host) !== 0 ? leaf.checkIP(host) : leaf.checkHost(host);
  if (match === undefined) {
    out.push({
      id: 'cert-hostname-mismatch',
      title: 'TLS certificate does not match the host name',
      severity: 'medium',
      proof: `The certificate is not valid for "${host}": subject ${leaf.subject.replace(/\n/g, ', ')}; subjectAltName ${leaf.subjectAltName ?? '(none)'}.`,
    });
  }
  const key = leaf.publicKey;
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType === 'rsa' && bits !== undefined && bits < 2048) {
    out.push({ id: 'cert-weak-key', title: 'TLS certificate with an RSA key shorter than 2048 bits', severity: 'medium', proof: `The certificate's RSA public key is ${bits} bits (at least 2048 are required).\n${leafText}` });
  }
  // A root's own signature is never checked (it is trusted as a key), so only certificates that
  // a verifier does check count: the leaf and intermediates.
  const checked = certs.length > 1 && certs[certs.length - 1]?.checkIssued(certs[certs.length - 1] as X509Certificate) ? certs.slice(0, -1) : certs;
  for (const [i, c] of checked.entries()) {
    const oid = signatureAlgorithmOid(chain[i] as Uint8Array);
    const name = oid ? WEAK_SIGNATURES[oid] : undefined;
    if (name) {
      out.push({
        id: 'cert-weak-signature',
        title: 'TLS certificate signed with SHA-1 or MD5',
        severity: 'medium',
        proof: `Certificate ${i === 0 ? 'of the server' : `#${i} of the chain`} is signed with ${name} (OID ${oid}), which collisions make forgeable.\n${describe(c)}`,
      });
      break;
    }
  }
  return out;
}

export function describeChain(chain: readonly Uint8Array[]): string {
  return chain.map((der, i) => `#${i} ${describe(new X509Certificate(Buffer.from(der)))}`).join('\n');
}

/** HSTS shorter than this (180 days) is too short to protect returning visitors. */
export const HSTS_MIN_MAX_AGE = 15_552_000;
