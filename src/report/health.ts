// The "Scan health" part of every report: what the target did with the scan's requests and the
// verdict, so that a scan that could not do its work never reads as a clean result.
import type { HealthStats } from '../engine/health.js';

const VERDICT_TEXT: Record<HealthStats['verdict'], string> = {
  healthy: 'healthy: the target answered the scan',
  degraded: 'degraded: the scan did not reach everything, so no finding is not proof of safety',
  down: 'target down: the target stopped answering and the scan ended early',
};

/** Label/value rows for the HTML and PDF "Scan health" section. */
export function healthRows(h: HealthStats): [string, string][] {
  const s = h.status;
  const e = h.errors;
  const rows: [string, string][] = [
    ['Verdict', VERDICT_TEXT[h.verdict]],
    ...h.reasons.map((r): [string, string] => ['Why', r]),
    ['Requests sent', String(h.sent)],
    ['Answered', `${h.answered} (1xx ${s['1xx']}, 2xx ${s['2xx']}, 3xx ${s['3xx']}, 4xx ${s['4xx']}, 5xx ${s['5xx']}; 502/503/504 ${h.unavailable})`],
    ['Answers cut at the size limit', String(h.truncated)],
    ['No answer', `${e.refused + e.reset + e.timeout + e.tls + e.other} (refused ${e.refused}, reset ${e.reset}, timed out ${e.timeout}, TLS ${e.tls}, other ${e.other})`],
    ['Retries', String(h.retries)],
    ['Back-offs', `${h.backoffs} (${formatMs(h.backoffMs)} of added waiting)`],
    ['Pauses for a silent target', `${h.pauses} (${h.probes} probes, ${formatMs(h.pausedMs)} paused)`],
    ['Re-logins', String(h.relogins)],
    ['Forms that refused a fresh anti-CSRF token', String(h.tokenRejected)],
    ['Pages skipped by limits', String(h.pagesSkipped)],
    ['Attack targets not reached', String(h.targetsSkipped)],
  ];
  return rows;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The JSON report's spelling (snake_case, as the rest of that report). */
export function healthJson(h: HealthStats): Record<string, unknown> {
  return {
    verdict: h.verdict,
    reasons: h.reasons,
    sent: h.sent,
    answered: h.answered,
    status: h.status,
    unavailable: h.unavailable,
    truncated: h.truncated,
    errors: h.errors,
    retries: h.retries,
    backoffs: h.backoffs,
    backoff_ms: h.backoffMs,
    relogins: h.relogins,
    token_rejected: h.tokenRejected,
    pages_skipped: h.pagesSkipped,
    targets_skipped: h.targetsSkipped,
    pauses: h.pauses,
    probes: h.probes,
    paused_ms: h.pausedMs,
  };
}
