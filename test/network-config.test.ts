import { ConfigError, parseConfig } from '../src/config';

const CWD = '/srv/signet';

/** The problems `env` stops start-up with. */
function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env, CWD);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('SIGNET_TRUST_PROXY', () => {
  test('unset, empty, 0 or false: X-Forwarded-For is ignored', () => {
    for (const value of [undefined, '', '0', 'false', 'off']) {
      expect(parseConfig(value === undefined ? {} : { SIGNET_TRUST_PROXY: value }, CWD).trustProxy).toEqual({ kind: 'none' });
    }
  });

  test('a number is the count of proxies in front of Signet', () => {
    expect(parseConfig({ SIGNET_TRUST_PROXY: '2' }, CWD).trustProxy).toEqual({ kind: 'hops', hops: 2 });
  });

  test('a list names the proxies by address, CIDR or range name', () => {
    expect(parseConfig({ SIGNET_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,loopback' }, CWD).trustProxy).toEqual({ kind: 'ranges', ranges: ['10.0.0.0/8', '127.0.0.1', 'loopback'] });
  });

  test('true is refused, with a message that names the forms that replace it', () => {
    const [problem] = problemsOf({ SIGNET_TRUST_PROXY: 'true' });
    expect(problem).toMatch(/SIGNET_TRUST_PROXY=true is refused: it trusted the client-written left-most X-Forwarded-For entry/);
    expect(problem).toContain('(e.g. 1)');
    expect(problem).toContain('10.0.0.0/8,127.0.0.1');
  });

  test('an entry that is not an address or CIDR, or too many hops, is refused', () => {
    expect(problemsOf({ SIGNET_TRUST_PROXY: '10.0.0.0/8,proxy.internal' })[0]).toMatch(/not an address or CIDR: "proxy.internal"/);
    expect(problemsOf({ SIGNET_TRUST_PROXY: '11' })[0]).toMatch(/hop count from 0 to 10/);
  });
});

describe('SIGNET_IPV6_LIMIT_PREFIX', () => {
  test('defaults to /64 and accepts 32 to 128', () => {
    expect(parseConfig({}, CWD).ipv6LimitPrefix).toBe(64);
    expect(parseConfig({ SIGNET_IPV6_LIMIT_PREFIX: '56' }, CWD).ipv6LimitPrefix).toBe(56);
    expect(problemsOf({ SIGNET_IPV6_LIMIT_PREFIX: '16' })[0]).toMatch(/from 32 to 128/);
    expect(problemsOf({ SIGNET_IPV6_LIMIT_PREFIX: '64x' })[0]).toMatch(/from 32 to 128/);
  });
});

describe('connection caps', () => {
  test('by default 128 connections per client address and 4096 in all', () => {
    expect(parseConfig({}, CWD).connectionLimits).toEqual({ perAddress: 128, total: 4096 });
  });

  test('behind a trusted proxy every connection is the proxy\'s: no per-address cap unless asked for', () => {
    expect(parseConfig({ SIGNET_TRUST_PROXY: '1' }, CWD).connectionLimits).toEqual({ perAddress: null, total: 4096 });
    expect(parseConfig({ SIGNET_TRUST_PROXY: '10.0.0.0/8' }, CWD).connectionLimits.perAddress).toBeNull();
    expect(parseConfig({ SIGNET_TRUST_PROXY: '10.0.0.0/8', SIGNET_MAX_CONNECTIONS_PER_ADDRESS: '1000' }, CWD).connectionLimits.perAddress).toBe(1000);
  });

  test('each cap takes a whole number; the per-address one also none', () => {
    expect(parseConfig({ SIGNET_MAX_CONNECTIONS_PER_ADDRESS: '16', SIGNET_MAX_CONNECTIONS: '20000' }, CWD).connectionLimits).toEqual({ perAddress: 16, total: 20000 });
    expect(parseConfig({ SIGNET_MAX_CONNECTIONS_PER_ADDRESS: 'none' }, CWD).connectionLimits.perAddress).toBeNull();
    expect(problemsOf({ SIGNET_MAX_CONNECTIONS_PER_ADDRESS: '0' })[0]).toMatch(/SIGNET_MAX_CONNECTIONS_PER_ADDRESS must be a whole number from 1 to 1000000, or none/);
    expect(problemsOf({ SIGNET_MAX_CONNECTIONS_PER_ADDRESS: '64k' })[0]).toMatch(/SIGNET_MAX_CONNECTIONS_PER_ADDRESS must be/);
    expect(problemsOf({ SIGNET_MAX_CONNECTIONS: 'none' })[0]).toMatch(/SIGNET_MAX_CONNECTIONS must be a whole number from 1 to 1000000 \(got "none"\)/);
    expect(problemsOf({ SIGNET_MAX_CONNECTIONS: '2000000' })[0]).toMatch(/SIGNET_MAX_CONNECTIONS must be/);
  });
});

describe('metrics exposure', () => {
  test('in production /metrics is on no port by default', () => {
    expect(parseConfig({ NODE_ENV: 'production' }, CWD).metrics).toEqual({ listen: null, allow: [] });
  });

  test('outside production the public port serves it to loopback clients only', () => {
    expect(parseConfig({}, CWD).metrics).toEqual({ listen: null, allow: ['loopback'] });
    expect(parseConfig({ SIGNET_METRICS_ALLOW: 'none' }, CWD).metrics.allow).toEqual([]);
  });

  test('an operator listener and an allowlist are read and validated', () => {
    const config = parseConfig({ NODE_ENV: 'production', SIGNET_METRICS_LISTEN: '[::1]:9464', SIGNET_METRICS_ALLOW: '10.0.0.0/8,192.0.2.7' }, CWD);
    expect(config.metrics).toEqual({ listen: { host: '::1', port: 9464 }, allow: ['10.0.0.0/8', '192.0.2.7'] });
    expect(Object.isFrozen(config.metrics)).toBe(true);
    expect(problemsOf({ SIGNET_METRICS_LISTEN: '9464' })[0]).toMatch(/SIGNET_METRICS_LISTEN must be host:port/);
    expect(problemsOf({ SIGNET_METRICS_LISTEN: '127.0.0.1:4000' })[0]).toMatch(/another port than PORT/);
    // HOST's rule for its host: a name ending in a number is a mistyped IPv4 address (getaddrinfo failed at listen, after start-up).
    for (const listen of ['256.1.1.1:9464', '10.1:9464', 'metrics.0x1:9464']) {
      expect(problemsOf({ SIGNET_METRICS_LISTEN: listen })).toEqual([expect.stringMatching(/^SIGNET_METRICS_LISTEN's host must be an IP address or a host name.*does not end in a number/)]);
    }
    expect(parseConfig({ SIGNET_METRICS_LISTEN: 'metrics.internal:9464' }, CWD).metrics.listen).toEqual({ host: 'metrics.internal', port: 9464 });
    expect(problemsOf({ SIGNET_METRICS_ALLOW: 'everyone' })[0]).toMatch(/SIGNET_METRICS_ALLOW must be "none" or addresses\/CIDRs/);
  });
});

describe('SIGNET_DRAIN_SECONDS', () => {
  test('defaults to 0 (close at once), takes whole seconds up to 300, and refuses anything else naming the variable', () => {
    expect(parseConfig({}, CWD).drainSeconds).toBe(0);
    expect(parseConfig({ SIGNET_DRAIN_SECONDS: '30' }, CWD).drainSeconds).toBe(30);
    expect(parseConfig({ SIGNET_DRAIN_SECONDS: '300' }, CWD).drainSeconds).toBe(300);
    for (const bad of ['301', '-1', '1.5', '10s', 'abc', '1e2']) {
      expect(problemsOf({ SIGNET_DRAIN_SECONDS: bad })).toEqual([expect.stringMatching(/^SIGNET_DRAIN_SECONDS must be a whole number of seconds from 0 to 300/)]);
    }
  });
});
