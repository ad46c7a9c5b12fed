// Errors the SDK throws. API errors carry NCP's errorCode verbatim: a number for service errors
// (901, 160433, ...) or a string for gateway errors ("200", ...).

export type ErrorCode = number | string;

export interface ApiErrorBody {
  error: {
    errorCode: ErrorCode;
    message: string;
    details?: unknown;
  };
}

export class WscApiError extends Error {
  override readonly name = 'WscApiError';
  /** HTTP status of the response. */
  readonly httpStatus: number;
  /** NCP errorCode, or null when the response carried no error envelope (e.g. a proxy's HTML page). */
  readonly errorCode: ErrorCode | null;
  readonly details: unknown;
  /** The parsed response body (or its text when it was not JSON). */
  readonly body: unknown;

  constructor(message: string, httpStatus: number, errorCode: ErrorCode | null, details?: unknown, body?: unknown) {
    super(message);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
    this.details = details;
    this.body = body;
  }
}

/** The endpoint could not be reached, or the request timed out before a response arrived. */
export class WscConnectionError extends Error {
  override readonly name = 'WscConnectionError';
  readonly endpoint: string;

  constructor(message: string, endpoint: string, options?: { cause?: unknown }) {
    super(message, options);
    this.endpoint = endpoint;
  }
}

export function isApiErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { errorCode?: unknown }).errorCode;
  return typeof code === 'number' || typeof code === 'string';
}
