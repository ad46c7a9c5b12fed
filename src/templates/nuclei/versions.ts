// compare_versions(version, constraints...) as Nuclei templates use it for version checks:
// constraints such as ">= 1.2.3", "<2.0", "~> 4.1" or "!= 1.0", each possibly several joined by commas.

interface Parsed {
  nums: number[];
  pre: string;
}

function parse(v: string): Parsed | null {
  const m = /^\s*v?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$/.exec(v);
  if (!m) return null;
  return { nums: (m[1] as string).split('.').map(Number), pre: m[2] ?? '' };
}

function cmp(a: Parsed, b: Parsed): number {
  for (let i = 0; i < Math.max(a.nums.length, b.nums.length); i++) {
    const d = (a.nums[i] ?? 0) - (b.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  // a pre-release sorts before its release (1.0.0-rc1 < 1.0.0)
  if (a.pre === b.pre) return 0;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  return a.pre < b.pre ? -1 : 1;
}

function holds(version: Parsed, constraint: string): boolean {
  const m = /^\s*(~>|>=|<=|!=|==|=|>|<)?\s*(.+?)\s*$/.exec(constraint);
  if (!m) return false;
  const target = parse(m[2] as string);
  if (!target) return false;
  const c = cmp(version, target);
  switch (m[1] ?? '=') {
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '!=':
      return c !== 0;
    case '~>': {
      // pessimistic: >= target and below the next release of its second-to-last segment
      if (c < 0) return false;
      const upper = target.nums.slice(0, Math.max(1, target.nums.length - 1));
      upper[upper.length - 1] = (upper[upper.length - 1] ?? 0) + 1;
      return cmp(version, { nums: upper, pre: '' }) < 0;
    }
    default:
      return c === 0;
  }
}

/** True when `version` satisfies every constraint; false for a version that does not parse. */
export function compareVersions(version: string, constraints: readonly string[]): boolean {
  const v = parse(version);
  if (!v) return false;
  return constraints.flatMap((c) => c.split(',')).every((c) => holds(v, c));
}
