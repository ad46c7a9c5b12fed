// How the crawl keeps a page's answer for the scan phase. Checks read bodies long after the crawl
// (passive checks scan every page, injection checks compare against them), so each body stays for
// the whole job; kept as strings, 3,000 pages of 64 KB were 190 MB of heap and, with the garbage
// collector's headroom, most of a 550 MB process. Large bodies are kept deflated (markup shrinks
// five- to twentyfold) and inflated when a check reads them; small ones, the common case, as they
// are, since compressing them would cost more than it saves.
import { deflateRawSync, inflateRawSync, constants } from 'node:zlib';
import type { HttpResponseData } from '../../core/model.js';

/** Bodies of at least this many characters are kept deflated; WSC_KEEP_DEFLATE_CHARS overrides (0: never). */
export const KEEP_DEFLATE_CHARS = ((): number => {
  const raw = process.env.WSC_KEEP_DEFLATE_CHARS;
  if (raw !== undefined && /^\d+$/.test(raw.trim())) return Number(raw) === 0 ? Infinity : Number(raw);
  return 8 * 1024;
})();

/**
 * The few bodies read most recently, inflated: a check reads the same page several times in a row
 * (a pattern per line, then the proof), and a page is not worth inflating each time.
 */
const recent = new Map<Buffer, string>();
const RECENT_MAX = 16;

function inflate(packed: Buffer): string {
  const hit = recent.get(packed);
  if (hit !== undefined) {
    recent.delete(packed);
    recent.set(packed, hit);
    return hit;
  }
  const body = inflateRawSync(packed).toString('utf8');
  recent.set(packed, body);
  if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value as Buffer);
  return body;
}

/**
 * The answer as the crawl keeps it: the same fields, a large body deflated until read. `body` is an
 * own enumerable getter, so a spread copy, JSON (a checkpoint) or a structured clone still gets
 * the text.
 */
export function keptResponse(res: HttpResponseData): HttpResponseData {
  if (res.body.length < KEEP_DEFLATE_CHARS) return res;
  // level 1: a third of the CPU of the default for a few per cent more bytes
  const packed = deflateRawSync(Buffer.from(res.body, 'utf8'), { level: 1, strategy: constants.Z_DEFAULT_STRATEGY });
  const { body: _body, ...rest } = res;
  const kept = { ...rest } as HttpResponseData;
  Object.defineProperty(kept, 'body', { enumerable: true, configurable: true, get: () => inflate(packed) });
  return kept;
}
