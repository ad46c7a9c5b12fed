// NCP API Gateway signature v2, as in the seeds' make_signature():
// base64(HMAC-SHA256(secret, METHOD + " " + URI + "\n" + timestamp + "\n" + accessKey)).
import { createHmac } from 'node:crypto';

export function signatureV2(method: string, uri: string, timestamp: string, accessKey: string, secretKey: string): string {
  const message = `${method} ${uri}\n${timestamp}\n${accessKey}`;
  return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(message, 'utf8').digest('base64');
}
