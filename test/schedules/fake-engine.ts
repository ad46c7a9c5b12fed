// A stand-in engine for the scheduling tests: no traffic, it records when (on the test's clock)
// each job started, can hold jobs until released, and can report high findings.
import type { Finding } from '../../src/core/model.js';
import type { Clock } from '../../src/core/time.js';
import type { EngineFn } from '../../src/jobs/runner.js';

export interface FakeEngine {
  engine: EngineFn;
  /** Start URL and clock time of every job the runner started. */
  starts: { url: string; at: number }[];
  /** While true, jobs wait (until the flag drops) before they finish. */
  hold: boolean;
}

export function highFinding(url: string, parameter: string): Finding {
  return {
    item: 'XSS',
    check: 'xss-reflected',
    title: 'Reflected XSS <script>',
    severity: 'high',
    confidence: 'firm',
    cwe: 79,
    url,
    method: 'GET',
    parameter,
    location: 'query',
    payload: '<script>',
    evidence: { request: 'GET / HTTP/1.1', response: 'HTTP/1.1 200 OK', proof: '<script>' },
    curl: `curl '${url}'`,
  };
}

export function fakeEngine(clock: Clock, opts: { highFindings?: number } = {}): FakeEngine {
  const fe: FakeEngine = {
    starts: [],
    hold: false,
    engine: async (job, hooks, signal) => {
      fe.starts.push({ url: job.startUrl, at: clock.now() });
      await hooks.onUrls?.([{ method: 'GET', url: job.startUrl }]);
      for (let i = 0; i < (opts.highFindings ?? 0); i++) await hooks.onFinding?.(highFinding(`${job.startUrl}?p${i}=1`, `p${i}`));
      while (fe.hold && !signal.aborted) await new Promise((r) => setTimeout(r, 20));
      if (signal.aborted) throw new Error('aborted');
      return { stats: { requests: 1, durationMs: 1, crawlMs: 1, scanMs: 0, urls: 1 }, urls: [{ method: 'GET', url: job.startUrl }], findings: [] };
    },
  };
  return fe;
}
