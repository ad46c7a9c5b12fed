// NCP's job status codes. The set is frozen: every transition in the store is a guarded UPDATE
// from an explicit list of these, so repeated stop/cancel calls are safe.

export const STATUS = {
  DIAG_PENDING: 2,
  DIAG_RUNNING: 3,
  DIAG_DONE: 4,
  DIAG_FAILED: 5,
  CRAWL_PENDING: 12,
  CRAWL_RUNNING: 13,
  CRAWL_DONE: 14,
  CRAWL_FAILED: 15,
  CANCELED: 91,
  STOPPING: 92,
  STOPPED: 93,
} as const;

export type JobStatus = (typeof STATUS)[keyof typeof STATUS];

export const ALL_STATUSES: readonly JobStatus[] = Object.freeze(Object.values(STATUS));

export function isJobStatus(n: unknown): n is JobStatus {
  return typeof n === 'number' && (ALL_STATUSES as readonly number[]).includes(n);
}

export const STATUS_TEXT: Readonly<Record<JobStatus, string>> = Object.freeze({
  2: 'Diagnostics pending',
  3: 'Diagnosing',
  4: 'Diagnostics completed',
  5: 'Diagnostics failed',
  12: 'Scheduled',
  13: 'Collecting URLs',
  14: 'URL collection completed',
  15: 'URL collection failed',
  91: 'Canceled',
  92: 'Stopping',
  93: 'Stopped',
});

/** Waiting for a runner slot: cancel is allowed (-> 91). */
export const PENDING_STATUSES: readonly JobStatus[] = Object.freeze([STATUS.CRAWL_PENDING, STATUS.DIAG_PENDING]);
/** Being worked on by a runner: stop is allowed (-> 92 -> 93). */
export const RUNNING_STATUSES: readonly JobStatus[] = Object.freeze([
  STATUS.CRAWL_RUNNING,
  STATUS.CRAWL_DONE,
  STATUS.DIAG_RUNNING,
]);
/** Nothing will change these any more (except expiry, which is derived from dates). */
export const FINAL_STATUSES: readonly JobStatus[] = Object.freeze([
  STATUS.DIAG_DONE,
  STATUS.DIAG_FAILED,
  STATUS.CRAWL_FAILED,
  STATUS.CANCELED,
  STATUS.STOPPED,
]);
