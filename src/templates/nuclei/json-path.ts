// The part of jq that Nuclei's json extractors mostly use: paths such as .a.b, .a[0], .a[] and
// .["key"]. Anything more (pipes, select, functions) is not a path and the template is skipped.

export type JsonStep = { key: string } | { index: number } | { each: true };
export type JsonPath = JsonStep[];

export function parseJsonPath(q: string): JsonPath | null {
  const s = q.trim();
  if (!s.startsWith('.')) return null;
  const steps: JsonPath = [];
  let i = 1;
  if (s === '.') return steps;
  while (i < s.length) {
    const rest = s.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^([A-Za-z_][A-Za-z0-9_-]*)/.exec(rest))) steps.push({ key: m[1] as string });
    else if ((m = /^\[\]/.exec(rest))) steps.push({ each: true });
    else if ((m = /^\[(\d+)\]/.exec(rest))) steps.push({ index: Number(m[1]) });
    else if ((m = /^\["((?:[^"\\]|\\.)*)"\]/.exec(rest))) steps.push({ key: JSON.parse(`"${m[1] as string}"`) as string });
    else if ((m = /^\./.exec(rest))) {
      // a separator between steps
    } else return null;
    i += m[0].length;
  }
  return steps;
}

/** Every value the path reaches, as text (objects and arrays as JSON). */
export function queryJson(value: unknown, path: JsonPath): string[] {
  let cur: unknown[] = [value];
  for (const step of path) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('each' in step) {
        if (Array.isArray(v)) next.push(...v);
        else if (v !== null && typeof v === 'object') next.push(...Object.values(v));
      } else if ('index' in step) {
        if (Array.isArray(v) && step.index < v.length) next.push(v[step.index]);
      } else if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, step.key)) {
        next.push((v as Record<string, unknown>)[step.key]);
      }
    }
    cur = next;
  }
  return cur.filter((v) => v !== undefined && v !== null).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}
