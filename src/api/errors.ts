// Every error the API can answer, in one place. Service errors use NCP's Web Security Checker
// codes (numbers); gateway errors use NCP API Gateway's codes (strings) and carry `details`.

export interface ErrorBody {
  error: { errorCode: number | string; message: string; details?: string };
}

export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errorCode: number | string,
    message: string,
    readonly details?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    const error: ErrorBody['error'] = { errorCode: this.errorCode, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

// Service errors: NCP's current docs answer these with HTTP 400.
export const paramValueNotDefine = (field: string) => new ApiError(400, 160433, `Param Value Not Define - ${field}`);
export const apiCallFail = () => new ApiError(400, 901, 'API Call Fail');
export const assetsCheckFail = () => new ApiError(400, 160451, 'Assets_Check_Fail');
/** Our extension for calls whose object exists but has nothing to give yet (e.g. a report). */
export const notReady = (details: string) => new ApiError(400, 160452, 'Not_Ready', details);
/** Our extension: the job's report is past WSC_REPORT_DAYS (its result_button is "expired"). */
export const reportExpired = (details: string) => new ApiError(400, 160453, 'Report_Expired', details);

// Gateway errors.
export const AUTH_MISSING = 'Authentication information are missing.';
export const AUTH_INVALID = 'Invalid authentication information.';
export const authFailed = (details = AUTH_INVALID) => new ApiError(401, '200', 'Authentication Failed', details);
export const permissionDenied = () =>
  new ApiError(401, '210', 'Permission Denied', 'The access key is revoked or disabled.');
/** wsc extension: the caller is authenticated but its account may not use this route. */
export const forbidden = (details = 'This route is for admin accounts only.') => new ApiError(403, '210', 'Permission Denied', details);
export const notFoundException = (details = 'No route matches this method and path.') =>
  new ApiError(404, '300', 'Not Found Exception', details);
export const badRequestException = (details: string) => new ApiError(400, '100', 'Bad Request Exception', details);
export const entityTooLarge = (limit: number) =>
  new ApiError(413, '430', 'Request Entity Too Large', `The request body is over the limit of ${limit} bytes.`);
export const rateLimited = (details = 'Too many requests for this access key; retry later.') =>
  new ApiError(429, '420', 'Rate Limited', details);
export const unsupportedMediaType = (type: string) =>
  new ApiError(415, '100', 'Bad Request Exception', `Content-Type "${type}" is not supported; send application/json.`);
export const unexpectedError = () =>
  new ApiError(500, '900', 'Unexpected Error', 'The server could not complete the request; it has been logged.');
