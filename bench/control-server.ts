/**
 * Scenario 3's servers (a child process of the bench): the same Fastify + Apollo stack, resolvers,
 * domain services and database as `signet serve`, with NO directive applied. They exist only here:
 * built from exported factories by this bench entry point; nothing in src/ (configuration,
 * environment, CLI) can produce them.
 *
 * - `BENCH_CONTROL=signed` (scenario 3): the HTTP layer as in production — signature verification,
 *   nonce claim, per-IP and per-account limits — so 4 vs 3 is the cost of the directives.
 * - `BENCH_CONTROL=bare` (scenario 3b): no signature check either; the caller is whoever
 *   `x-bench-account` names, so 4 vs 3b is the cost of the whole security layer.
 *
 * Run by bench/run.ts as `node dist-bench/bench/control-server.js` with a protected server's
 * environment plus BENCH_CONTROL and BENCH_ACCOUNTS. It seeds that many funded accounts with keys,
 * listens on PORT and prints one line `BENCH_READY {"url":…,"credentials":[…]}`.
 */
import 'reflect-metadata';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { MapperKind, getDirectiveExtensions, mapSchema } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { parseConfig } from '../src/config';
import type { DirectiveDeps } from '../src/directives';
import { ALL_SCOPES, createKeyUsageRecorder, type DomainServices } from '../src/domain';
import { createLogger, openRuntime } from '../src/runtime';
import { buildSignetSchema } from '../src/transport/graphql/build-schema';
import { createHttpServer, type HttpServerDeps } from '../src/transport/http/create-http-server';
import { requestLimitsFrom } from '../src/transport/http/request-limits';
import { createSecurityLayers } from '../src/transport/http/create-signet-server';
import { createRequestSignatureCheck } from '../src/transport/http/signature-auth';
import type { SigningTarget } from '../src/transport/http/signing-target';
import type { ReadinessCheck } from '../src/transport/http/health';
import type { SignetMetrics } from '../src/metrics';
import type { SecurityStores } from '../src/transport/security-stores';
import { BENCH_AUTHORITY } from './requests';
import { seedSigningAccounts } from './seed';

/**
 * The schema with every applied directive removed from every field, so the directive
 * transformers find nothing to wrap: the resolvers run bare. Throws if any survives.
 */
export function withoutAppliedDirectives(schema: GraphQLSchema): GraphQLSchema {
  const stripped = mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => ({
      ...field,
      astNode: field.astNode ? { ...field.astNode, directives: [] } : field.astNode,
      extensions: { ...field.extensions, directives: undefined },
    }),
  });
  for (const type of Object.values(stripped.getTypeMap())) {
    if (!('getFields' in type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (Object.keys(getDirectiveExtensions(field as never, stripped)).length > 0) throw new Error(`${type.name}.${field.name} still carries a directive`);
    }
  }
  return stripped;
}

/** What a control server is built from: the parts `openRuntime` (or the bench) provides. */
export interface ControlServerDeps {
  readonly services: DomainServices;
  readonly security: SecurityStores;
  readonly directives: DirectiveDeps;
  readonly metrics: SignetMetrics;
  readonly logger: Logger;
  readonly readiness: readonly ReadinessCheck[];
  /** Request-layer limits (SIGNET_RATE_LIMITS `Request.*`). */
  readonly rateLimitOverrides: Readonly<Record<string, { max: number; window: string }>>;
  readonly signatureMaxAgeSeconds: number;
  /**
   * Variant `bare+floor` only: the round trips the signed layer sends beyond the bare control, made
   * once per request with the server's own clients (PostgreSQL + Redis: one Redis round trip and
   * one SQL statement; embedded: none), so the layer's floor is measured in the server, under its
   * load, rather than from round trips timed alone.
   */
  readonly floorRoundTrips?: () => Promise<void>;
}

/**
 * The control variants: `signed` (scenario 3), `bare` (3b), `bare+ed25519` (3b plus one Ed25519
 * verification of a fixed message per request: the primitive in situ), `bare+floor` (that
 * verification plus `floorRoundTrips`: the signature layer's floor in situ) and `bare+check` (3b
 * running the signed server's own signature check on a signed request twice, timing each: parse,
 * base, digest, key and verification, nothing claimed or counted).
 */
export type ControlVariant = 'signed' | 'bare' | 'bare+ed25519' | 'bare+floor' | 'bare+check';

/**
 * Variant `bare+check`: the wall time of the signature check inside its requests (one request at a
 * time, so the check's own work: it waits on nothing but the in-memory key cache), summed since the
 * last `reset`. `firstMs` is the check as a request runs it; `againMs` the same check run again at
 * once on the same request, its code and data just used.
 */
export interface CheckTimings {
  readonly requests: number;
  readonly firstMs: number;
  readonly againMs: number;
  reset(): void;
}

/**
 * Builds a control app (not listening): `signed` wires what createSignetServer wires minus the
 * directive transformers; `bare` trusts `x-bench-account` for any of `accountIds`.
 */
