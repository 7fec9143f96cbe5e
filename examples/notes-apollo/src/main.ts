/**
 * `node examples/notes-apollo/dist/main.js`: runs the notes example on PORT (default 4000), with
 * Redis stores when REDIS_URL is set, else memory stores. It registers one demo Ed25519 key for
 * account `demo` (scopes notes:read, notes:write) and writes its private key to a file of its
 * own (mode 0600) in the temporary directory, so a client can sign with it.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start } from './server';

async function main(): Promise<void> {
  const server = await start({ redisUrl: process.env.REDIS_URL, port: Number(process.env.PORT ?? 4000) });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  server.keys.add({ keyId: 'demo-key', algorithm: 'ed25519', publicKey, account: 'demo', scopes: ['notes:read', 'notes:write'], createdAtMs: Date.now() });
  const keyFile = join(mkdtempSync(join(tmpdir(), 'notes-apollo-')), 'demo-key.pem');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  console.log(`notes example on ${server.url} (${process.env.REDIS_URL ? 'Redis' : 'memory'} stores); key demo-key, private key in ${keyFile}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
