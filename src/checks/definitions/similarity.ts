// Content similarity for checks that compare two answers (a backup and its original, an anonymous
// and an authenticated view, two objects of the same shape): Jaccard over word 3-grams.

/** Lower-cased words, with digits and long hex runs folded so ids and dates do not count as change. */
function words(text: string): string[] {
  return text
    .slice(0, 256 * 1024)
    .toLowerCase()
    .replace(/[0-9a-f]{16,}/g, ' ')
    .replace(/\d+/g, '0')
    .split(/[^a-z0-9\u00c0-\uffff]+/)
    .filter((w) => w !== '');
}

export function shingles(text: string): Set<string> {
  const w = words(text);
  const out = new Set<string>();
  if (w.length < 3) {
    for (const x of w) out.add(x);
    return out;
  }
  for (let i = 0; i + 2 < w.length && out.size < 5000; i++) out.add(`${w[i]} ${w[i + 1]} ${w[i + 2]}`);
  return out;
}

/** 0 (nothing in common) to 1 (same words in the same order). */
export function textSimilarity(a: string, b: string): number {
  const x = shingles(a);
  const y = shingles(b);
  if (x.size === 0 && y.size === 0) return a.trim() === b.trim() ? 1 : 0;
  let inter = 0;
  const [small, big] = x.size < y.size ? [x, y] : [y, x];
  for (const s of small) if (big.has(s)) inter++;
  return inter / (x.size + y.size - inter);
}

/** Length ratio, smaller over larger (1 when both are empty). */
export function lengthRatio(a: string, b: string): number {
  const m = Math.max(a.length, b.length);
  return m === 0 ? 1 : Math.min(a.length, b.length) / m;
}
