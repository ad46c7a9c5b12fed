// One pino logger; secrets in headers are redacted wherever they are logged.
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'headers.cookie',
  'headers.authorization',
  'headers["x-ncp-apigw-signature-v2"]',
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-ncp-apigw-signature-v2"]',
  'settings.headers',
  'secret',
  'secretKey',
];

export function createLogger(level = process.env.WSC_LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { svc: 'wsc' } }, destination as never);
}
