/**
 * The embedded mode's rate-limit store keeps accounts' windows in a table of their own bound: a
 * flood of distinct addresses (each opening a per-address window) must not drop an account's live
 * field window, which would hand it a fresh limit within the same window. Before, one table held
 * every layer and dropped its oldest windows when full: 10 createTransfer calls of a limit of 10,
 * then 100,000 address windows, and 10 more were admitted in the same window (idempotency review).
 */
import { accountIdentity, apiKeyIdentity, fieldLimitCheck, ipIdentity, limitedFieldOf } from '@signet/directive-rate-limit';
import { memorySecurityStores } from '../../src/runtime';
import { createAccountPartitionedRateLimitStore, isAccountCounterKey } from '../../src/transport/admission';
import { buildSignetSchema } from '../../src/transport/graphql/build-schema';
import { createLocalBlocks } from '../../src/transport/http/local-blocks';
import { REQUEST_LIMITS, createRequestLimiter, requestLimitsFrom } from '../../src/transport/http/request-limits';
import { createMetrics } from '../../src/metrics';
import { silentLogger } from '../helpers/logger';

const schema = buildSignetSchema();
const transfer = limitedFieldOf(schema, 'Mutation', schema.getMutationType()!.getFields().createTransfer)!;
const serverTime = limitedFieldOf(schema, 'Query', schema.getQueryType()!.getFields().serverTime)!;

describe('embedded rate limits: accounts apart from addresses', () => {
  test('a flood of 100,000 address windows leaves an account\'s live createTransfer window as it was', async () => {
    const { rateLimits } = memorySecurityStores();
    const check = fieldLimitCheck(transfer, {}, accountIdentity('acct-1'));
    const admitted = async (n: number) => {
      let allowed = 0;
      for (let i = 0; i < n; i += 1) if ((await rateLimits.consume(check.key, check.rule)).allowed) allowed += 1;
      return allowed;
    };
    expect(await admitted(check.max + 2)).toBe(check.max);
    for (let i = 0; i < 100_000; i += 1) {
      await rateLimits.consume(`ip:{2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64}`, REQUEST_LIMITS.perIp);
    }
    expect(await admitted(check.max + 2)).toBe(0);
  });

  test('tells the keys of accounts from those of what a client sends, as the layers build them', () => {
    expect(isAccountCounterKey(fieldLimitCheck(transfer, {}, accountIdentity('acct-1')).key)).toBe(true);
    expect(isAccountCounterKey('account:{acct-1}')).toBe(true); // the per-account request budget
    // An exit's field limit, counted per key.
    expect(isAccountCounterKey(fieldLimitCheck(transfer, {}, apiKeyIdentity('key_1')).key)).toBe(true);
    // A key's exit budget, as the limiter builds it: evicted by an address flood, it would reset early.
    expect(isAccountCounterKey(createRequestLimiter({ store: createAccountPartitionedRateLimitStore(), fallback: createAccountPartitionedRateLimitStore(), metrics: createMetrics(), logger: silentLogger, blocks: createLocalBlocks() }).admissionCheck('keyExits', 'key_1').key)).toBe(true);
    expect(isAccountCounterKey(fieldLimitCheck(serverTime, {}, ipIdentity('203.0.113.9')).key)).toBe(false);
    expect(isAccountCounterKey('ip:{203.0.113.9}')).toBe(false);
    expect(isAccountCounterKey('authfail:ip:{203.0.113.9}')).toBe(false);
    // Values a client chooses (identityArgs) keep a field limit out of the accounts' table.
    expect(isAccountCounterKey(`${fieldLimitCheck(transfer, {}, accountIdentity('acct-1')).key}:["chosen"]`)).toBe(false);
    // An anonymous caller cannot pass for an account through what it sends.
    expect(isAccountCounterKey(fieldLimitCheck(serverTime, {}, ipIdentity('account:{acct-1}')).key)).toBe(false);
  });

  test('Request.keyExits in SIGNET_RATE_LIMITS sets a key\'s exit budget; left out, the default', () => {
    expect(requestLimitsFrom({ 'Request.keyExits': { max: 7, window: '10s' } }).perKeyExits).toEqual({ max: 7, windowMs: 10_000 });
    expect(requestLimitsFrom({}).perKeyExits).toEqual(REQUEST_LIMITS.perKeyExits);
  });
});
