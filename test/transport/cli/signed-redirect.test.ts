/**
 * A signed request is never sent on to where a redirect points, by `signet call` or the SDK: the
 * redirect's target would get a request signed for Signet with a nonce Signet never saw, to replay
 * there within the signature's window, or to answer in Signet's place. Before, `call` followed a
 * 307 with the same body and signature headers (the SDK failed only by accident of its body type).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeDocument, createSignetClient } from '@signet/sdk';
import { parseConfig } from '../../../src/config';
import { runCli } from '../../../src/transport/cli/program';
import { capturedRun } from '../../helpers/cli';
import { silentLogger } from '../../helpers/logger';

/** A server on 127.0.0.1 that counts the requests it gets and answers each with `answer`. */
async function listening(answer: (res: import('node:http').ServerResponse) => void): Promise<{ url: string; received: string[]; server: Server }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(`${req.method} ${req.url} signature=${req.headers.signature ? 'yes' : 'no'}`);
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, received, server };
}

describe('a redirect answering a signed request', () => {
  let elsewhere: Awaited<ReturnType<typeof listening>>;
  let front: Awaited<ReturnType<typeof listening>>;
  let dir: string;
  const { privateKey } = generateKeyPairSync('ed25519');
  const privateKeyBase64 = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');

  beforeAll(async () => {
    elsewhere = await listening((res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"me":{"id":"not-signet"}}}'));
    front = await listening((res) => res.writeHead(307, { location: `${elsewhere.url}/steal` }).end());
    dir = mkdtempSync(join(tmpdir(), 'signet-redirect-'));
  });
  afterAll(async () => {
    for (const s of [front, elsewhere]) await new Promise<void>((resolve) => s.server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    front.received.length = 0;
    elsewhere.received.length = 0;
  });

  test('signet call stops at the redirect: its target gets nothing, and the call fails', async () => {
    const file = join(dir, 'creds.json');
    writeFileSync(file, JSON.stringify({ keyId: `key_${'a'.repeat(24)}`, algorithm: 'ed25519', privateKey: privateKeyBase64 }));
    const run = await capturedRun(() => runCli(['node', 'signet', 'call', '--credentials', file, '--url', front.url, '--query', '{ me { id } }', '--json'], parseConfig({}), {
      openRuntime: () => Promise.reject(new Error('call opens no runtime')), createLogger: () => silentLogger,
    }));
    // Once, not retried as a network failure, and the message says where it points (CLI review: 5 attempts, no Location).
    expect(front.received).toHaveLength(1);
    expect(elsewhere.received).toEqual([]);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('not-signet');
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'BAD_RESPONSE', message: expect.stringContaining(`HTTP 307: a redirect to ${elsewhere.url}/steal; a signed request is never sent on`) });
  });

  test('the SDK stops at the redirect: its target gets nothing, and the request rejects', async () => {
    // Retries allowed (a query is safe to re-send): a redirect is an answer, given up on at once, naming where it points.
    const client = createSignetClient({ url: front.url, keyId: `key_${'b'.repeat(24)}`, privateKey: privateKeyBase64 });
    await expect(client.request(MeDocument, {})).rejects.toMatchObject({
      code: 'BAD_RESPONSE', status: 307, attempts: 1, message: `HTTP 307: a redirect to ${elsewhere.url}/steal; a signed request is never sent on: if you trust it, call that URL instead`,
    });
    expect(front.received).toHaveLength(1);
    expect(elsewhere.received).toEqual([]);
  });
});
