import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { start } from './server';

/** Starts the notes server, signs an addNote with a fresh key, sends it, then replays the same bytes. */
async function main(): Promise<void> {
  const server = await start({ redisUrl: process.env.REDIS_URL });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  server.keys.add({ keyId: 'alice-key', algorithm: 'ed25519', publicKey, account: 'alice', scopes: ['notes:read', 'notes:write'], createdAtMs: Date.now() });

  const url = new URL(server.url);
  const body = JSON.stringify({ query: 'mutation { addNote(text: "buy milk") { id author text } }' });
  const headers = { 'idempotency-key': randomUUID() };
  const signed = signRequest(nodeCrypto, { method: 'POST', authority: url.host, path: url.pathname, body, keyId: 'alice-key', algorithm: 'ed25519', privateKey, headers });
  const send = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers, ...signed.headers }, body });

  console.log(JSON.stringify(await (await send()).json())); // {"data":{"addNote":{"id":"1","author":"alice","text":"buy milk"}}}
  console.log((await send()).status); // 401: the same signature again is a replay (NONCE_REUSED)
  await server.close();
}

void main();
