import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError, parseConfig, parseRedisClusterUrl } from '../src/config';

const CWD = '/srv/signet';
const MASTER_KEY = randomBytes(32).toString('base64');

/** The ConfigError that `env` stops start-up with; fails the test when start-up goes through. */
function problemsOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env, CWD);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(Object.keys(env))}`);
}

describe('parseConfig', () => {
  describe('with an empty environment', () => {
    const config = parseConfig({}, CWD);

    test('listens on 127.0.0.1:4000', () => {
      expect(config.port).toBe(4000);
      expect(config.host).toBe('127.0.0.1');
    });

    test('keeps embedded data in ./.signet under the working directory', () => {
      expect(config.dataDir).toBe(resolve(CWD, '.signet'));
    });

    test('uses embedded PGlite, memory stores and a generated master key', () => {
      expect(config.databaseUrl).toBeNull();
      expect(config.redisUrl).toBeNull();
      expect(config.masterKey).toBeNull();
    });

    test('keeps idempotency keys in Redis under the default prefix unless SIGNET_IDEMPOTENCY_REDIS_PREFIX names one', () => {
      expect(config.idempotencyRedisPrefix).toBeNull();
      expect(parseConfig({ SIGNET_IDEMPOTENCY_REDIS_PREFIX: 'signet:staging:idem:' }, CWD).idempotencyRedisPrefix).toBe('signet:staging:idem:');
    });

    test('serves introspection, logs at info, and is neither development nor production', () => {
      expect(config.introspection).toBe(true);
      expect(config.logLevel).toBe('info');
      expect(config.development).toBe(false);
      expect(config.production).toBe(false);
    });

    test('charges the default fees: 0.1 % maker, 0.2 % taker', () => {
      expect(config.feeRates.maker.toFixed()).toBe('0.001');
      expect(config.feeRates.taker.toFixed()).toBe('0.002');
    });

    test('is frozen: nothing can change it after start-up', () => {
      expect(Object.isFrozen(config)).toBe(true);
      expect(() => {
        (config as { port: number }).port = 1;
      }).toThrow(TypeError);
      expect(config.port).toBe(4000);
    });
  });

  test('reads every variable when each is valid', () => {
    const key = randomBytes(32);
    const config = parseConfig({
      PORT: '8080', HOST: '0.0.0.0', DATABASE_URL: 'postgres://signet:pw@db:5432/signet', REDIS_URL: 'rediss://cache:6380',
      SIGNET_MASTER_KEY: key.toString('base64'), LOG_LEVEL: 'debug', SIGNET_DATA_DIR: '/var/lib/signet',
    }, CWD);
    expect(config).toMatchObject({
      port: 8080, host: '0.0.0.0', databaseUrl: 'postgres://signet:pw@db:5432/signet', redisUrl: 'rediss://cache:6380',
      logLevel: 'debug', dataDir: '/var/lib/signet',
    });
    expect(config.masterKey?.equals(key)).toBe(true);
    expect(config.newMasterKey).toBeNull();
  });

  test('SIGNET_NEW_MASTER_KEY (read by master-key rotate) is a 32-byte base64 key, checked as SIGNET_MASTER_KEY is', () => {
    const key = randomBytes(32);
    expect(parseConfig({ SIGNET_NEW_MASTER_KEY: key.toString('base64') }, CWD).newMasterKey?.equals(key)).toBe(true);
    expect(() => parseConfig({ SIGNET_NEW_MASTER_KEY: randomBytes(16).toString('base64') }, CWD)).toThrow(/SIGNET_NEW_MASTER_KEY must be 32 bytes in base64/);
  });

  test('fee rates are read exactly, from 0 (no fee) to 0.1', () => {
    const { feeRates } = parseConfig({ SIGNET_MAKER_FEE_RATE: '0', SIGNET_TAKER_FEE_RATE: '0.1' }, CWD);
    expect([feeRates.maker.toFixed(), feeRates.taker.toFixed()]).toEqual(['0', '0.1']);
    expect(parseConfig({ SIGNET_TAKER_FEE_RATE: '0.00075' }, CWD).feeRates.taker.toFixed()).toBe('0.00075');
    expect(Object.isFrozen(parseConfig({}, CWD).feeRates)).toBe(true);
  });

  test('SIGNET_MAX_OPEN_ORDERS: 500 by default, a whole number up to 100000, or unlimited', () => {
    expect(parseConfig({}, CWD).maxOpenOrders).toBe(500);
    expect(parseConfig({ SIGNET_MAX_OPEN_ORDERS: '100000' }, CWD).maxOpenOrders).toBe(100_000);
    expect(parseConfig({ SIGNET_MAX_OPEN_ORDERS: 'unlimited' }, CWD).maxOpenOrders).toBeNull();
  });

  test('SIGNET_DATABASE_POOL_SIZE: 10 by default, a whole number from 1 to 100, anything else refused naming it', () => {
    expect(parseConfig({}, CWD).databasePoolSize).toBe(10);
    expect(parseConfig({ SIGNET_DATABASE_POOL_SIZE: '3' }, CWD).databasePoolSize).toBe(3);
    expect(parseConfig({ SIGNET_DATABASE_POOL_SIZE: '100' }, CWD).databasePoolSize).toBe(100);
    for (const bad of ['0', '101', '2.5', 'ten', '-1']) {
      expect(() => parseConfig({ SIGNET_DATABASE_POOL_SIZE: bad }, CWD)).toThrow(/SIGNET_DATABASE_POOL_SIZE must be a whole number from 1 to 100/);
    }
  });

  test('a relative SIGNET_DATA_DIR is resolved against the working directory', () => {
    expect(parseConfig({ SIGNET_DATA_DIR: 'data/signet' }, CWD).dataDir).toBe('/srv/signet/data/signet');
  });

  test('an empty PORT means the default', () => {
    expect(parseConfig({ PORT: '' }, CWD).port).toBe(4000);
  });

  describe('introspection and error detail follow NODE_ENV', () => {
    test('production turns introspection off', () => {
      const config = parseConfig({ NODE_ENV: 'production' }, CWD);
      expect(config.introspection).toBe(false);
      expect(config.production).toBe(true);
      expect(config.development).toBe(false);
    });

    test('SIGNET_INTROSPECTION=true turns it back on in production', () => {
      expect(parseConfig({ NODE_ENV: 'production', SIGNET_INTROSPECTION: 'true' }, CWD).introspection).toBe(true);
    });

    test('SIGNET_INTROSPECTION=false turns it off outside production', () => {
      expect(parseConfig({ SIGNET_INTROSPECTION: 'false' }, CWD).introspection).toBe(false);
    });

    test('development mode (unmasked errors) only with NODE_ENV=development', () => {
      expect(parseConfig({ NODE_ENV: 'development' }, CWD).development).toBe(true);
      expect(parseConfig({ NODE_ENV: 'test' }, CWD).development).toBe(false);
      expect(() => parseConfig({ NODE_ENV: 'dev' }, CWD)).toThrow(ConfigError); // not a value: refused, never development by accident
      expect(parseConfig({ NODE_ENV: 'production' }, CWD).development).toBe(false);
    });
  });

  describe('demo seeding (SIGNET_DEMO_SEED) is on only when asked for, never in production', () => {
    test('defaults to on in development and with NODE_ENV unset', () => {
      expect(parseConfig({}, CWD).demoSeed).toBe(true);
      expect(parseConfig({ NODE_ENV: 'development' }, CWD).demoSeed).toBe(true);
    });

    test('defaults to off on a HOST others can reach (NODE_ENV unset on a deployment), on with a loopback one', () => {
      for (const host of ['0.0.0.0', '::', '10.0.0.5', 'api.example.com', '::ffff:127.0.0.1']) expect(parseConfig({ HOST: host }, CWD).demoSeed).toBe(false);
      for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', 'LOCALHOST.', '::1']) expect(parseConfig({ HOST: host }, CWD).demoSeed).toBe(true);
      expect(parseConfig({ HOST: '0.0.0.0', SIGNET_DEMO_SEED: 'true' }, CWD).demoSeed).toBe(true);
    });

    test('a NODE_ENV other than production, development or test (a misspelled production) is refused, not run with development\'s defaults', () => {
      for (const value of ['Production', 'prod', 'staging']) {
        expect(problemsOf({ NODE_ENV: value }).problems).toEqual([expect.stringMatching(new RegExp(`^NODE_ENV must be production, development or test, or unset \\(got "${value}"\\)`))]);
      }
      for (const value of ['production', 'development', 'test']) expect(() => parseConfig({ NODE_ENV: value }, CWD)).not.toThrow();
    });

    test('defaults to off with NODE_ENV=production, and with DATABASE_URL', () => {
      expect(parseConfig({ NODE_ENV: 'production' }, CWD).demoSeed).toBe(false);
      expect(parseConfig({ DATABASE_URL: 'postgres://db/signet', SIGNET_MASTER_KEY: MASTER_KEY }, CWD).demoSeed).toBe(false);
    });

    test('SIGNET_DEMO_SEED=false turns it off; =false is accepted in production', () => {
      expect(parseConfig({ SIGNET_DEMO_SEED: 'false' }, CWD).demoSeed).toBe(false);
      expect(parseConfig({ NODE_ENV: 'production', SIGNET_DEMO_SEED: 'false' }, CWD).demoSeed).toBe(false);
    });

    test('SIGNET_DEMO_SEED=true with NODE_ENV=production stops start-up with a clear message', () => {
      expect(problemsOf({ NODE_ENV: 'production', SIGNET_DEMO_SEED: 'true' }).problems).toEqual([expect.stringMatching(/^SIGNET_DEMO_SEED=true is refused with NODE_ENV=production/)]);
    });

    test('SIGNET_DEMO_SEED=true with DATABASE_URL stops start-up: seeding is for the embedded database only', () => {
      expect(problemsOf({ SIGNET_DEMO_SEED: 'yes', DATABASE_URL: 'postgres://db/signet', SIGNET_MASTER_KEY: MASTER_KEY }).problems).toEqual([expect.stringMatching(/^SIGNET_DEMO_SEED=true needs the embedded database/)]);
    });

    test('a value that is not a boolean is refused', () => {
      expect(problemsOf({ SIGNET_DEMO_SEED: 'maybe' }).problems).toEqual(['SIGNET_DEMO_SEED must be true or false (got "maybe")']);
    });
  });

  describe('a bad value stops start-up with a ConfigError naming the variable', () => {
    test.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '-1'],
      ['PORT', '80.5'],
      ['LOG_LEVEL', 'loud'],
      ['SIGNET_INTROSPECTION', 'maybe'],
      ['SIGNET_IDEMPOTENCY_REDIS_PREFIX', 'signet:{tag}:'],
      ['SIGNET_IDEMPOTENCY_REDIS_PREFIX', 'x'.repeat(65)],
      ['SIGNET_IDEMPOTENCY_REDIS_PREFIX', 'with space:'],
      ['SIGNET_MAKER_FEE_RATE', '-0.001'],
      ['SIGNET_MAKER_FEE_RATE', '0.1000001'],
      ['SIGNET_TAKER_FEE_RATE', '0.2'],
      ['SIGNET_TAKER_FEE_RATE', '1e-3'],
      ['SIGNET_TAKER_FEE_RATE', '0.2%'],
      ['SIGNET_MAX_OPEN_ORDERS', '0'],
      ['SIGNET_MAX_OPEN_ORDERS', '100001'],
      ['SIGNET_MAX_OPEN_ORDERS', '1e3'],
      ['SIGNET_MAX_OPEN_ORDERS', '-1'],
    ])('%s=%s', (name, value) => {
      const error = problemsOf({ [name]: value });
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toContain(name);
      expect(error.message).toContain(name);
    });

    test('DATABASE_URL with another scheme is refused without echoing the URL (it may hold a password)', () => {
      const url = 'mysql://admin:hunter2@db.internal/signet';
      const error = problemsOf({ DATABASE_URL: url, SIGNET_MASTER_KEY: MASTER_KEY });
      expect(error.problems).toEqual([expect.stringContaining('DATABASE_URL')]);
      expect(error.message).toContain('postgres://');
      expect(error.message).not.toContain('hunter2');
      expect(error.message).not.toContain('mysql');
    });

    test('an unparseable DATABASE_URL is refused without echoing it', () => {
      const error = problemsOf({ DATABASE_URL: 'not a url, password=hunter2', SIGNET_MASTER_KEY: MASTER_KEY });
      expect(error.problems).toEqual([expect.stringContaining('DATABASE_URL')]);
      expect(error.message).not.toContain('hunter2');
    });

    test('REDIS_URL must be redis:// or rediss://', () => {
      const error = problemsOf({ REDIS_URL: 'http://x' });
      expect(error.problems).toEqual([expect.stringContaining('REDIS_URL')]);
      expect(error.message).toContain('redis://');
    });

    test('REDIS_URL may end in a database number only: another path is refused (it would reach Redis as SELECT NaN)', () => {
      for (const url of ['redis://cache:6379/abc', 'redis://:hunter2@cache:6379/1/2', 'rediss://cache/0x1']) {
        const error = problemsOf({ REDIS_URL: url });
        expect(error.problems).toEqual([expect.stringContaining('REDIS_URL may end in a database number only')]);
        expect(error.message).not.toContain('hunter2');
      }
      expect(parseConfig({ REDIS_URL: 'redis://cache:6379/15' }, CWD).redisUrl).toBe('redis://cache:6379/15');
      expect(parseConfig({ REDIS_URL: 'redis://cache:6379/' }, CWD).redisUrl).toBe('redis://cache:6379/');
    });

    test('HOST must be an IP address or a host name, refused before anything is opened', () => {
      for (const host of ['not a host', '[::1]', 'host_name', '-x']) {
        expect(problemsOf({ HOST: host }).problems).toEqual([expect.stringContaining('HOST must be an IP address')]);
      }
      for (const host of ['0.0.0.0', '::', '::1', 'localhost', 'api.internal', '10.1.2.3']) expect(parseConfig({ HOST: host }, CWD).host).toBe(host);
    });

    test('HOST made of numbers that is no IPv4 address is refused, naming HOST: listen would fail late (256.1.1.1) or read a shorthand (10.1)', () => {
      for (const host of ['256.1.1.1', '1.2.3.4.5', '10.1', '4000', '127.0.0.0x1', '10.1.2.3.']) {
        expect(problemsOf({ HOST: host }).problems).toEqual([`HOST must be an IP address (no brackets) or a host name, e.g. 127.0.0.1, 0.0.0.0, :: or localhost (got "${host}": not an IPv4 address, and a host name does not end in a number)`]);
      }
      // Digits elsewhere in a host name are fine.
      for (const host of ['1.example.com', 'node-2', '10-1-2-3.internal', 'x0a']) expect(parseConfig({ HOST: host }, CWD).host).toBe(host);
    });

    test('SIGNET_RATE_LIMITS windows must be longer than zero, and each problem names the key', () => {
      for (const window of ['0s', '-1m', '0']) {
        const error = problemsOf({ SIGNET_RATE_LIMITS: JSON.stringify({ 'Query.serverTime': { max: 5, window } }) });
        expect(error.problems).toEqual([`SIGNET_RATE_LIMITS: "Query.serverTime": Invalid rate-limit window "${window}": it must be longer than zero`]);
      }
      expect(problemsOf({ SIGNET_RATE_LIMITS: JSON.stringify({ 'Query.serverTime': { max: 5, window: '2d' } }) }).problems[0]).toContain('not be longer than 24h');
      expect(problemsOf({ SIGNET_RATE_LIMITS: JSON.stringify({ 'Query.serverTime': { max: 0, window: '1m' } }) }).problems[0]).toContain('"Query.serverTime" needs a "max"');
      expect(problemsOf({ SIGNET_RATE_LIMITS: '[1]' }).problems[0]).toContain('SIGNET_RATE_LIMITS must be JSON like');
      expect(parseConfig({ SIGNET_RATE_LIMITS: JSON.stringify({ 'Query.serverTime': { max: 5, window: '10s' } }) }, CWD).rateLimitOverrides)
        .toEqual({ 'Query.serverTime': { max: 5, window: '10s' } });
    });

    test('SIGNET_MASTER_KEY of 16 bytes is refused without echoing the key', () => {
      const short = randomBytes(16).toString('base64');
      const error = problemsOf({ SIGNET_MASTER_KEY: short });
      expect(error.problems).toEqual([expect.stringContaining('SIGNET_MASTER_KEY')]);
      expect(error.message).toContain('32 bytes');
      expect(error.message).not.toContain(short);
    });

    test('SIGNET_MASTER_KEY that is not base64 is refused, even when it decodes to 32 bytes', () => {
      // Node's decoder skips the stray '!', so only the alphabet check catches this one.
      const junk = MASTER_KEY.slice(0, 20) + '!' + MASTER_KEY.slice(20);
      expect(Buffer.from(junk, 'base64')).toHaveLength(32);
      expect(problemsOf({ SIGNET_MASTER_KEY: junk }).problems).toEqual([expect.stringContaining('SIGNET_MASTER_KEY')]);
      expect(problemsOf({ SIGNET_MASTER_KEY: 'not base64 at all' }).problems).toEqual([expect.stringContaining('SIGNET_MASTER_KEY')]);
    });

    test('DATABASE_URL without SIGNET_MASTER_KEY is refused: every instance must share one key', () => {
      const error = problemsOf({ DATABASE_URL: 'postgres://db/signet' });
      expect(error.problems).toEqual([expect.stringContaining('SIGNET_MASTER_KEY is required with DATABASE_URL')]);
    });
  });

  describe('the public origin clients sign for', () => {
    test('defaults to none: the server signs for the address it listens on over plain http', () => {
      expect(parseConfig({}, CWD)).toMatchObject({ publicUrl: null, publicAuthorities: [] });
    });

    test('SIGNET_PUBLIC_URL gives the scheme and the authority (default port dropped, lowercased)', () => {
      expect(parseConfig({ SIGNET_PUBLIC_URL: 'https://API.example.com:443' }, CWD).publicUrl).toEqual({ scheme: 'https', authority: 'api.example.com' });
      expect(parseConfig({ SIGNET_PUBLIC_URL: 'http://signet.internal:8080/' }, CWD).publicUrl).toEqual({ scheme: 'http', authority: 'signet.internal:8080' });
    });

    test.each(['ftp://api.example.com', 'https://api.example.com/graphql', 'https://api.example.com?x=1', 'https://user:pw@api.example.com', 'api.example.com'])(
      'SIGNET_PUBLIC_URL=%s is refused: it must be an http(s) origin',
      (value) => {
        expect(problemsOf({ SIGNET_PUBLIC_URL: value }).problems.join('\n')).toMatch(/SIGNET_PUBLIC_URL must be an origin/);
      },
    );

    test('the deprecated SIGNET_PUBLIC_AUTHORITY still works and means https', () => {
      expect(parseConfig({ SIGNET_PUBLIC_AUTHORITY: 'api.example.com' }, CWD).publicUrl).toEqual({ scheme: 'https', authority: 'api.example.com' });
      expect(problemsOf({ SIGNET_PUBLIC_AUTHORITY: 'API.example.com' }).problems.join('\n')).toMatch(/SIGNET_PUBLIC_AUTHORITY must be a lowercase host/);
      expect(problemsOf({ SIGNET_PUBLIC_AUTHORITY: 'a.example', SIGNET_PUBLIC_URL: 'https://b.example' }).problems.join('\n')).toMatch(/set SIGNET_PUBLIC_URL only/);
    });

    test('SIGNET_PUBLIC_AUTHORITIES lists more names; a malformed entry is refused', () => {
      expect(parseConfig({ SIGNET_PUBLIC_AUTHORITIES: 'api.example.com, api.example.net:8443' }, CWD).publicAuthorities).toEqual(['api.example.com', 'api.example.net:8443']);
      expect(problemsOf({ SIGNET_PUBLIC_AUTHORITIES: 'api.example.com,evil/path' }).problems.join('\n')).toMatch(/SIGNET_PUBLIC_AUTHORITIES must be/);
    });

    test('a default port in SIGNET_PUBLIC_AUTHORITIES is dropped for the public scheme, as clients sign @authority (RFC 9421 §2.2.3)', () => {
      const https = { SIGNET_PUBLIC_URL: 'https://api.example.com', SIGNET_PUBLIC_AUTHORITIES: 'api.example.net:443,api.example.org:80,api.example.net' };
      expect(parseConfig(https, CWD).publicAuthorities).toEqual(['api.example.net', 'api.example.org:80']);
      // Without a public URL the scheme is http.
      expect(parseConfig({ SIGNET_PUBLIC_AUTHORITIES: 'signet.lan:80,signet.lan:443' }, CWD).publicAuthorities).toEqual(['signet.lan', 'signet.lan:443']);
      expect(parseConfig({ SIGNET_PUBLIC_URL: 'https://api.example.com:443' }, CWD).publicUrl).toEqual({ scheme: 'https', authority: 'api.example.com' });
      expect(parseConfig({ SIGNET_PUBLIC_AUTHORITY: 'api.example.com:443' }, CWD).publicUrl).toEqual({ scheme: 'https', authority: 'api.example.com' });
    });
  });

  test('several problems are all reported at once', () => {
    const error = problemsOf({ PORT: 'abc', REDIS_URL: 'http://x', LOG_LEVEL: 'loud', SIGNET_INTROSPECTION: 'maybe', DATABASE_URL: 'postgres://db/signet' });
    expect(error.problems).toHaveLength(5);
    for (const name of ['PORT', 'REDIS_URL', 'LOG_LEVEL', 'SIGNET_INTROSPECTION', 'SIGNET_MASTER_KEY']) {
      expect(error.problems.filter((p) => p.startsWith(name))).toHaveLength(1);
      expect(error.message).toContain(name);
    }
  });

  describe('REDIS_URL may name a Redis Cluster', () => {
    test('redis+cluster:// with a list of host:port gives the seed nodes', () => {
      const config = parseConfig({ REDIS_URL: 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002' }, CWD);
      expect(config.redisUrl).toBe('redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002');
      expect(config.redisCluster).toEqual({
        nodes: [{ host: '127.0.0.1', port: 7000 }, { host: '127.0.0.1', port: 7001 }, { host: '127.0.0.1', port: 7002 }], username: undefined, password: undefined, tls: false,
      });
    });

    test('credentials, TLS, IPv6 and a default port are understood', () => {
      expect(parseRedisClusterUrl('rediss+cluster://app:p%40ss@cache-a:6380,[::1],cache-c/')).toEqual({
        nodes: [{ host: 'cache-a', port: 6380 }, { host: '::1', port: 6379 }, { host: 'cache-c', port: 6379 }], username: 'app', password: 'p@ss', tls: true,
      });
    });

    test('plain redis:// and rediss:// URLs are a single server, not a cluster', () => {
      expect(parseConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }, CWD).redisCluster).toBeNull();
      expect(parseConfig({ REDIS_URL: 'rediss://cache:6380' }, CWD).redisCluster).toBeNull();
    });

    test.each(['redis+cluster://', 'redis+cluster://a:1,,b:2', 'redis+cluster://a:99999', 'redis+cluster://a:1/2', 'redis+cluster://a b:1'])('%s is refused, naming the form', (url) => {
      const error = problemsOf({ REDIS_URL: url });
      expect(error.problems).toEqual([expect.stringContaining('redis+cluster://host:port,host:port')]);
    });

    test('a malformed cluster URL is refused without echoing its password', () => {
      expect(problemsOf({ REDIS_URL: 'redis+cluster://u:hunter2@a:1,/' }).message).not.toContain('hunter2');
    });
  });
});
