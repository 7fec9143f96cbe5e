/**
 * Reading a request body as the exact bytes received: the signature covers a Content-Digest of
 * these bytes, so they are kept before anything parses them.
 */
import type { IncomingMessage } from 'node:http';

/** Largest body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The body bytes, or null when they exceed `limit` (the rest is not read). */
export async function readRawBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Uint8Array | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
