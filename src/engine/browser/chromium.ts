// Where the browser engine's Chromium is, without launching it: a scan must know before the crawl
// whether the browser can be used (and say why not in the report), and a missing browser is a
// normal state of a machine, not an error.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';

export interface ChromiumAvailability {
  ok: boolean;
  path?: string;
  reason?: string;
}

/** Debian's and most distributions' names; wsc never downloads a browser of its own. */
export const CHROMIUM_CANDIDATES: readonly string[] = Object.freeze(['/usr/bin/chromium', '/usr/bin/chromium-browser']);

async function executable(path: string): Promise<string | null> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return 'is not a file';
    await access(path, constants.X_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'does not exist';
    if (code === 'EACCES') return 'is not executable';
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The Chromium to drive: `explicit`, else WSC_CHROMIUM_PATH, else the first of CHROMIUM_CANDIDATES
 * that is an executable file. A path that was named (explicit or the variable) and is unusable is
 * reported as such rather than replaced by a system browser: the operator asked for that one.
 */
export async function findChromium(explicit?: string): Promise<ChromiumAvailability> {
  const named = explicit ?? process.env.WSC_CHROMIUM_PATH;
  if (named !== undefined && named.trim() !== '') {
    const path = named.trim();
    const why = await executable(path);
    const from = explicit !== undefined ? 'the configured Chromium' : 'WSC_CHROMIUM_PATH';
    return why === null ? { ok: true, path } : { ok: false, path, reason: `${from} ${path} ${why}` };
  }
  for (const path of CHROMIUM_CANDIDATES) {
    if ((await executable(path)) === null) return { ok: true, path };
  }
  return { ok: false, reason: `no Chromium found (looked for ${CHROMIUM_CANDIDATES.join(', ')}; set WSC_CHROMIUM_PATH)` };
}
