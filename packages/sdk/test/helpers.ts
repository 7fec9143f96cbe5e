/**
 * Fixtures for the SDK tests: a scripted `fetch` that records what the client sent, a virtual
 * clock whose sleeps advance time instantly, and a verifier that checks each recorded request
 * with the server's own RFC 9421 verifier.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { createMemoryNonceStore, createSignatureVerifier, type VerificationKey } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { createSignetClient, type SignetClientOptions } from '@signet/sdk';

/** An Ed25519 key as `signet keys create` prints it (base64 PKCS#8 DER), with its public half. */
export function ed25519Key() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId: 'key_sdk_ed', publicKey, privateKeyBase64: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64') };
}

/** A 32-byte HMAC secret as printed (base64). */
export function hmacKey() {
  const secret = randomBytes(32);
  return { keyId: 'key_sdk_hmac', secret, secretBase64: secret.toString('base64') };
}

/** One request the client sent, as the server would see it. */
export interface RecordedCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  rawBody: Uint8Array;
  signal?: AbortSignal;
}

/** A scripted answer: a Response, an error to throw (network failure), or a function of the call. */
export type Script = Response | Error | ((call: RecordedCall) => Response | Promise<Response>);

/** A GraphQL JSON answer. */
export function answer(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A field error with Signet's extensions. */
export function fieldError(code: string, extra: Record<string, unknown> = {}, path = ['placeOrder']) {
  return { message: `${code} happened`, path, extensions: { code, retryable: ['IDEMPOTENCY_IN_PROGRESS', 'SERVICE_UNAVAILABLE', 'RATE_LIMITED'].includes(code), ...extra } };
}

/** What undici's fetch throws when the connection is refused. */
export function connectionRefused(): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
}

/** What undici's fetch throws when the socket dies after the request may have been written. */
export function connectionReset(): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
}

/** A fetch that plays `scripts` in order (the last one repeats) and records every call. */
export function scriptedFetch(...scripts: Script[]) {
  const calls: RecordedCall[] = [];
  const fetch = jest.fn(async (input: string | URL | Request, init: RequestInit = {}) => {
    const rawBody = new Uint8Array(init.body as Uint8Array);
    const call: RecordedCall = {
      url: String(input), method: init.method ?? 'GET', headers: { ...(init.headers as Record<string, string>) },
      body: new TextDecoder().decode(rawBody), rawBody, signal: init.signal ?? undefined,
    };
    calls.push(call);
    const script = scripts[Math.min(calls.length - 1, scripts.length - 1)];
    if (script instanceof Error) throw script;
    return typeof script === 'function' ? script(call) : script.clone();
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls };
}

/** A clock that only moves when the client sleeps (or the test says so). */
export function virtualTime(startMs = Date.UTC(2030, 0, 1)) {
  const state = { now: startMs, sleeps: [] as number[] };
  return {
    state,
    clock: () => state.now,
    sleep: jest.fn(async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      state.sleeps.push(ms);
      state.now += ms;
    }),
  };
}

/**
 * Checks recorded calls with the server's verifier at `nowMs`, as the server at the first call's
 * URL sees them (its scheme, and the Host `fetch` sends); resolves to each outcome.
 */
export async function verifyCalls(calls: readonly RecordedCall[], key: VerificationKey, nowMs: () => number) {
  const nonces = createMemoryNonceStore({ now: nowMs, completeSinceMs: 0 });
  const server = new URL(calls[0].url);
  const verify = createSignatureVerifier({
    crypto: nodeCrypto, authority: server.host, scheme: server.protocol === 'http:' ? 'http' : 'https', maxAgeSeconds: 30, now: nowMs,
    resolveKey: async (id) => (id === key.keyId ? key : null), nonces,
  });
  const results = [];
  for (const call of calls) {
    const url = new URL(call.url);
    results.push(await verify({
      method: call.method, path: url.pathname, query: url.search.slice(1), hasQuery: url.search !== '',
      headers: { host: url.host, ...call.headers }, rawBody: call.rawBody,
    }));
  }
  return results;
}

/** The `created` and `nonce` parameters of a recorded call's Signature-Input. */
export function signatureParams(call: RecordedCall): { created: number; nonce: string; keyid: string } {
  const input = call.headers['signature-input'] ?? '';
  return {
    created: Number(/;created=(\d+)/.exec(input)?.[1]),
    nonce: /;nonce="([^"]+)"/.exec(input)?.[1] ?? '',
    keyid: /;keyid="([^"]+)"/.exec(input)?.[1] ?? '',
  };
}

/** A script for a connection that never answers: like fetch, it rejects with the signal's reason once the signal aborts. */
export function neverAnswers(call: RecordedCall): Promise<Response> {
  return new Promise<Response>((_resolve, reject) => {
    const { signal } = call;
    if (signal?.aborted) return reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** A resting order as `placeOrder` answers it, that answer, and the input that places it. */
export const ORDER = { id: 'o-1', market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '30000', quantity: '0.01', clientOrderId: null, status: 'OPEN', holdAsset: 'USD', holdAmount: '300', createdAt: 'x', updatedAt: 'x' };
export const PLACED = answer({ data: { placeOrder: { order: ORDER, userErrors: [] } } });
export const INPUT = { input: { market: 'BTC-USD', side: 'BUY' as const, price: '30000', quantity: '0.01' } };
/** A mutation the SDK does not know to be idempotent: a retry could run it twice. */
export const UNKEYED = parse('mutation Legacy { legacyTransfer }') as TypedDocumentNode<{ legacyTransfer: boolean }, Record<string, never>>;

/**
 * An Ed25519 client whose `fetch` plays `scripts` on a virtual clock, with jitter fixed and quick
 * backoff (`retry` and the rest overridable): what it sent is in `calls`.
 */
export function scriptedClient(key: ReturnType<typeof ed25519Key>, scripts: Script[], overrides: Partial<SignetClientOptions> = {}) {
  const time = virtualTime();
  const { fetch, calls } = scriptedFetch(...scripts);
  const sdk = createSignetClient({
    url: 'http://127.0.0.1:4000', keyId: key.keyId, privateKey: key.privateKeyBase64, fetch, clock: time.clock, sleep: time.sleep,
    random: () => 0.5, ...overrides,
  });
  return { sdk, calls, time };
}
