// The running wsc's version, as `wsc workers` shows it: package.json's, read once (the same
// relative path from src/farm and dist/farm).
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
export const WSC_VERSION = typeof pkg.version === 'string' ? pkg.version : 'unknown';
