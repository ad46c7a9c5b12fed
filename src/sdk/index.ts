// Public surface of the wsc SDK.
export { signRequest, signatureHeaders, HEADER_ACCESS_KEY, HEADER_SIGNATURE, HEADER_TIMESTAMP } from './sign.js';
export { readSse, type SseEvent } from './sse.js';
export { WscApiError, WscConnectionError, isApiErrorBody, type ApiErrorBody, type ErrorCode } from './errors.js';
export {
  WscClient,
  statusCodeOf,
  toJobList,
  toJobRecord,
  toNumber,
  type AssetEntry,
  type AssetVerificationResult,
  type AssetVerificationTicket,
  type CreateJobRequest,
  type CreateJobResult,
  type Envelope,
  type GetJobsQuery,
  type JobEvent,
  type JobList,
  type JobRecord,
  type RawJobList,
  type RawJobRecord,
  type ReportFormat,
  type ReportResult,
  type SearchJobsQuery,
  type SearchTypeName,
  type SpeedName,
  type UserAgentName,
  type WscClientOptions,
} from './client.js';
