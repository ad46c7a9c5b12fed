// API keys: an access key of NCP's shape (20 upper-case alphanumerics) and a 40-character secret,
// sealed at rest with the master key. The clear secret exists only in the return value.
import { randomToken, type Sealer } from '../core/crypto.js';
import type { Store } from './store.js';

const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export async function issueKey(store: Store, sealer: Sealer, accountId: number): Promise<{ accessKey: string; secretKey: string }> {
  const accessKey = randomToken(20);
  const secretKey = randomToken(40, SECRET_ALPHABET);
  await store.insertKey({ accessKey, accountId, secretEnc: sealer.seal(secretKey) });
  return { accessKey, secretKey };
}
