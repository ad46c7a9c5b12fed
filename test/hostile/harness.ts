// Runs one real engine job against a hostile target and measures what it cost: wall time, peak RSS
// above the baseline, and how the job ended. With WSC_ROBUST_OUT set, each case is appended to that
// file as one JSON line for `npm run bench:robust`.
import { appendFileSync } from 'node:fs';
import { runEngine } from '../../src/engine/engine.js';
import type { LookupFunction } from '../../src/engine/egress.js';
import type { EngineJob, EngineLimits, EngineResult } from '../../src/engine/types.js';

export const MB = 1024 * 1024;
/** The generous memory bound every hostile case must stay under, above the pre-run RSS. */
export const RSS_BOUND = 300 * MB;

export const SMALL_LIMITS: Partial<EngineLimits> = {
  maxUrls: 200,
  maxDepth: 3,
  maxDurationMs: 20_000,
  requestTimeoutMs: 2000,
  maxResponseBytes: 2 * MB,
  maxRedirects: 5,
  maxRequests: 400,
};

export interface Outcome {
  result?: EngineResult;
  error?: Error;
  ms: number;
  peakRssDelta: number;
}

export function job(startUrl: string, limits: Partial<EngineLimits> = {}): EngineJob {
  return {
    startUrl,
    excludeUrls: [],
    headers: {},
    userAgent: 'PC Chrome',
    speed: '3',
    items: ['Directory Listing', 'Information Disclosure'],
    limits: { ...SMALL_LIMITS, ...limits },
  };
}

/** Samples RSS every 20 ms while `work` runs; returns the peak above the starting value. */
export async function measured<T>(work: () => Promise<T>): Promise<{ value?: T; error?: Error; ms: number; peakRssDelta: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => {
    const r = process.memoryUsage().rss;
    if (r > peak) peak = r;
  }, 20);
  const started = performance.now();
  try {
    const value = await work();
    return { value, ms: performance.now() - started, peakRssDelta: Math.max(peak, process.memoryUsage().rss) - base };
  } catch (err) {
    return { error: err instanceof Error ? err : new Error(String(err)), ms: performance.now() - started, peakRssDelta: Math.max(peak, process.memoryUsage().rss) - base };
  } finally {
    clearInterval(sampler);
  }
}

export async function runHostile(name: string, j: EngineJob, opts: { signal?: AbortSignal; lookup?: LookupFunction } = {}): Promise<Outcome> {
  const m = await measured(() => runEngine(j, {}, opts.signal ?? new AbortController().signal, opts.lookup ? { lookup: opts.lookup } : {}));
  const out: Outcome = { ms: m.ms, peakRssDelta: m.peakRssDelta };
  if (m.value) out.result = m.value;
  if (m.error) out.error = m.error;
  record(name, { ms: Math.round(m.ms), peakRssMb: Math.round(m.peakRssDelta / MB), rssMb: Math.round(process.memoryUsage().rss / MB), ended: m.error ? m.error.name : 'completed' });
  return out;
}

/** Appends one measurement for the robustness bench (no-op outside it). */
export function record(name: string, data: Record<string, unknown>): void {
  const file = process.env.WSC_ROBUST_OUT;
  if (!file) return;
  appendFileSync(file, JSON.stringify({ case: name, ...data }) + '\n');
}
