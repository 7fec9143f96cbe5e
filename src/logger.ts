import pino, { type Logger } from 'pino';
import type { SignetConfig } from './config';
import { serializeRequestForLog } from './transport/http/client-address';
import { serializeErrorForLog } from './error-log';

/** Where a logger writes: a server's log stream is its stdout; a one-shot command's stdout is its output, so it logs to stderr. */
export type LogStream = 'stdout' | 'stderr';

/** Builds the logger: JSON lines; request headers that carry credentials, and what a driver's error carries (error-log.ts), are never logged. */
export function createLogger(level: SignetConfig['logLevel'], stream: LogStream = 'stdout'): Logger {
  return pino({
    level,
    base: { service: 'signet' },
    redact: { paths: ['req.headers.authorization', 'req.headers.signature', 'req.headers["signature-input"]', 'privateKey', 'secret'], censor: '[redacted]' },
    // Request logs name the canonical client address, never the raw forwarded text.
    serializers: { req: serializeRequestForLog, err: serializeErrorForLog },
  }, stream === 'stderr' ? pino.destination({ dest: 2, sync: true }) : undefined);
}
