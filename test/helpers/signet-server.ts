import { createPrivateKey, type KeyObject } from 'node:crypto';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { DomainServices, KeyAlgorithm, KeyVersionStore, Scope } from '../../src/domain';
import { ALL_SCOPES } from '../../src/domain';
import { createRedisIdempotencyStore } from '@signet/idempotency-redis';
import { markNonceStoreComplete } from '@signet/http-message-signatures-redis';
import { createRedisAdmissionStore, createRedisKeyVersionStore, createRedisNonceStore, createRedisRateLimitStore } from '../../src/stores/redis';
import { memorySecurityStores } from '../../src/runtime';
import type { AUTH_FAILURE_LIMITS } from '../../src/transport/http/auth-failure-guard';
import { createSignetServer } from '../../src/transport/http/create-signet-server';
import type { RequestLimits } from '../../src/transport/http/request-limits';
import type { ClientAddressOptions } from '../../src/transport/http/client-address';
import type { MetricsExposure } from '../../src/network-config';
import { createMetrics, type SignetMetrics } from '../../src/metrics';
import type { ReadinessCheck } from '../../src/transport/http/health';
import type { SecurityStores } from '../../src/transport/security-stores';
import { signRequest, type SignRequestOptions } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import type { DirectiveDeps } from '../../src/directives';
import type { PublicUrl } from '../../src/config';
import { directiveDepsFor } from './directives';
import { idempotencyKeyOf } from './idempotency';
import { openPgliteDatabase, type TestDatabase } from './database';
import { fundedAccount, servicesFor } from './domain';
import { silentLogger } from './logger';
import { requestFrom } from './from-address';

/**
 * Fresh in-process security stores for a test whose keys no other store has ever seen: their
 * nonce store may vouch for every claim since the epoch. (A test of what a new process or an
 * emptied store does builds its stores with `memorySecurityStores()` or starts a real process.)
 */
export function memoryStores(options: { rateLimitClock?: () => number } = {}): SecurityStores {
  return memorySecurityStores({ nonceCompleteSinceMs: 0, ...options });
}

/**
 * Security stores on a test Redis, with a unique key prefix per call so suites never collide.
 * The prefix is new, so no claim was ever made under it: its nonce store is marked complete
 * since the epoch (as `memoryStores()`), and keys the test created earlier are not refused.
 * `keyVersions` (same prefix) is for services that cache key material (`servicesFor`); `run`
 * names the prefix, for several servers that must share one Redis state.
 */
export function redisStores(url: string, options: { run?: string } = {}): { stores: SecurityStores; redis: Redis; keyVersions: KeyVersionStore; close(): Promise<void> } {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const run = options.run ?? randomUUID().slice(0, 8);
  // Sent before any command the stores send on this one connection, so it lands first.
  void markNonceStoreComplete(redis, 0, { prefix: `t${run}:nonce:` }).catch(() => undefined);
  const stores: SecurityStores = {
    kind: 'redis',
    nonces: createRedisNonceStore(redis, { prefix: `t${run}:nonce:` }),
    rateLimits: createRedisRateLimitStore(redis, { prefix: `t${run}:rl:` }),
    idempotency: createRedisIdempotencyStore(redis, { prefix: `t${run}:idem:` }),
    admission: createRedisAdmissionStore(redis, { noncePrefix: `t${run}:nonce:`, rateLimitPrefix: `t${run}:rl:`, idempotencyPrefix: `t${run}:idem:`, keyVersionPrefix: `t${run}:keyver:` }),
  };
  const keyVersions = createRedisKeyVersionStore(redis, { prefix: `t${run}:keyver:` });
  return { stores, redis, keyVersions, close: async () => { await redis.quit(); } };
}

/** A listening Signet server (signature auth and all) on an ephemeral loopback port. */
export interface RunningSignet { readonly url: string; readonly authority: string; readonly metrics: SignetMetrics; close(): Promise<void> }

