/** A POST whose body goes out chunked, for the examples' body-limit tests. */
import { request } from 'node:http';
import { Readable } from 'node:stream';

/** What the server answered to a chunked POST, and how many body bytes the client had sent by then. */
export interface ChunkedAnswer {
  readonly status: number;
  readonly json: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
  readonly sentBeforeAnswer: number;
}

/**
 * POSTs `body` with `Transfer-Encoding: chunked` (no Content-Length), in pieces of at most
 * `chunkBytes`, made only when the socket asks for more; repeats `body` to `totalBytes` if given.
 */
export function postChunked(url: string, body: Buffer, options: { headers?: Record<string, string>; totalBytes?: number; chunkBytes?: number } = {}): Promise<ChunkedAnswer> {
  const total = options.totalBytes ?? body.length;
  const chunkBytes = options.chunkBytes ?? 16 * 1024;
  let sent = 0;
  const source = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const size = Math.min(chunkBytes, total - sent);
      const chunk = Buffer.alloc(size);
      for (let i = 0; i < size; i += 1) chunk[i] = body[(sent + i) % body.length]!;
      sent += size;
      this.push(chunk);
    },
  });
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...options.headers } }, (response) => {
      answered = true;
      const sentBeforeAnswer = sent;
      source.unpipe(outgoing); // stop sending whatever is left
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => {
        outgoing.destroy();
        resolve({ status: response.statusCode ?? 0, json: JSON.parse(Buffer.concat(parts).toString('utf8')) as ChunkedAnswer['json'], sentBeforeAnswer });
      });
      response.on('error', reject);
    });
    // Once answered, a write error is the server closing a connection whose body it left unread.
    outgoing.on('error', (error) => {
      if (!answered) reject(error);
    });
    source.pipe(outgoing);
  });
}
