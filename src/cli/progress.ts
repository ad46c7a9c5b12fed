// Progress of a local scan on stderr: a redrawn bar on a terminal, plain throttled lines otherwise
// (so CI logs and pipes get something readable instead of carriage-return noise). Besides the phase
// and findings it shows the scan's health as it goes: requests per second, requests without a usable
// answer, elapsed time and, once the scan phase has progressed, an estimate of the time left.
import type { Finding } from '../core/model.js';
import type { EnginePhase, EngineStats } from '../engine/types.js';
import type { CliOutput } from './context.js';

export interface ScanProgress {
  phase(p: EnginePhase): void;
  crawl(urlCount: number): void;
  scan(percent: number): void;
  finding(f: Finding): void;
  /** The engine's live statistics (about once a second). */
  stats(s: EngineStats): void;
  /** Ends the bar (clears the line on a TTY). */
  done(): void;
}

const BAR = 30;

// Text from the target must not drive the terminal (escape sequences in a URL or title).
function plain(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
const LINE_EVERY_MS = 2000;
/** Requests-per-second is taken over this much recent time, so it follows the target's pace. */
const RATE_WINDOW_MS = 5000;

/** 75 -> "1m15s", 3700 -> "1h01m". */
export function formatSeconds(totalSeconds: number): string {
  const t = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** The health part of a progress line: "123 req/s, 4 errors, 1m05s elapsed, ETA 2m10s". */
export function healthText(s: { rate: number; errors: number; elapsedMs: number; etaMs: number | null; paused: boolean }): string {
  const eta = s.etaMs === null ? '' : `, ETA ${formatSeconds(s.etaMs / 1000)}`;
  return `${s.paused ? 'paused (target silent)' : `${Math.round(s.rate)} req/s`}, ${s.errors} error${s.errors === 1 ? '' : 's'}, ${formatSeconds(s.elapsedMs / 1000)} elapsed${eta}`;
}

export function createProgress(out: CliOutput, tty: boolean, now: () => number = Date.now): ScanProgress {
  let phase: EnginePhase | 'start' = 'start';
  let urls = 0;
  let percent = 0;
  let findings = 0;
  let lastLine = 0;
  let lastPercentLine = -1;
  let drawn = false;
  let scanStartedAt = 0;
  let scanStartPercent = 0;
  let health = '';
  // (time, requests) samples over the last RATE_WINDOW_MS
  const samples: [number, number][] = [];
  let lastStatsLine = 0;

  const draw = (): void => {
    if (!tty) return;
    const filled = phase === 'scan' ? Math.round((percent / 100) * BAR) : 0;
    const bar = phase === 'scan' ? '#'.repeat(filled) + '.'.repeat(BAR - filled) : '~'.repeat(BAR);
    const what = phase === 'scan' ? `scan ${String(percent).padStart(3)}%` : `crawl ${urls} URLs`;
    out.write(`\r\x1b[2K[${bar}] ${what}  ${findings} finding${findings === 1 ? '' : 's'}${health ? `  ${health}` : ''}`);
    drawn = true;
  };
  const line = (s: string): void => {
    out.write(`${s}\n`);
    lastLine = now();
  };

  return {
    phase(p) {
      phase = p;
      if (p === 'scan') {
        scanStartedAt = now();
        scanStartPercent = percent;
      }
      if (tty) draw();
      else line(p === 'crawl' ? 'crawl: started' : `scan: started (${urls} URLs collected)`);
    },
    crawl(n) {
      urls = n;
      if (tty) draw();
      else if (now() - lastLine >= LINE_EVERY_MS) line(`crawl: ${n} URLs`);
    },
    scan(p) {
      percent = p;
      if (tty) draw();
      else if (Math.floor(p / 10) > Math.floor(lastPercentLine / 10) || p === 100) {
        if (p !== lastPercentLine) line(`scan: ${p}% (${findings} findings)`);
        lastPercentLine = p;
      }
    },
    stats(s) {
      const t = now();
      samples.push([t, s.requests]);
      while (samples.length > 2 && t - (samples[0] as [number, number])[0] > RATE_WINDOW_MS) samples.shift();
      const [t0, r0] = samples[0] as [number, number];
      const rate = t > t0 ? ((s.requests - r0) * 1000) / (t - t0) : 0;
      const h = s.health;
      const errors = h ? h.errors.refused + h.errors.reset + h.errors.timeout + h.errors.tls + h.errors.other + h.unavailable : 0;
      // ETA from the scan phase's own pace; the crawl's length is not known in advance
      let etaMs: number | null = null;
      const done = percent - scanStartPercent;
      if (phase === 'scan' && done >= 2 && percent < 100) etaMs = ((t - scanStartedAt) / done) * (100 - percent);
      const paused = h !== undefined && h.pauses > 0 && rate === 0 && samples.length > 1;
      health = healthText({ rate, errors, elapsedMs: s.durationMs, etaMs, paused });
      if (tty) draw();
      else if (t - lastStatsLine >= 10_000) {
        lastStatsLine = t;
        line(`${phase === 'scan' ? `scan: ${percent}%` : `crawl: ${urls} URLs`}, ${health}`);
      }
    },
    finding(f) {
      findings++;
      if (tty) {
        out.write(`\r\x1b[2K[${f.severity}] ${plain(f.title)}: ${plain(f.method)} ${plain(f.url)}\n`);
        draw();
      } else {
        line(`finding: [${f.severity}] ${plain(f.title)}: ${plain(f.method)} ${plain(f.url)}${f.parameter ? ` (${plain(f.parameter)})` : ''}`);
      }
    },
    done() {
      if (tty && drawn) out.write('\r\x1b[2K');
    },
  };
}