/** Starts the full HTTP stack over `services` and `security` on 127.0.0.1:0. */
export async function startSignet(services: DomainServices, security: SecurityStores, options: {
  logger?: Logger; now?: () => number; maxAgeSeconds?: number; authFailureLimits?: typeof AUTH_FAILURE_LIMITS; directives?: Partial<DirectiveDeps>;
  requestLimits?: RequestLimits; clientAddress?: ClientAddressOptions; metricsExposure?: MetricsExposure;
  publicUrl?: PublicUrl | null; publicAuthorities?: readonly string[]; readiness?: readonly ReadinessCheck[];
} = {}): Promise<RunningSignet> {
  const metrics = createMetrics();
  const server = await createSignetServer({
    services, security, directives: directiveDepsFor(services, { security, metrics, ...options.directives }), logger: options.logger ?? silentLogger, metrics, readiness: options.readiness ?? [], introspection: true, development: false,
    publicUrl: options.publicUrl ?? null, publicAuthorities: options.publicAuthorities, signatureMaxAgeSeconds: options.maxAgeSeconds ?? 30, now: options.now,
    // Suites send dozens of deliberate failures; the guard has its own test with tight limits.
    requestLimits: options.requestLimits, clientAddress: options.clientAddress,
    // As `signet serve` outside production: /metrics for loopback clients on the public port.
    metricsExposure: options.metricsExposure ?? { listen: null, allow: ['loopback'] },
    authFailureLimits: options.authFailureLimits ?? { perIp: { max: 10_000, windowMs: 60_000 } },
  });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { url, authority: new URL(url).host, metrics, close: () => server.close() };
}

/** A key a test signs with. */
export interface TestKey { readonly keyId: string; readonly accountId: string; readonly algorithm: KeyAlgorithm; readonly privateKey?: KeyObject; readonly secret?: Buffer }

/** Creates an API key for `accountId` and returns its signing material. */
export async function createTestKey(services: DomainServices, accountId: string, algorithm: KeyAlgorithm = 'ed25519', scopes: readonly Scope[] = ALL_SCOPES): Promise<TestKey> {
  const created = await services.apiKeys.createApiKey(accountId, { label: 'test', scopes, algorithm });
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  const { apiKey, privateKey, secret } = created.value;
  return {
    keyId: apiKey.id, accountId, algorithm,
    privateKey: privateKey ? createPrivateKey({ key: Buffer.from(privateKey, 'base64'), format: 'der', type: 'pkcs8' }) : undefined,
    secret: secret ? Buffer.from(secret, 'base64') : undefined,
  };
}

/** Options for one signed request; anything in `sign` overrides the defaults (for negative cases). */
export interface SignedCall {
  /** The body as sent (a string is sent as UTF-8); JSON.stringify(payload) when absent. */
  body?: string | Uint8Array; sign?: Partial<SignRequestOptions>; headers?: Record<string, string>; path?: string; method?: string;
  /** Loopback source address to send from (e.g. 127.0.0.2), to play another client. */
  from?: string;
}

/** Signs a GraphQL request with `key` exactly as a client would, sends it, and parses the answer. */
export async function signedRequest(server: RunningSignet, key: TestKey, payload: unknown, call: SignedCall = {}) {
  const body = call.body ?? JSON.stringify(payload);
  const path = call.path ?? '/graphql';
  const method = call.method ?? 'POST';
  const signed = signRequest(nodeCrypto, {
    method, authority: server.authority, path, body, keyId: key.keyId, algorithm: key.algorithm,
    privateKey: key.privateKey, secret: key.secret, headers: idempotencyKeyOf(call.headers), ...call.sign,
  });
  const init = { method, headers: { 'content-type': 'application/json', ...signed.headers, ...call.headers }, body: method === 'GET' ? undefined : typeof body === 'string' ? body : Buffer.from(body) };
  const response = call.from ? await requestFrom(call.from, `${server.url}${path}`, init) : await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text, signed };
}

/** An in-memory PGlite with the domain services, one funded account and an ed25519 key for it. */
export interface SigningAccount { readonly db: TestDatabase; readonly services: DomainServices; readonly accountId: string; readonly key: TestKey }

/** Opens a {@link SigningAccount}: the fixture of suites that start their own servers over `services`. */
export async function openSigningAccount(deposits: Record<string, string>, namePrefix: string): Promise<SigningAccount> {
  const db = await openPgliteDatabase();
  const services = servicesFor(db.driver);
  const accountId = await fundedAccount(services, deposits, namePrefix);
  return { db, services, accountId, key: await createTestKey(services, accountId, 'ed25519') };
}

/** A Signet server on an in-memory PGlite with memory stores, and one funded account. */
export interface EmbeddedSignet { readonly services: DomainServices; readonly server: RunningSignet; readonly accountId: string; close(): Promise<void> }

/** Opens the usual embedded fixture: PGlite, memory stores, a listening server and an account funded with `deposits`. */
export async function openEmbeddedSignet(deposits: Record<string, string>, namePrefix: string): Promise<EmbeddedSignet> {
  const db = await openPgliteDatabase();
  const services = servicesFor(db.driver);
  const accountId = await fundedAccount(services, deposits, namePrefix);
  const server = await startSignet(services, memoryStores());
  return {
    services, server, accountId,
    async close() {
      await server.close();
      await db.close();
    },
  };
}
