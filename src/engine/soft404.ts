// Learns how a site answers for paths that do not exist, so checks can tell a found file from a
// "Page not found" page served with status 200 (or a redirect to the home page).
import { randomBytes } from 'node:crypto';
import type { Soft404 } from '../checks/types.js';
import type { HttpResponseData } from '../core/model.js';
import type { ScanSession } from './session.js';

interface Fingerprint {
  status: number;
  /** Where a redirect pointed, with the random token removed. */
  location: string | null;
  shingles: Set<string>;
  length: number;
}

const SIMILAR = 0.8;

function token(): string {
  return randomBytes(9).toString('hex').replace(/\d/g, (d) => 'ghijklmnop'[Number(d)] as string);
}

/** Removes what legitimately differs between two "not found" answers: the path, numbers, dates, ids. */
export function normaliseBody(body: string, url: string): string {
  let s = body.slice(0, 256 * 1024);
  let u: URL | null = null;
  try {
    u = new URL(url);
  } catch {
    // a relative or broken URL has nothing worth stripping beyond what follows
  }
  if (u) {
    const pieces = new Set<string>([u.pathname, u.pathname + u.search]);
    for (const seg of u.pathname.split('/')) {
      if (seg.length >= 3) {
        pieces.add(seg);
        pieces.add(seg.replace(/\.[^.]*$/, ''));
      }
    }
    for (const p of [...pieces].sort((a, b) => b.length - a.length)) {
      if (p.length < 3) continue;
      for (const variant of [p, encodeURI(p), encodeURIComponent(p)]) s = s.split(variant).join(' ');
    }
  }
  return s
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?/g, ' ')
    .replace(/[0-9a-f]{16,}/gi, ' ')
    .replace(/\d+/g, '0')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

function shingles(text: string): Set<string> {
  const words = text.split(/[^a-z0-9\u00c0-\uffff]+/).filter((w) => w !== '');
  const out = new Set<string>();
  if (words.length < 3) {
    for (const w of words) out.add(w);
    return out;
  }
  for (let i = 0; i + 2 < words.length && out.size < 4000; i++) out.add(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
  return out;
}

export function similarity(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let inter = 0;
  const [small, big] = a.size < b.size ? [a, b] : [b, a];
  for (const s of small) if (big.has(s)) inter++;
  return inter / (a.size + b.size - inter);
}

function fingerprint(res: HttpResponseData, url: string): Fingerprint {
  const loc = res.headers['location'];
  let location: string | null = null;
  if (res.status >= 300 && res.status < 400 && loc !== undefined) {
    try {
      const target = new URL(loc, url);
      location = target.origin + normaliseBody(target.pathname, url);
    } catch {
      location = loc;
    }
  }
  const norm = normaliseBody(res.body, url);
  return { status: res.status, location, shingles: shingles(norm), length: norm.length };
}

export class Soft404Detector implements Soft404 {
  constructor(readonly fingerprints: readonly Fingerprint[]) {}

  isNotFound(url: string, response: HttpResponseData): boolean {
    if (response.status === 404 || response.status === 410) return true;
    if (this.fingerprints.length === 0) return false;
    const fp = fingerprint(response, url);
    for (const known of this.fingerprints) {
      if (known.status !== fp.status) continue;
      if (known.location !== null || fp.location !== null) {
        if (known.location === fp.location) return true;
        continue;
      }
      if (known.length === 0 && fp.length === 0) return true;
      const lengthRatio = Math.min(known.length, fp.length) / Math.max(known.length, fp.length, 1);
      if (lengthRatio < 0.5) continue;
      if (similarity(known.shingles, fp.shingles) >= SIMILAR) return true;
    }
    return false;
  }
}

/**
 * Requests three random paths (a bare name, a name with an extension, one in a sub-folder) and
 * remembers the answers. Requests that fail are skipped; a site that answers 404 properly yields a
 * detector that relies on the status alone.
 */
export async function fingerprintSoft404(session: ScanSession, baseUrl: string): Promise<Soft404Detector> {
  const base = new URL(baseUrl);
  const dir = base.pathname.endsWith('/') ? base.pathname : base.pathname.replace(/[^/]*$/, '');
  const probes = [`${dir}${token()}`, `${dir}${token()}.html`, `/${token()}/${token()}.php`];
  const fps: Fingerprint[] = [];
  for (const path of probes) {
    const url = new URL(path, base.origin).href;
    try {
      const ex = await session.send({ method: 'GET', url }, { followRedirects: false });
      const r = ex.response;
      if (r.status === 404 || r.status === 410) continue;
      fps.push(fingerprint(r, url));
    } catch (err) {
      if (err instanceof Error && (err.name === 'AbortError' || err.name === 'BudgetError' || err.name === 'TargetDownError')) throw err;
      // timeouts and resets on a probe: this probe tells us nothing, the others may
      session.log?.('debug', 'soft-404 probe failed', { url, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return new Soft404Detector(fps);
}
