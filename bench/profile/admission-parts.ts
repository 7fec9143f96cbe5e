/**
 * Micro-benchmark of what a signed request costs in its admission, beyond the verification
 * (issue 14, scenario 3 − 3b): the admission plugin's work once the operation is known (variable
 * coercion, the root-field plan) and the admission itself (address, guard, account and nonce gates
 * plus the field checks, one call to the sequential memory admission store, as the embedded
 * server runs it), for a placeOrder with an Idempotency-Key on the real schema (scenario 4) and
 * on the directive-free control schema (scenario 3). Wall time per call, median of rounds.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/profile/admission-parts.js
 *
 * Knobs: MICRO_CALLS (per candidate and round, default 20000), MICRO_ROUNDS (default 7).
 */
import { MicroTimings } from './micro-timing';
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Kind, getVariableValues, parse, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { createMemoryRateLimitStore } from '@signet/rate-limit';
import { memorySecurityStores } from '../../src/runtime';
import { ALL_SCOPES, createKeyUsageRecorder, type Principal } from '../../src/domain';
import type { DirectiveDeps } from '../../src/directives';
import { planRootFields } from '../../src/transport/admission';
import { createMetrics } from '../../src/metrics';
import { buildSignetSchema } from '../../src/transport/graphql/build-schema';
import { emptyExchange } from '../../src/transport/graphql/context';
import { createAuthFailureGuard } from '../../src/transport/http/auth-failure-guard';
import { createLocalBlocks } from '../../src/transport/http/local-blocks';
import { createRequestAdmissions } from '../../src/transport/http/request-admission';
import { createRequestLimiter, requestLimitsFrom } from '../../src/transport/http/request-limits';
import { withoutAppliedDirectives } from '../control-server';
import { PLACE_ORDER_BODY } from '../requests';
import { BENCH_FIELD_RATE_LIMITS, BENCH_RATE_LIMITS } from '../servers';

const calls = Number(process.env.MICRO_CALLS ?? 20_000);
const rounds = Number(process.env.MICRO_ROUNDS ?? 7);

async function main(): Promise<void> {
  // Fresh stores each round (below): the memory nonce store holds 100,000 live nonces at most.
  let security = memorySecurityStores({ nonceCompleteSinceMs: 0 });
  const metrics = createMetrics();
  const logger = pino({ level: 'warn' });
  const directives = {
    rateLimits: security.rateLimits, fallbackRateLimits: createMemoryRateLimitStore(), idempotency: security.idempotency,
    now: Date.now, idempotencyTtlMs: 24 * 3_600_000, rateLimitOverrides: BENCH_FIELD_RATE_LIMITS, metrics, logger,
  } as unknown as DirectiveDeps;
  const blocks = createLocalBlocks();
  const guard = createAuthFailureGuard(security.rateLimits, blocks);
  const limiter = createRequestLimiter({ store: security.rateLimits, fallback: directives.fallbackRateLimits, metrics, logger, blocks, limits: requestLimitsFrom(BENCH_RATE_LIMITS) });
  const usage = createKeyUsageRecorder({ uow: { repo: { touchApiKeys: async () => undefined } } as never });
  let admissions = createRequestAdmissions({ store: security.admission, nonces: security.nonces, limiter, guard, usage, metrics, logger, now: Date.now });

  const full = buildSignetSchema();
  const stripped = withoutAppliedDirectives(full);
  const body = JSON.parse(PLACE_ORDER_BODY) as { query: string; variables: Record<string, unknown> };
  const document = parse(body.query);
  const operation = document.definitions[0] as OperationDefinitionNode;
  const principal: Principal = { accountId: 'acc-bench', keyId: 'key-bench', scopes: [...ALL_SCOPES] };
  const plugin = (schema: GraphQLSchema, idempotencyKey: string) => {
    const variables = getVariableValues(schema, operation.variableDefinitions ?? [], body.variables, { maxErrors: 1 });
    if (!variables.coerced) throw new Error('placeOrder variables do not coerce');
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    const http = emptyExchange('127.0.0.1', { 'idempotency-key': idempotencyKey });
    return planRootFields({ view: { schema, operation, fragments, variableValues: variables.coerced }, http, principal, deps: directives });
  };
  let n = 0;
  const admit = async (schema: GraphQLSchema) => {
    n += 1;
    const plan = plugin(schema, `order-${n}`);
    const admission = admissions({ requestId: `r${n}`, source: '127.0.0.1', keyId: 'key-bench', accountId: 'acc-bench', nonce: randomUUID(), nonceTtlMs: 600_000, notBeforeMs: 0, createdMs: 0, claimByMs: Number.POSITIVE_INFINITY });
    return admission.admit(plan.checks);
  };
  const candidates: Record<string, () => unknown> = {
    'plugin: coercion + plan, control schema (scenario 3)': () => plugin(stripped, 'order-0001'),
    'plugin: coercion + plan, real schema (scenario 4)': () => plugin(full, 'order-0001'),
    'nonce uuid for the admission below (subtract)': () => randomUUID(),
  };
  const asyncCandidates: Record<string, () => Promise<unknown>> = {
    'plugin + admission (gates, nonce), control schema (scenario 3)': () => admit(stripped),
    'plugin + admission (gates, nonce, limit, lease), real schema (scenario 4)': () => admit(full),
  };
  const timings = new MicroTimings();
  for (let round = 0; round < rounds; round++) {
    security = memorySecurityStores({ nonceCompleteSinceMs: 0 });
    await security.nonces.open();
    admissions = createRequestAdmissions({ store: security.admission, nonces: security.nonces, limiter, guard, usage, metrics, logger, now: Date.now });
    for (const [name, run] of Object.entries(candidates)) timings.timeSync(name, calls, run);
    for (const [name, run] of Object.entries(asyncCandidates)) await timings.timeAsync(name, calls, run);
  }
  console.log(timings.report());
}

void main();
