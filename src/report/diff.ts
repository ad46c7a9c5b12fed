// Re-diagnosis comparison: a slave job's findings against its master's, matched by
// (item, URL path, parameter), the same key the store de-duplicates on.
import { findingKey, type Finding } from '../core/model.js';
import { compareFindings } from './json.js';

export type RescanStatus = 'fixed' | 'still present' | 'new';
export const RESCAN_STATUSES: readonly RescanStatus[] = ['fixed', 'still present', 'new'];

export interface DiffEntry {
  status: RescanStatus;
  /** For "fixed", the master's finding; otherwise the re-diagnosis's own. */
  finding: Finding;
}

export interface FindingDiff {
  masterId: string;
  counts: Record<RescanStatus, number>;
  /** Sorted by status (still present, new, fixed), then by severity. */
  entries: DiffEntry[];
}

const ORDER: Record<RescanStatus, number> = { 'still present': 0, new: 1, fixed: 2 };

export function diffFindings(masterId: string, master: readonly Finding[], current: readonly Finding[]): FindingDiff {
  const before = new Set(master.map(findingKey));
  const now = new Set(current.map(findingKey));
  const entries: DiffEntry[] = [];
  for (const f of current) entries.push({ status: before.has(findingKey(f)) ? 'still present' : 'new', finding: f });
  for (const f of master) if (!now.has(findingKey(f))) entries.push({ status: 'fixed', finding: f });
  entries.sort((a, b) => ORDER[a.status] - ORDER[b.status] || compareFindings(a.finding, b.finding));
  const counts: Record<RescanStatus, number> = { fixed: 0, 'still present': 0, new: 0 };
  for (const e of entries) counts[e.status]++;
  return { masterId, counts, entries };
}

/** The status of one of the current job's findings, or undefined when there is no comparison. */
export function statusOf(diff: FindingDiff | undefined, f: Finding): RescanStatus | undefined {
  if (!diff) return undefined;
  const key = findingKey(f);
  return diff.entries.find((e) => e.status !== 'fixed' && findingKey(e.finding) === key)?.status;
}
