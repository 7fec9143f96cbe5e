import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { start } from './server';

/** What came back. */
interface Answer {
  readonly status: number;
  readonly replayed: string | null;
  readonly json: { data?: unknown; errors?: Array<{ extensions?: { reason?: string; retryAfterMs?: number } }> };
}

/**
 * POSTs `body` with `sign()`'s headers. A 503 REPLAY_PROTECTION_RECOVERING ran nothing: the nonce
 * store cannot yet prove the signature's nonce unused. Then it waits `retryAfterMs` (how far
 * `created` must advance; `created` has whole seconds, so rounded up to them), signs again (a new
 * nonce and `created`) and retries, at most 3 attempts in all.
 */
async function sendSigned(url: URL, body: string, sign: () => Record<string, string>): Promise<Answer> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, { method: 'POST', headers: sign(), body });
    const answer: Answer = { status: response.status, replayed: response.headers.get('idempotent-replayed'), json: await response.json() as Answer['json'] };
    const refusal = answer.json.errors?.[0]?.extensions;
    if (answer.status !== 503 || refusal?.reason !== 'REPLAY_PROTECTION_RECOVERING' || attempt === 3) return answer;
    const seconds = Math.ceil((refusal.retryAfterMs ?? 1000) / 1000);
    await sleep(seconds * 1000);
    console.log(`waited ${seconds} s: 503 REPLAY_PROTECTION_RECOVERING, signing again`);
  }
}

/** Starts the payments server, pays with a fresh key, retries with the same Idempotency-Key: one payment. */
export async function main(redisUrl = process.env.REDIS_URL): Promise<void> {
  const server = await start({ balances: { alice: 100, bob: 0 }, redisUrl });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  server.keys.add({ keyId: 'alice-key', algorithm: 'ed25519', publicKey, account: 'alice', scopes: ['payments:read', 'payments:send'], createdAtMs: Date.now() });

  const url = new URL(server.url);
  const body = JSON.stringify({ query: 'mutation { sendPayment(to: "bob", amount: 30) { id from to amount } }' });
  const headers = { 'idempotency-key': randomUUID() };
  // Each attempt is signed afresh (a new nonce); the Idempotency-Key stays the same.
  const sign = () => {
    const signed = signRequest(nodeCrypto, { method: 'POST', authority: url.host, path: url.pathname, body, keyId: 'alice-key', algorithm: 'ed25519', privateKey, headers });
    return { 'content-type': 'application/json', ...headers, ...signed.headers };
  };

  console.log(JSON.stringify((await sendSigned(url, body, sign)).json)); // {"data":{"sendPayment":{"id":"1","from":"alice","to":"bob","amount":30}}}
  const retry = await sendSigned(url, body, sign);
  console.log(retry.replayed, JSON.stringify(retry.json)); // true, the same payment
  console.log(server.ledger.balance('alice'), server.ledger.balance('bob')); // 70 30: paid once
  await server.close();
}

// Run as a script (node dist/example.js); a test imports main() instead.
if (require.main === module) void main();