export async function createControlApp(deps: ControlServerDeps, variant: ControlVariant, accountIds: readonly string[]): Promise<{ app: FastifyInstance; checkTimings?: CheckTimings; close(): Promise<void> }> {
  const { services, security, metrics, logger } = deps;
  const usage = createKeyUsageRecorder({ uow: services.uow, onError: (err) => logger.warn({ err }, 'could not record API key use') });
  let layers: Pick<HttpServerDeps, 'authenticate' | 'requestLimiter'>;
  const target = (): SigningTarget => ({ scheme: 'https', authorities: [BENCH_AUTHORITY] });
  // bench/profile only: the signed server's signature check, run twice and timed (bare+check).
  const check = variant === 'bare+check'
    ? timedTwice(passingSignatureCheck(createRequestSignatureCheck({ target, now: Date.now, apiKeys: services.apiKeys, maxAgeSeconds: deps.signatureMaxAgeSeconds })))
    : undefined;
  if (variant === 'signed') {
    layers = createSecurityLayers({
      target, now: Date.now, security, apiKeys: services.apiKeys, usage, fallbackRateLimits: deps.directives.fallbackRateLimits,
      maxAgeSeconds: deps.signatureMaxAgeSeconds, requestLimits: requestLimitsFrom(deps.rateLimitOverrides), metrics, logger,
    });
  } else {
    const known = new Set(accountIds);
    // bench/profile only: one Ed25519 verification of a fixed message per request and nothing
    // else of the signature layer, to see what the primitive costs inside a request.
    const primitive = variant === 'bare+ed25519' || variant === 'bare+floor' ? fixedEd25519Verification() : undefined;
    const roundTrips = variant === 'bare+floor' ? deps.floorRoundTrips : undefined;
    if (variant === 'bare+floor' && !roundTrips) throw new Error('the bare+floor control needs floorRoundTrips');
    layers = {
      // The caller is whoever the header names: no signature, no scope, no limit (the point of this control).
      authenticate: async (request) => {
        if (primitive && !primitive()) throw new Error('the fixed Ed25519 signature did not verify');
        if (check) await check.run(request);
        if (roundTrips) await roundTrips();
        const id = request.headers['x-bench-account'];
        return { principal: typeof id === 'string' && known.has(id) ? { accountId: id, keyId: 'bench-control', scopes: ALL_SCOPES } : null };
      },
    };
  }
  const app = await createHttpServer({
    schema: withoutAppliedDirectives(buildSignetSchema()), services, logger, introspection: false, development: false,
    // No field carries @rateLimit here, so no field override has anything to apply to (the directive refuses one that names no limited field).
    readiness: deps.readiness, directives: { ...deps.directives, rateLimitOverrides: {} }, metrics, ...layers,
  });
  return {
    app,
    ...(check ? { checkTimings: check.timings } : {}),
    async close() {
      await app.close();
      await usage.close();
    },
  };
}

/** The signature check, throwing unless the request's signature passes it. */
function passingSignatureCheck(check: ReturnType<typeof createRequestSignatureCheck>): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const { result } = check(request);
    const outcome = await result;
    if (outcome.status !== 'unclaimed') throw new Error(`the bench's signature check did not pass: ${outcome.status === 'rejected' ? outcome.reason : outcome.status}`);
  };
}

/** Runs `check` twice per request, timing each run. */
function timedTwice(check: (request: FastifyRequest) => Promise<void>): { run(request: FastifyRequest): Promise<void>; timings: CheckTimings } {
  const totals = { requests: 0, firstMs: 0, againMs: 0 };
  return {
    async run(request) {
      const start = performance.now();
      await check(request);
      const between = performance.now();
      await check(request);
      totals.firstMs += between - start;
      totals.againMs += performance.now() - between;
      totals.requests += 1;
    },
    timings: {
      get requests() { return totals.requests; },
      get firstMs() { return totals.firstMs; },
      get againMs() { return totals.againMs; },
      reset() { Object.assign(totals, { requests: 0, firstMs: 0, againMs: 0 }); },
    },
  };
}

/** A check that verifies one fixed Ed25519 signature over a 383-byte message (the size of a placeOrder's base). */
function fixedEd25519Verification(): () => boolean {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const message = Buffer.alloc(383, 0x61);
  const signature = sign(null, message, privateKey);
  return () => verify(null, message, publicKey, signature);
}

async function main(): Promise<void> {
  const variant = process.env.BENCH_CONTROL === 'bare' ? 'bare' : 'signed';
  const config = parseConfig(process.env);
  const logger = createLogger(config.logLevel);
  const runtime = await openRuntime(config, logger);
  const credentials = await seedSigningAccounts(runtime.services, Number(process.env.BENCH_ACCOUNTS ?? 2));
  const control = await createControlApp({
    services: runtime.services, security: runtime.security, directives: runtime.directiveDeps(), metrics: runtime.metrics, logger,
    readiness: runtime.readiness, rateLimitOverrides: config.rateLimitOverrides, signatureMaxAgeSeconds: config.signatureMaxAgeSeconds,
  }, variant, credentials.map((c) => c.accountId));
  const url = await control.app.listen({ host: '127.0.0.1', port: config.port });
  process.stdout.write(`BENCH_READY ${JSON.stringify({ url, credentials })}\n`);
  process.once('SIGTERM', () => {
    void control.close().then(() => runtime.close());
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`control server: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
