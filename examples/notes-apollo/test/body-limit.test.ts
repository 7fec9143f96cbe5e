/**
 * The 64 KiB body limit holds for a chunked body (no Content-Length): the server stops reading
 * once the limit is passed and answers 413, instead of reading the whole body first.
 *
 * @jest-project integration: it listens on a socket (the example server).
 */
import { postChunked } from '../../test-kit/chunked';
import { start, type RunningNotesServer } from '../src';

const MiB = 1024 * 1024;

describe('notes on Apollo Server: the body limit', () => {
  let server: RunningNotesServer;

  beforeEach(async () => {
    server = await start();
  });

  afterEach(async () => {
    await server.close();
  });

  it('refuses a chunked body over 64 KiB with 413 before the client has sent it all', async () => {
    const answer = await postChunked(server.url, Buffer.from(' '), { totalBytes: 32 * MiB });
    expect(answer.status).toBe(413);
    expect(answer.json.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    // The server reads about 64 KiB; the client is ahead of it by what the sockets buffer.
    expect(answer.sentBeforeAnswer).toBeLessThan(8 * MiB);
  }, 20_000);
});
