import { describeRateLimit } from '@signet/directive-rate-limit';
import type { GraphQLSchema } from 'graphql';
import type { SignetConfig } from '../../config';
import { REQUEST_LIMIT_KEYS } from '../http/request-limits';
import { CliError } from './cli-error';

const REQUEST_LAYER_KEYS: readonly string[] = Object.values(REQUEST_LIMIT_KEYS);

/**
 * Refuses (exit 2) SIGNET_RATE_LIMITS keys that name neither a request layer nor a `Type.field`
 * of `schema` carrying `@rateLimit`: a typo would otherwise change nothing, silently.
 */
export function checkRateLimitOverrides(schema: GraphQLSchema, overrides: SignetConfig['rateLimitOverrides']): void {
  const unknown = Object.keys(overrides).filter((key) => {
    if (REQUEST_LAYER_KEYS.includes(key)) return false;
    const [typeName, fieldName] = key.split('.');
    return describeRateLimit(schema, typeName, fieldName) === undefined;
  });
  if (unknown.length === 0) return;
  throw new CliError(
    `SIGNET_RATE_LIMITS names ${unknown.map((key) => `"${key}"`).join(', ')}: not a field with @rateLimit, nor Request.ip, Request.account or Request.keyExits ` +
      '(the schema lists each limited field\'s "Rate limit:"; `signet schema` prints it)',
    2,
  );
}
