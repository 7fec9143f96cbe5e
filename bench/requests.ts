/**
 * The requests each scenario sends, built the way a client builds them: every signed request
 * gets a fresh nonce and signature, every protected order a fresh idempotency key unless the
 * scenario replays one on purpose.
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import type { BenchRequest } from './load';

/** An account the bench trades as, and the Ed25519 key it signs with. */
export interface BenchCredential {
  readonly accountId: string;
  readonly keyId: string;
  /** PKCS#8 DER in base64, as `keys create` and the demo seed print it. */
  readonly privateKey: string;
}

/** The `@authority` every bench server is configured with (SIGNET_PUBLIC_AUTHORITY), so one signature fits any port. */
export const BENCH_AUTHORITY = 'bench.signet';

/**
 * The smallest BTC-USD buy (one lot at one dollar): it holds one cent, so an account funded with
 * millions never reaches INSUFFICIENT_FUNDS however long the bench runs.
 */
export const PLACE_ORDER_BODY = JSON.stringify({
  query: 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id status } userErrors { code message } } }',
  variables: { input: { market: 'BTC-USD', side: 'BUY', price: '1.00', quantity: '0.00001' } },
});

/** Scenario 1: the public `serverTime`, unsigned. */
export const SERVER_TIME_BODY = JSON.stringify({ query: '{ serverTime }' });

/** Scenario 2: the caller's balances, signed. */
export const ME_BALANCES_BODY = JSON.stringify({ query: '{ me { id balances { asset available held } } }' });

/** An account's HMAC-SHA256 key: the signature layer is measured with each algorithm (issue 14). */
export interface BenchHmacCredential {
  readonly accountId: string;
  readonly keyId: string;
  /** The secret in base64, as `keys create` prints it. */
  readonly secret: string;
}

type SigningKey = { readonly keyId: string } & ({ readonly algorithm: 'ed25519'; readonly privateKey: KeyObject } | { readonly algorithm: 'hmac-sha256'; readonly secret: Buffer });

/** Signs bodies as one of `credentials` (Ed25519 keys, or HMAC-SHA256 ones), taking them in turn so load spreads over the accounts. */
export function createSigner(credentials: readonly (BenchCredential | BenchHmacCredential)[]) {
  const keys: SigningKey[] = credentials.map((c) => ('secret' in c
    ? { keyId: c.keyId, algorithm: 'hmac-sha256', secret: Buffer.from(c.secret, 'base64') }
    : { keyId: c.keyId, algorithm: 'ed25519', privateKey: createPrivateKey({ key: Buffer.from(c.privateKey, 'base64'), format: 'der', type: 'pkcs8' }) }));
  let turn = 0;
  return (body: string, extra: Record<string, string> = {}, keyIndex?: number): BenchRequest => {
    const key = keys[keyIndex ?? (turn = (turn + 1) % keys.length)];
    const request = { method: 'POST', authority: BENCH_AUTHORITY, path: '/graphql', body, keyId: key.keyId, headers: extra } as const;
    const signed = key.algorithm === 'ed25519'
      ? signRequest(nodeCrypto, { ...request, algorithm: 'ed25519', privateKey: key.privateKey })
      : signRequest(nodeCrypto, { ...request, algorithm: 'hmac-sha256', secret: key.secret });
    return { body, headers: { ...signed.headers, ...extra } };
  };
}

/** The request builders of the scenarios, over one signer. */
export function scenarioRequests(credentials: readonly (BenchCredential | BenchHmacCredential)[]) {
  const sign = createSigner(credentials);
  return {
    serverTime: (): BenchRequest => ({ body: SERVER_TIME_BODY, headers: {} }),
    meBalances: (): BenchRequest => sign(ME_BALANCES_BODY),
    /** Scenario 4: a new order every time, so every request executes (fresh key). */
    protectedOrder: (): BenchRequest => sign(PLACE_ORDER_BODY, { 'idempotency-key': randomUUID() }),
    /** Scenario 5: the same key and arguments by the first account every time; only the signature is new. */
    replayOrder: (key: string): BenchRequest => sign(PLACE_ORDER_BODY, { 'idempotency-key': key }, 0),
  };
}

/**
 * Scenario 3 (control): the same order, unsigned; the control server trusts `x-bench-account`
 * as the caller (see control-server.ts). Accounts taken in turn, like the signer does.
 */
export function controlRequests(accountIds: readonly string[]) {
  let turn = 0;
  return (): BenchRequest => ({ body: PLACE_ORDER_BODY, headers: { 'x-bench-account': accountIds[(turn = (turn + 1) % accountIds.length)] } });
}
