// Machine-readable output of `wsc scan`: --jsonl writes each finding to stdout the moment it is
// found, then one stats line; --stats N writes a stats line to stderr every N seconds. Stats are
// built from what the engine already reports (phase, URLs, percent, findings, and at the end its
// EngineStats), as one flat object so fields can be added without breaking a reader.
import type { Finding, Severity } from '../core/model.js';
import type { EnginePhase, EngineStats } from '../engine/types.js';
import type { CliOutput } from './context.js';

export const JSONL_VERSION = 1;

export interface StreamStats {
  type: 'stats';
  version: number;
  /** true on the last line (the scan ended); false on the periodic --stats lines. */
  final: boolean;
  target: string;
  phase: EnginePhase | 'start' | 'done';
  elapsedMs: number;
  /** URLs collected so far (crawl progress; the final count once the crawl ended). */
  urls: number;
  /** 0-100 through the scan phase. */
  percent: number;
  findings: number;
  severity: Record<Severity, number>;
  /** Set on the final line when a limit or a stop ended the scan early. */
  limitReached?: string;
  /** The engine's totals, on the final line only: requests, durationMs, crawlMs, scanMs, urls, tokens. */
  engine?: EngineStats;
  [extension: string]: unknown;
}

export interface ScanStreamOptions {
  target: string;
  /** Findings and the last stats line as JSON Lines on `stdout`. */
  jsonl: boolean;
  stdout: CliOutput;
  stderr: CliOutput;
  /** Seconds between stats lines on stderr; 0 or undefined: none. */
  statsEverySeconds?: number;
  now?: () => number;
  /** Extra fields merged into every stats line (e.g. another component's health figures). */
  extraStats?: () => Record<string, unknown>;
}

export interface ScanStream {
  phase(p: EnginePhase): void;
  crawl(urls: number): void;
  scan(percent: number): void;
  finding(f: Finding): void;
  /** Stops the timer and, with --jsonl, writes the final stats line. */
  end(result: { stats?: EngineStats; limitReached?: string | undefined }): StreamStats;
}

/** A finding as one JSON line: the JSON report's finding, tagged so a reader can tell lines apart. */
export function findingLine(f: Finding): string {
  return JSON.stringify({ type: 'finding', version: JSONL_VERSION, ...f }) + '\n';
}

export function createScanStream(o: ScanStreamOptions): ScanStream {
  const now = o.now ?? Date.now;
  const started = now();
  let phase: StreamStats['phase'] = 'start';
  let urls = 0;
  let percent = 0;
  const severity: Record<Severity, number> = { high: 0, medium: 0, low: 0, info: 0 };
  let findings = 0;
  const snapshot = (final: boolean): StreamStats => ({
    type: 'stats',
    version: JSONL_VERSION,
    final,
    target: o.target,
    phase,
    elapsedMs: now() - started,
    urls,
    percent,
    findings,
    severity: { ...severity },
    ...(o.extraStats ? o.extraStats() : {}),
  });
  const every = o.statsEverySeconds ?? 0;
  const timer = every > 0 ? setInterval(() => o.stderr.write(JSON.stringify(snapshot(false)) + '\n'), Math.max(1, every * 1000)) : null;
  timer?.unref();
  return {
    phase(p) {
      phase = p;
    },
    crawl(n) {
      urls = n;
    },
    scan(p) {
      percent = p;
    },
    finding(f) {
      findings++;
      severity[f.severity]++;
      if (o.jsonl) o.stdout.write(findingLine(f));
    },
    end(result) {
      if (timer) clearInterval(timer);
      phase = 'done';
      if (result.stats) urls = result.stats.urls;
      const last = snapshot(true);
      if (result.limitReached !== undefined) last.limitReached = result.limitReached;
      if (result.stats) last.engine = result.stats;
      if (o.jsonl) o.stdout.write(JSON.stringify(last) + '\n');
      return last;
    },
  };
}
