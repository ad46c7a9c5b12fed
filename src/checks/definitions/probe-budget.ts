// The injection checks of this folder share one rule: spend at most meta.requestBudget per crawled
// target, counted the way the engine counts, and stop cleanly before the engine has to stop them.
import type { CheckContext, InsertionPoint } from '../types.js';

export interface ProbeBudget {
  /** True while another request may be sent. */
  left(): boolean;
  /** Records one request sent. */
  spend(): void;
}

export function probeBudget(ctx: Pick<CheckContext, 'requests' | 'pages'>, perTarget: number): ProbeBudget {
  const total = perTarget * Math.max(1, ctx.requests.length, ctx.pages.length);
  let used = 0;
  return {
    left: () => used < total,
    spend: () => {
      used++;
    },
  };
}

/** Insertion points carried by the request itself (not the default headers every request gets). */
export function valuePoints(points: InsertionPoint[]): InsertionPoint[] {
  return points.filter((p) => p.location !== 'header' && p.location !== 'path');
}

/** A random lowercase tag for markers: distinct per probe, never a word a page would contain. */
export function randomTag(len = 8): string {
  let s = '';
  while (s.length < len) s += Math.floor(Math.random() * 36 ** 6).toString(36);
  return s.slice(0, len);
}
