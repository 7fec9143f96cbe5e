/**
 * The 64 KiB body limit holds for a chunked body (no Content-Length): the server stops reading
 * once the limit is passed and answers 413, instead of reading the whole body first. A signed body
 * sent in chunks still verifies over its exact bytes.
 *
 * @jest-project integration: it listens on a socket (the example server).
 */
import { generateKeyPairSync } from 'node:crypto';
import { postChunked } from '../../test-kit/chunked';
import { signatureHeaders } from '../../test-kit/sign';
import { start, type RunningPaymentsServer } from '../src';

const MiB = 1024 * 1024;

describe('payments on graphql-yoga: the body limit', () => {
  let server: RunningPaymentsServer;

  beforeEach(async () => {
    server = await start({ balances: { alice: 100, bob: 0 } });
  });

  afterEach(async () => {
    await server.close();
  });

  it('refuses a chunked body over 64 KiB with 413 before the client has sent it all', async () => {
    const total = 32 * MiB;
    const answer = await postChunked(server.url, Buffer.from(' '), { totalBytes: total });

    expect(answer.status).toBe(413);
    expect(answer.json.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
    // Before the fix the answer came only after all 32 MiB. Now the server reads about 64 KiB; the
    // client is ahead of it by what the two sockets buffer on the way (about 4 MiB on loopback).
    expect(answer.sentBeforeAnswer).toBeLessThan(8 * MiB);
  }, 20_000);

  it('verifies a signed body sent in small chunks over its exact bytes', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    server.keys.add({ keyId: 'alice-key', algorithm: 'ed25519', publicKey, account: 'alice', scopes: ['payments:read'], createdAtMs: Date.now() });
    const body = JSON.stringify({ query: '{ whoami }' });
    const headers = signatureHeaders(server.url, body, { keyId: 'alice-key', privateKey });

    const answer = await postChunked(server.url, Buffer.from(body), { headers, chunkBytes: 7 });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ data: { whoami: 'alice' } });
  }, 20_000);
});
