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

  test('a bad SIGNET_URL is refused, naming the variable and never echoing the value', () => {
    const problems = problemsOf({ SIGNET_URL: 'ftp://x' });
    expect(problems).toEqual([expect.stringContaining('SIGNET_URL')]);
    expect(problems.join('\n')).not.toContain('ftp://x');
  });

  // The key variables are checked only by a command that signs with them (environmentKey, in
  // test/transport/cli/client-credentials.test.ts): a bad one must not stop `serve`, `book` or the
  // operator commands, which never use it.
  test.each([
    [{ SIGNET_KEY_ID: 'key with spaces' }],
    [{ SIGNET_PRIVATE_KEY: '%%%' }],
    [{ SIGNET_SECRET: randomBytes(8).toString('base64') }],
    [{ SIGNET_PRIVATE_KEY: 'QUJD', SIGNET_SECRET: randomBytes(32).toString('base64') }],
  ])('%p does not stop start-up: carried as set, checked when a command signs with it', (env) => {
    expect(problemsOf(env)).toEqual([]);
  });
});
