import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { start } from './server';

/** What came back, and the exact headers that were sent (a replay re-sends them). */
interface Sent {
  readonly status: number;
  readonly json: { data?: unknown; errors?: Array<{ extensions?: { reason?: string; retryAfterMs?: number } }> };
  readonly headers: Record<string, string>;
}

/**
 * POSTs `body` with `sign()`'s headers. A 503 REPLAY_PROTECTION_RECOVERING ran nothing: the nonce
 * store cannot yet prove the signature's nonce unused. Then it waits `retryAfterMs` (how far
 * `created` must advance; `created` has whole seconds, so rounded up to them), signs again (a new
 * nonce and `created`) and retries, at most 3 attempts in all.
 */
async function sendSigned(url: URL, body: string, sign: () => Record<string, string>): Promise<Sent> {
  for (let attempt = 1; ; attempt++) {
    const headers = sign();
    const response = await fetch(url, { method: 'POST', headers, body });
    const sent: Sent = { status: response.status, json: await response.json() as Sent['json'], headers };
    const refusal = sent.json.errors?.[0]?.extensions;
    if (sent.status !== 503 || refusal?.reason !== 'REPLAY_PROTECTION_RECOVERING' || attempt === 3) return sent;
    const seconds = Math.ceil((refusal.retryAfterMs ?? 1000) / 1000);
    await sleep(seconds * 1000);
    console.log(`waited ${seconds} s: 503 REPLAY_PROTECTION_RECOVERING, signing again`);
  }
}

/** Starts the notes server, signs an addNote with a fresh key, sends it, then replays the same bytes. */
export async function main(redisUrl = process.env.REDIS_URL): Promise<void> {
  const server = await start({ redisUrl });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  server.keys.add({ keyId: 'alice-key', algorithm: 'ed25519', publicKey, account: 'alice', scopes: ['notes:read', 'notes:write'], createdAtMs: Date.now() });

  const url = new URL(server.url);
  const body = JSON.stringify({ query: 'mutation { addNote(text: "buy milk") { id author text } }' });
  const headers = { 'idempotency-key': randomUUID() };
  const sign = () => {
    const signed = signRequest(nodeCrypto, { method: 'POST', authority: url.host, path: url.pathname, body, keyId: 'alice-key', algorithm: 'ed25519', privateKey, headers });
    return { 'content-type': 'application/json', ...headers, ...signed.headers };
  };

  const sent = await sendSigned(url, body, sign);
  console.log(JSON.stringify(sent.json)); // {"data":{"addNote":{"id":"1","author":"alice","text":"buy milk"}}}
  const replay = await fetch(url, { method: 'POST', headers: sent.headers, body });
  console.log(replay.status); // 401: the same signature again is a replay (NONCE_REUSED)
  await server.close();
}

// Run as a script (node dist/example.js); a test imports main() instead.
if (require.main === module) void main();
