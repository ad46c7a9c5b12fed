// Secrets at rest (API secret keys, job auth headers) are sealed with AES-256-GCM under a master
// key taken from WSC_MASTER_KEY or a generated 0600 file in the data dir.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Sealer {
  seal(plain: string): string;
  open(sealed: string): string;
  /** A keyed MAC (base64url) under a key derived from the master key, for tokens the server can recompute. */
  mac(data: string): string;
}

const VERSION = 'v1';

export function createSealer(masterKey: Buffer): Sealer {
  if (masterKey.length !== 32) throw new Error('master key must be 32 bytes');
  const macKey = createHmac('sha256', masterKey).update('wsc-mac-v1').digest();
  return {
    mac(data) {
      return createHmac('sha256', macKey).update(data, 'utf8').digest('base64url');
    },
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv.toString('base64'), tag.toString('base64'), ct.toString('base64')].join(':');
    },
    open(sealed) {
      const [version, iv, tag, ct] = sealed.split(':');
      if (version !== VERSION || iv === undefined || tag === undefined || ct === undefined) {
        throw new Error('sealed value has an unknown format');
      }
      const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}

/** A passphrase of any length becomes a 32-byte key; a 64-char hex string is used as is. */
export function masterKeyFromString(s: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  return createHash('sha256').update(s, 'utf8').digest();
}

/** WSC_MASTER_KEY if set, else `<dataDir>/master.key`, generated (0600) on first use. */
export function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.WSC_MASTER_KEY;
  if (fromEnv) return masterKeyFromString(fromEnv);
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'master.key');
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  return masterKeyFromString(readFileSync(file, 'utf8').trim());
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) {
    // still spend the time of a comparison so length is the only thing that leaks
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}

export function randomToken(bytes = 20, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
  const raw = randomBytes(bytes);
  let out = '';
  for (const b of raw) out += alphabet[b % alphabet.length];
  return out;
}
