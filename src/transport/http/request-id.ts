import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Client request ids we keep: short, printable, no separators that could forge log lines. */
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/** Keeps a well-formed client `X-Request-Id`, otherwise makes a new one. */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && WELL_FORMED.test(given) ? given : randomUUID();
}
