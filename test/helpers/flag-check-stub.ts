import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What a test of an example's flag checks runs it against: a usable credential file (so only a
 * flag can stop the example before it calls the server) and a stub server that counts the
 * requests reaching it (a refused flag must leave it at 0: nothing canceled, nothing placed).
 */
export interface FlagCheckStub {
  readonly url: string;
  /** A directory of the test's own, holding the credential file. */
  readonly dir: string;
  /** Credentials of one account, `alice`, with a fresh Ed25519 key. */
  readonly credentialsFile: string;
  requests(): number;
  close(): Promise<void>;
}

/** Starts the stub on a free loopback port; it answers every request 200 with `answer`. */
export async function startFlagCheckStub(prefix: string, answer: unknown): Promise<FlagCheckStub> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const privateKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const credentialsFile = join(dir, 'credentials.json');
  writeFileSync(credentialsFile, JSON.stringify({ credentials: [{ name: 'alice', keyId: 'key_flags', algorithm: 'ed25519', privateKey }] }));
  let requests = 0;
  const stub = createServer((_request, response) => {
    requests += 1;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`, dir, credentialsFile,
    requests: () => requests,
    async close() {
      await new Promise((resolve) => stub.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
