/** The optional `client` section of the config: what the trading CLI commands read from the environment. */
import { randomBytes } from 'node:crypto';
import { ConfigError, parseConfig } from '../src/config';

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('config: client credentials for the trading commands', () => {
  test('all optional: unset means null, so `serve` never needs them', () => {
    expect(parseConfig({}).client).toEqual({ url: null, keyId: null, privateKey: null, secret: null });
  });

  test('SIGNET_URL, SIGNET_KEY_ID and a key are carried through, frozen', () => {
    const secret = randomBytes(32).toString('base64');
    const config = parseConfig({ SIGNET_URL: 'https://api.example.com', SIGNET_KEY_ID: 'key_0123456789abcdef01234567', SIGNET_SECRET: secret });
    expect(config.client).toEqual({ url: 'https://api.example.com', keyId: 'key_0123456789abcdef01234567', privateKey: null, secret });
    expect(Object.isFrozen(config.client)).toBe(true);
  });

  test.each([
    [{ SIGNET_URL: 'ftp://x' }, 'SIGNET_URL'],
    [{ SIGNET_KEY_ID: 'key with spaces' }, 'SIGNET_KEY_ID'],
    [{ SIGNET_PRIVATE_KEY: '%%%' }, 'SIGNET_PRIVATE_KEY'],
    [{ SIGNET_SECRET: randomBytes(8).toString('base64') }, 'SIGNET_SECRET'],
    [{ SIGNET_PRIVATE_KEY: 'QUJD', SIGNET_SECRET: randomBytes(32).toString('base64') }, 'not both'],
  ])('%p is refused, naming the variable and never echoing the value', (env, name) => {
    const problems = problemsOf(env);
    expect(problems).toEqual([expect.stringContaining(name)]);
    for (const value of Object.values(env)) expect(problems.join('\n')).not.toContain(value);
  });
});
