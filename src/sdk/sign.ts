// NCP API Gateway signature v2, byte-for-byte as the seed documents compute it in Python:
// base64(HMAC-SHA256(secretKey, METHOD + " " + URI + "\n" + timestamp + "\n" + accessKey)).
import { signatureV2 } from '../core/signature.js';

export const HEADER_TIMESTAMP = 'x-ncp-apigw-timestamp';
export const HEADER_ACCESS_KEY = 'x-ncp-iam-access-key';
export const HEADER_SIGNATURE = 'x-ncp-apigw-signature-v2';

/** `uri` is the path plus query string exactly as sent on the wire (e.g. `/api/v1/jobs?limit=10&page=1`). */
export const signRequest: (method: string, uri: string, timestamp: string, accessKey: string, secretKey: string) => string = signatureV2;

/** The three authentication headers for one request; `now` is epoch milliseconds. */
export function signatureHeaders(
  method: string,
  uri: string,
  accessKey: string,
  secretKey: string,
  now: number = Date.now(),
): Record<string, string> {
  const timestamp = String(Math.trunc(now));
  return {
    [HEADER_TIMESTAMP]: timestamp,
    [HEADER_ACCESS_KEY]: accessKey,
    [HEADER_SIGNATURE]: signRequest(method, uri, timestamp, accessKey, secretKey),
  };
}
