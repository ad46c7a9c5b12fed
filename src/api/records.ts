// JobRow -> NCP record_data entry, and NCP's pagination block arithmetic.
import { STATUS, STATUS_TEXT, type JobStatus } from '../core/status.js';
import { formatDateTime } from '../core/time.js';
import type { JobRow } from '../jobs/store.js';

export interface RecordPolicy {
  timeZone: string;
  now: number;
  rescanMax: number;
  rescanDays: number;
  reportDays: number;
}

export type ResultButton = 'report' | 'cancel' | 'terminate' | 'expired' | 'cause';
export type RescanButton = 'possible' | 'expired';

const DAY = 24 * 3600 * 1000;

export function resultButton(job: JobRow, p: RecordPolicy): ResultButton {
  switch (job.status) {
    case STATUS.DIAG_DONE:
      return job.endedAt !== null && p.now > job.endedAt + p.reportDays * DAY ? 'expired' : 'report';
    case STATUS.DIAG_FAILED:
    case STATUS.CRAWL_FAILED:
      return 'cause';
    case STATUS.CRAWL_PENDING:
    case STATUS.DIAG_PENDING:
    case STATUS.CANCELED:
      return 'cancel';
    default:
      // 13, 14, 3 (can be stopped), 92 and 93 (stopped)
      return 'terminate';
  }
}

/** Re-diagnosis: a completed master, at most rescanMax times, within rescanDays of its end. */
export function rescanButton(job: JobRow, slaveCount: number, p: RecordPolicy): RescanButton | null {
  if (job.status !== STATUS.DIAG_DONE || job.masterId !== null) return null;
  if (slaveCount >= p.rescanMax) return 'expired';
  if (job.endedAt === null || p.now > job.endedAt + p.rescanDays * DAY) return 'expired';
  return 'possible';
}

function countText(n: number | null): string | null {
  return n === null ? null : String(n);
}

const PROGRESS_SHOWN: readonly JobStatus[] = [STATUS.DIAG_RUNNING, STATUS.DIAG_DONE, STATUS.STOPPING, STATUS.STOPPED, STATUS.DIAG_FAILED];

export function toRecord(job: JobRow, slaves: readonly JobRow[], p: RecordPolicy): Record<string, unknown> {
  return {
    instanceNo: String(job.id),
    start_date: formatDateTime(job.startedAt ?? job.createdAt, p.timeZone),
    end_date: job.endedAt === null ? null : formatDateTime(job.endedAt, p.timeZone),
    status: STATUS_TEXT[job.status],
    progress: PROGRESS_SHOWN.includes(job.status) ? job.progress : null,
    start_url: job.startUrl,
    crawl_cnt: countText(job.crawlCount),
    scan_cnt: countText(job.scanCount),
    memo: job.memo,
    result_button: resultButton(job, p),
    result_desc: job.resultDesc,
    rescan_button: rescanButton(job, slaves.length, p),
    slave_data: slaves.length === 0 ? null : slaves.map((s) => ({ ...toRecord(s, [], p), slave_data: null })),
    // wsc extension, only on reserved jobs: an NCP client never reserves, so never sees it
    ...(job.reservedAt !== null ? { reserved_at: job.reservedAt } : {}),
  };
}

export interface PageInfo {
  totalPages: number;
  startPage: number;
  endPage: number;
}

/** Pages in blocks of 10, as NCP's console paginates. */
export function pageBlock(total: number, limit: number, page: number): PageInfo {
  const totalPages = Math.ceil(total / limit);
  const startPage = Math.floor((page - 1) / 10) * 10 + 1;
  return { totalPages, startPage, endPage: startPage + 9 };
}
