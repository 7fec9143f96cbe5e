import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { start } from './server';

/** Starts the payments server, pays with a fresh key, retries with the same Idempotency-Key: one payment. */
async function main(): Promise<void> {
  const server = await start({ balances: { alice: 100, bob: 0 }, redisUrl: process.env.REDIS_URL });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  server.keys.add({ keyId: 'alice-key', algorithm: 'ed25519', publicKey, account: 'alice', scopes: ['payments:read', 'payments:send'], createdAtMs: Date.now() });

  const url = new URL(server.url);
  const body = JSON.stringify({ query: 'mutation { sendPayment(to: "bob", amount: 30) { id from to amount } }' });
  const headers = { 'idempotency-key': randomUUID() };
  // Each attempt is signed afresh (a new nonce); the Idempotency-Key stays the same.
  const pay = () => {
    const signed = signRequest(nodeCrypto, { method: 'POST', authority: url.host, path: url.pathname, body, keyId: 'alice-key', algorithm: 'ed25519', privateKey, headers });
    return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers, ...signed.headers }, body });
  };

  console.log(JSON.stringify(await (await pay()).json())); // {"data":{"sendPayment":{"id":"1","from":"alice","to":"bob","amount":30}}}
  const retry = await pay();
  console.log(retry.headers.get('idempotent-replayed'), JSON.stringify(await retry.json())); // true, the same payment
  console.log(server.ledger.balance('alice'), server.ledger.balance('bob')); // 70 30: paid once
  await server.close();
}

void main();
