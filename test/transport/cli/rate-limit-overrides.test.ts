import { buildSignetSchema } from '../../../src/transport/graphql/build-schema';
import { checkRateLimitOverrides } from '../../../src/transport/cli/rate-limit-overrides';

/** SIGNET_RATE_LIMITS keys `serve` accepts: the request layers and fields with @rateLimit; anything else is a typo, refused. */
describe('SIGNET_RATE_LIMITS keys', () => {
  const schema = buildSignetSchema();
  const rule = { max: 10, window: '1m' };

  test('accepts every request layer, Request.keyExits included, and limited fields', () => {
    expect(() => checkRateLimitOverrides(schema, { 'Request.ip': rule, 'Request.account': rule, 'Request.keyExits': rule, 'Mutation.placeOrder': rule })).not.toThrow();
  });

  test('refuses a key that is neither, naming the layers it could have meant', () => {
    expect(() => checkRateLimitOverrides(schema, { 'Request.keyExit': rule })).toThrow(/"Request\.keyExit": not a field with @rateLimit, nor Request\.ip, Request\.account or Request\.keyExits/);
  });
});
