// Progress of a local scan on stderr: a redrawn bar on a terminal, plain throttled lines otherwise
// (so CI logs and pipes get something readable instead of carriage-return noise).
import type { Finding } from '../core/model.js';
import type { EnginePhase } from '../engine/types.js';
import type { CliOutput } from './context.js';

export interface ScanProgress {
  phase(p: EnginePhase): void;
  crawl(urlCount: number): void;
  scan(percent: number): void;
  finding(f: Finding): void;
  /** Ends the bar (clears the line on a TTY). */
  done(): void;
}

const BAR = 30;

// Text from the target must not drive the terminal (escape sequences in a URL or title).
function plain(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
const LINE_EVERY_MS = 2000;

export function createProgress(out: CliOutput, tty: boolean, now: () => number = Date.now): ScanProgress {
  let phase: EnginePhase | 'start' = 'start';
  let urls = 0;
  let percent = 0;
  let findings = 0;
  let lastLine = 0;
  let lastPercentLine = -1;
  let drawn = false;

  const draw = (): void => {
    if (!tty) return;
    const filled = phase === 'scan' ? Math.round((percent / 100) * BAR) : 0;
    const bar = phase === 'scan' ? '#'.repeat(filled) + '.'.repeat(BAR - filled) : '~'.repeat(BAR);
    const what = phase === 'scan' ? `scan ${String(percent).padStart(3)}%` : `crawl ${urls} URLs`;
    out.write(`\r\x1b[2K[${bar}] ${what}  ${findings} finding${findings === 1 ? '' : 's'}`);
    drawn = true;
  };
  const line = (s: string): void => {
    out.write(`${s}\n`);
    lastLine = now();
  };

  return {
    phase(p) {
      phase = p;
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
