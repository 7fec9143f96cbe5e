import { isAbsolute, resolve } from 'node:path';
import { isIP } from 'node:net';
import ms from 'ms';
import { parseWindow } from '@signet/rate-limit';
import { normalizeAuthority } from '@signet/http-message-signatures';
import { parseClientConfig, type ClientConfig } from './client-config';
import { listenHostProblem, parseNetworkConfig, type MetricsExposure, type TrustProxy } from './network-config';
import type { ConnectionLimits } from './transport/http/connection-limits';
import { parsePriceConfig, type PriceConfig } from './price-config';
import { parseFeeRates } from './fee-config';
import type { FeeRates } from './domain/settlement';
import { DEFAULT_MAX_OPEN_ORDERS, MAX_CONFIGURABLE_OPEN_ORDERS } from './domain/orders.service';

/** Log levels pino understands. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** PostgreSQL connections in each process's pool by default, and the most SIGNET_DATABASE_POOL_SIZE takes. */
export const DEFAULT_DATABASE_POOL_SIZE = 10;
export const MAX_DATABASE_POOL_SIZE = 100;

/** The SIGNET_SIGNATURE_MAX_AGE a process may run with, in seconds: a shared nonce store keeps nonces for the largest. */
export const SIGNATURE_MAX_AGE_BOUNDS = { min: 5, max: 120 } as const;

/** Signet's configuration: parsed once from the environment in `main.ts`, validated, frozen. */
export interface SignetConfig {
  /** TCP port (`PORT`). Defaults to 4000. */
  readonly port: number;
  /** Interface to listen on (`HOST`). Defaults to 127.0.0.1: loopback only until you choose otherwise. */
  readonly host: string;
  /** PostgreSQL connection string (`DATABASE_URL`). Null: embedded PGlite in `dataDir`. */
  readonly databaseUrl: string | null;
  /** Directory for embedded data, the generated master key and demo credentials (`SIGNET_DATA_DIR`). Defaults to ./.signet. */
  readonly dataDir: string;
  /** Redis connection string (`REDIS_URL`): `redis://`, `rediss://` or a cluster list. Null: in-process memory stores, single instance only. */
  readonly redisUrl: string | null;
  /** The cluster `REDIS_URL` names (`redis+cluster://host:port,host:port,…`). Null: a single Redis (or none). */
  readonly redisCluster: RedisClusterTarget | null;
  /** 32-byte key encrypting HMAC secrets at rest (`SIGNET_MASTER_KEY`, base64). Null: embedded mode generates one in `dataDir`. */
  readonly masterKey: Buffer | null;
  /** The key `signet master-key rotate` re-seals the secrets under (`SIGNET_NEW_MASTER_KEY`, base64); nothing else reads it. Null: embedded mode generates one. */
  readonly newMasterKey: Buffer | null;
  /**
   * Create the demo accounts alice and bob (funded, all-scope keys, private keys printed) when the
   * embedded database is new (`SIGNET_DEMO_SEED`). Defaults to on, off with NODE_ENV=production or
   * DATABASE_URL; asking for it with either stops start-up.
   */
  readonly demoSeed: boolean;
  /** Serve schema introspection (`SIGNET_INTROSPECTION`). Defaults to on, off when NODE_ENV=production. */
  readonly introspection: boolean;
  /**
   * The origin clients reach Signet at (`SIGNET_PUBLIC_URL`, e.g. https://api.example.com): its
   * scheme is signed as `@scheme`/`@target-uri`, its host[:port] as `@authority`. The deprecated
   * `SIGNET_PUBLIC_AUTHORITY=host` means `https://host`. Null: `http://` and the address listened on.
   */
  readonly publicUrl: PublicUrl | null;
  /**
   * More `host[:port]` names clients may sign as `@authority` (`SIGNET_PUBLIC_AUTHORITIES`, comma-separated),
   * normalized for the public scheme (http without a public URL): a default port (`:443` for https,
   * `:80` for http) is dropped, as RFC 9421 §2.2.3 has clients sign it. Defaults to none; without a
   * public URL the server also accepts `localhost` and `127.0.0.1` at the port it listens on.
   */
  readonly publicAuthorities: readonly string[];
  /** Oldest accepted signature `created`, in seconds (`SIGNET_SIGNATURE_MAX_AGE`, 5-120). Defaults to 30. */
  readonly signatureMaxAgeSeconds: number;
  /** How long a completed idempotent outcome is kept, in ms (`SIGNET_IDEMPOTENCY_TTL`, e.g. "24h"). Defaults to 24 h. */
  readonly idempotencyTtlMs: number;
  /**
   * Redis key prefix of the idempotency leases, outcomes and completeness marker
   * (`SIGNET_IDEMPOTENCY_REDIS_PREFIX`). Null: `signet:idem:`. Deployments on different databases
   * that share one Redis need different prefixes: the marker vouches for one database's records.
   */
  readonly idempotencyRedisPrefix: string | null;
  /** Proxies that may name the client in X-Forwarded-For (`SIGNET_TRUST_PROXY`: hop count or addresses/CIDRs). Defaults to none. */
  readonly trustProxy: TrustProxy;
  /** IPv6 clients share per-client limits per network of this many bits (`SIGNET_IPV6_LIMIT_PREFIX`, 32-128). Defaults to 64. */
  readonly ipv6LimitPrefix: number;
  /** Where GET /metrics is served (`SIGNET_METRICS_LISTEN`, `SIGNET_METRICS_ALLOW`). Defaults to loopback clients on the public port; none in production. */
  readonly metrics: MetricsExposure;
  /**
   * Connections open at once: per TCP peer (`SIGNET_MAX_CONNECTIONS_PER_ADDRESS`, a number or `none`) and in
   * all (`SIGNET_MAX_CONNECTIONS`). Defaults to 128 per peer (none with SIGNET_TRUST_PROXY) and 4096.
   */
  readonly connectionLimits: ConnectionLimits;
  /** Connections in the PostgreSQL pool of each process (`SIGNET_DATABASE_POOL_SIZE`, 1-100). Defaults to 10. Unused embedded. */
  readonly databasePoolSize: number;
  /** Seconds a stopping server keeps serving, /readyz 503, before it closes (`SIGNET_DRAIN_SECONDS`, 0-300). Defaults to 0. */
  readonly drainSeconds: number;
  /** Field rate-limit overrides (`SIGNET_RATE_LIMITS`, JSON: {"Mutation.placeOrder":{"max":100,"window":"10s"}}). */
  readonly rateLimitOverrides: Readonly<Record<string, { max: number; window: string }>>;
  /** Log level (`LOG_LEVEL`). Defaults to info. */
  readonly logLevel: LogLevel;
  /** True only with NODE_ENV=development: unmasked errors and stack traces in responses. */
  readonly development: boolean;
  /** True with NODE_ENV=production. */
  readonly production: boolean;
  /** Server and credentials for the trading CLI commands (`SIGNET_URL`, `SIGNET_KEY_ID`, `SIGNET_PRIVATE_KEY`, `SIGNET_SECRET`); all optional. */
  readonly client: ClientConfig;
  /** Price source of valuations (`SIGNET_PRICE_FEED_URL`, `SIGNET_PRICE_FEED_TIMEOUT_MS`, `SIGNET_PRICE_TABLE`). Defaults to the embedded source. */
  readonly prices: PriceConfig;
  /** Maker and taker fee rates of every market (`SIGNET_MAKER_FEE_RATE`, `SIGNET_TAKER_FEE_RATE`, decimals from 0 to 0.1). Default 0.001 and 0.002. */
  readonly feeRates: FeeRates;
  /**
   * The most live orders an account may have in one market (`SIGNET_MAX_OPEN_ORDERS`, 1-100000, or
   * `unlimited`). Default 500. Without a limit one account can rest orders without end, and one
   * placement walking them holds the market for seconds or minutes.
   */
  readonly maxOpenOrders: number | null;
}

/** A public origin: what clients sign for. */
export interface PublicUrl {
  /** `http` or `https`, as clients connect (TLS may end at a proxy in front of Signet). */
  readonly scheme: 'http' | 'https';
  /** Lowercase `host[:port]`, without a default port (as `new URL(...).host` gives it). */
  readonly authority: string;
}

const AUTHORITY = /^[a-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/;

/** Parses SIGNET_PUBLIC_URL / SIGNET_PUBLIC_AUTHORITY (deprecated) / SIGNET_PUBLIC_AUTHORITIES, reporting problems. */
function parsePublicOrigin(env: Readonly<Record<string, string | undefined>>, problems: string[]): { publicUrl: PublicUrl | null; publicAuthorities: readonly string[] } {
  let publicUrl: PublicUrl | null = null;
  if (env.SIGNET_PUBLIC_URL) {
    if (env.SIGNET_PUBLIC_AUTHORITY) problems.push('SIGNET_PUBLIC_AUTHORITY is deprecated and conflicts with SIGNET_PUBLIC_URL; set SIGNET_PUBLIC_URL only');
    let url: URL | null = null;
    try {
      url = new URL(env.SIGNET_PUBLIC_URL);
    } catch {
      url = null;
    }
    const origin = url !== null && (url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    if (!url || !origin) problems.push('SIGNET_PUBLIC_URL must be an origin: http(s)://host[:port] with no path, e.g. https://api.example.com');
    else publicUrl = { scheme: url.protocol === 'https:' ? 'https' : 'http', authority: url.host };
  } else if (env.SIGNET_PUBLIC_AUTHORITY) {
    // Deprecated: it predates SIGNET_PUBLIC_URL and always meant an https origin.
    if (!AUTHORITY.test(env.SIGNET_PUBLIC_AUTHORITY)) problems.push('SIGNET_PUBLIC_AUTHORITY must be a lowercase host[:port], e.g. api.example.com or 127.0.0.1:4000');
    else publicUrl = { scheme: 'https', authority: normalizeAuthority(env.SIGNET_PUBLIC_AUTHORITY, 'https') };
  }
  let publicAuthorities: string[] = [];
  if (env.SIGNET_PUBLIC_AUTHORITIES) {
    publicAuthorities = env.SIGNET_PUBLIC_AUTHORITIES.split(',').map((name) => name.trim()).filter((name) => name !== '');
    if (publicAuthorities.length === 0 || !publicAuthorities.every((name) => AUTHORITY.test(name))) {
      problems.push('SIGNET_PUBLIC_AUTHORITIES must be a comma-separated list of lowercase host[:port], e.g. api.example.com,api.example.net:8443');
    }
    // Clients sign `@authority` without the scheme's default port (RFC 9421 §2.2.3): `host:443` over https is `host`.
    const scheme = publicUrl?.scheme ?? 'http';
    publicAuthorities = [...new Set(publicAuthorities.map((name) => normalizeAuthority(name, scheme)))];
  }
  return { publicUrl: publicUrl && Object.freeze(publicUrl), publicAuthorities: Object.freeze(publicAuthorities) };
}

/** A Redis Cluster to connect to: seed nodes (ioredis discovers the rest) and the credentials every node shares. */
export interface RedisClusterTarget {
  /** Seed nodes, in the order given; one reachable node is enough to discover the cluster. */
  readonly nodes: readonly { readonly host: string; readonly port: number }[];
  /** ACL user, if the URL names one. */
  readonly username?: string;
  /** Password, if the URL carries one. */
  readonly password?: string;
  /** True for `rediss+cluster://`: TLS to every node. */
  readonly tls: boolean;
}

const CLUSTER_NODE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})(?::(\d{1,5}))?$/;

/**
 * Parses `redis+cluster://[user:password@]host:port,host:port,…` (or `rediss+cluster://`).
 * WHATWG URLs cannot hold a list of hosts, hence a parser of its own. A node without a port
 * means 6379; a path other than `/` is refused (a cluster has only database 0). Returns null
 * when the text is not such a URL.
 */
export function parseRedisClusterUrl(text: string): RedisClusterTarget | null {
  const match = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/i.exec(text);
  if (!match) return null;
  const [, scheme, userinfo, hostList] = match;
  const nodes: { host: string; port: number }[] = [];
  for (const part of hostList.split(',')) {
    const node = CLUSTER_NODE.exec(part.trim());
    const port = node?.[2] === undefined ? 6379 : Number(node[2]);
    if (!node || port < 1 || port > 65535) return null;
    nodes.push({ host: node[1].replace(/^\[|\]$/g, ''), port });
  }
  let username: string | undefined;
  let password: string | undefined;
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    try {
      username = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(0, colon)) || undefined;
      password = colon === -1 ? undefined : decodeURIComponent(userinfo.slice(colon + 1)) || undefined;
    } catch {
      return null;
    }
  }
  return Object.freeze({ nodes: Object.freeze(nodes.map((n) => Object.freeze(n))), username, password, tls: scheme.toLowerCase() === 'rediss' });
}

/** A 32-byte key in base64 (`name`), or null when unset. */
function parseMasterKey(name: string, value: string | undefined, problems: string[]): Buffer | null {
  if (!value) return null;
  const decoded = Buffer.from(value, 'base64');
  if (decoded.length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) return decoded;
  problems.push(`${name} must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  return null;
}

/** Start-up refused: every problem found, each with the variable to fix. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function parseBoolean(name: string, value: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(1|true|on|yes)$/i.test(value)) return true;
  if (/^(0|false|off|no)$/i.test(value)) return false;
  problems.push(`${name} must be true or false (got "${value.slice(0, 20)}")`);
  return fallback;
}

function parseUrl(name: string, value: string | undefined, protocols: readonly string[], problems: string[]): string | null {
  if (value === undefined || value === '') return null;
  try {
    const url = new URL(value);
    if (protocols.includes(url.protocol)) return value;
  } catch {
    // reported below without echoing the value: it may hold a password
  }
  problems.push(`${name} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
  return null;
}

/**
 * Whether `HOST` listens on loopback only (127.0.0.0/8, ::1, localhost): nothing off this machine
 * reaches it. `0.0.0.0`, `::` and any other address or name may be reachable.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name === '::1') return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

/**
 * Parses a single Redis's `redis://` / `rediss://` URL. Its path, if any, is the database number:
 * anything but a whole number would reach Redis as `SELECT NaN`.
 */
function parseRedisUrl(value: string | undefined, problems: string[]): string | null {
  const url = parseUrl('REDIS_URL', value, ['redis:', 'rediss:'], problems);
  if (url === null) return null;
  if (!/^\/?(\d{1,5})?$/.test(new URL(url).pathname)) {
    problems.push('REDIS_URL may end in a database number only, e.g. redis://cache:6379/0');
    return null;
  }
  return url;
}

const RATE_LIMITS_EXAMPLE = '{"Mutation.placeOrder":{"max":100,"window":"10s"}}';

/**
 * Parses SIGNET_RATE_LIMITS: JSON of `Type.field` (or `Request.ip` / `Request.account` / `Request.keyExits`) to
 * `{ max, window }`, each window as `@rateLimit` takes it (longer than zero, at most 24 h).
 * Whether each `Type.field` carries `@rateLimit` is checked against the schema by `serve`.
 */
function parseRateLimitOverrides(text: string | undefined, problems: string[]): Record<string, { max: number; window: string }> {
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`SIGNET_RATE_LIMITS must be JSON like ${RATE_LIMITS_EXAMPLE}`);
    return {};
  }
  const before = problems.length;
  for (const [key, value] of Object.entries(parsed as Record<string, { max?: unknown; window?: unknown }>)) {
    if (!/^[A-Za-z]+\.[A-Za-z]+$/.test(key)) problems.push(`SIGNET_RATE_LIMITS: "${key.slice(0, 60)}" is not a Type.field name, e.g. ${RATE_LIMITS_EXAMPLE}`);
    else if (typeof value !== 'object' || value === null || !Number.isSafeInteger(value.max) || (value.max as number) <= 0) {
      problems.push(`SIGNET_RATE_LIMITS: "${key}" needs a "max" that is a whole number above zero, e.g. ${RATE_LIMITS_EXAMPLE}`);
    } else {
      try {
        parseWindow(value.window as string);
      } catch (error) {
        problems.push(`SIGNET_RATE_LIMITS: "${key}": ${(error as Error).message}`);
      }
    }
  }
  return problems.length === before ? (parsed as Record<string, { max: number; window: string }>) : {};
}

/** Parses and validates the environment; throws ConfigError listing every problem. */
export function parseConfig(env: Readonly<Record<string, string | undefined>>, cwd: string = process.cwd()): SignetConfig {
  const problems: string[] = [];
  const nodeEnv = env.NODE_ENV ?? '';
  const production = nodeEnv === 'production';
  // Any other value would run with the defaults of development (introspection on, /metrics for
  // loopback clients, demo seeding on loopback): a misspelled `Production` or `prod` must not.
  if (nodeEnv !== '' && !['production', 'development', 'test'].includes(nodeEnv)) {
    problems.push(`NODE_ENV must be production, development or test, or unset (got "${nodeEnv.slice(0, 20)}"): any other value would run with development's defaults`);
  }

  let port = 4000;
  if (env.PORT !== undefined && env.PORT !== '') {
    port = Number(env.PORT);
    if (!/^\d+$/.test(env.PORT) || port > 65535) problems.push(`PORT must be an integer from 0 to 65535 (got "${env.PORT.slice(0, 20)}")`);
  }
  const host = env.HOST || '127.0.0.1';
  const hostProblem = listenHostProblem(host);
  if (hostProblem !== null) problems.push(`HOST must be an IP address (no brackets) or a host name, e.g. 127.0.0.1, 0.0.0.0, :: or localhost (got "${host.slice(0, 40)}"${hostProblem})`);
  const databaseUrl = parseUrl('DATABASE_URL', env.DATABASE_URL, ['postgres:', 'postgresql:'], problems);
  const clusterScheme = /^rediss?\+cluster:/i.test(env.REDIS_URL ?? '');
  const redisCluster = clusterScheme ? parseRedisClusterUrl(env.REDIS_URL as string) : null;
  if (clusterScheme && !redisCluster) problems.push('REDIS_URL must list cluster nodes as redis+cluster://host:port,host:port (rediss+cluster:// for TLS)');
  const redisUrl = clusterScheme ? (redisCluster ? (env.REDIS_URL as string) : null) : parseRedisUrl(env.REDIS_URL, problems);
  const dataDirText = env.SIGNET_DATA_DIR || './.signet';
  const dataDir = isAbsolute(dataDirText) ? dataDirText : resolve(cwd, dataDirText);

  const masterKey = parseMasterKey('SIGNET_MASTER_KEY', env.SIGNET_MASTER_KEY, problems);
  const newMasterKey = parseMasterKey('SIGNET_NEW_MASTER_KEY', env.SIGNET_NEW_MASTER_KEY, problems);
  if (!env.SIGNET_MASTER_KEY && databaseUrl) {
    // Several instances share one database: a key generated per machine would make secrets unreadable elsewhere.
    problems.push('SIGNET_MASTER_KEY is required with DATABASE_URL (32 bytes base64, the same on every instance)');
  }

  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const { publicUrl, publicAuthorities } = parsePublicOrigin(env, problems);
  let signatureMaxAgeSeconds = 30;
  if (env.SIGNET_SIGNATURE_MAX_AGE) {
    signatureMaxAgeSeconds = Number(env.SIGNET_SIGNATURE_MAX_AGE);
    const { min, max } = SIGNATURE_MAX_AGE_BOUNDS;
    if (!/^\d+$/.test(env.SIGNET_SIGNATURE_MAX_AGE) || signatureMaxAgeSeconds < min || signatureMaxAgeSeconds > max) {
      problems.push(`SIGNET_SIGNATURE_MAX_AGE must be a whole number of seconds from ${min} to ${max}`);
    }
  }

  let idempotencyTtlMs = 24 * 60 * 60 * 1000;
  if (env.SIGNET_IDEMPOTENCY_TTL) {
    const parsed = ms(env.SIGNET_IDEMPOTENCY_TTL as ms.StringValue) as number | undefined;
    if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 60_000 || parsed > 30 * 86_400_000) {
      problems.push('SIGNET_IDEMPOTENCY_TTL must be a duration from 1m to 30d, e.g. "24h"');
    } else idempotencyTtlMs = parsed;
  }
  let idempotencyRedisPrefix: string | null = null;
  if (env.SIGNET_IDEMPOTENCY_REDIS_PREFIX !== undefined && env.SIGNET_IDEMPOTENCY_REDIS_PREFIX !== '') {
    if (/^[A-Za-z0-9:._-]{1,64}$/.test(env.SIGNET_IDEMPOTENCY_REDIS_PREFIX)) idempotencyRedisPrefix = env.SIGNET_IDEMPOTENCY_REDIS_PREFIX;
    else problems.push('SIGNET_IDEMPOTENCY_REDIS_PREFIX must be 1-64 characters of A-Z a-z 0-9 : . _ - (no hash-tag braces), e.g. "signet:staging:idem:"');
  }
  const network = parseNetworkConfig(env, { production, port }, problems);
  const rateLimitOverrides = parseRateLimitOverrides(env.SIGNET_RATE_LIMITS, problems);

  const introspection = parseBoolean('SIGNET_INTROSPECTION', env.SIGNET_INTROSPECTION, !production, problems);
  // Demo accounts hold funds and all-scope keys whose private keys go to stdout: never in production,
  // and not by default on a server others can reach (a deployment that left NODE_ENV unset).
  const demoSeed = parseBoolean('SIGNET_DEMO_SEED', env.SIGNET_DEMO_SEED, !production && !databaseUrl && isLoopbackHost(host), problems);
  if (demoSeed && production) problems.push('SIGNET_DEMO_SEED=true is refused with NODE_ENV=production: demo accounts are funded, hold all-scope keys and print their private keys (unset it)');
  else if (demoSeed && databaseUrl) problems.push('SIGNET_DEMO_SEED=true needs the embedded database: demo accounts are only seeded into a new PGlite data directory (unset it, or DATABASE_URL)');
  const client = parseClientConfig(env, problems);
  const prices = parsePriceConfig(env, problems);
  const feeRates = parseFeeRates(env, problems);
  let databasePoolSize = DEFAULT_DATABASE_POOL_SIZE;
  if (env.SIGNET_DATABASE_POOL_SIZE !== undefined && env.SIGNET_DATABASE_POOL_SIZE !== '') {
    databasePoolSize = Number(env.SIGNET_DATABASE_POOL_SIZE);
    if (!/^[1-9]\d{0,2}$/.test(env.SIGNET_DATABASE_POOL_SIZE) || databasePoolSize > MAX_DATABASE_POOL_SIZE) {
      problems.push(`SIGNET_DATABASE_POOL_SIZE must be a whole number from 1 to ${MAX_DATABASE_POOL_SIZE} (PostgreSQL connections in each process's pool)`);
    }
  }
  let maxOpenOrders: number | null = DEFAULT_MAX_OPEN_ORDERS;
  if (env.SIGNET_MAX_OPEN_ORDERS === 'unlimited') maxOpenOrders = null;
  else if (env.SIGNET_MAX_OPEN_ORDERS !== undefined && env.SIGNET_MAX_OPEN_ORDERS !== '') {
    maxOpenOrders = Number(env.SIGNET_MAX_OPEN_ORDERS);
    if (!/^[1-9]\d{0,5}$/.test(env.SIGNET_MAX_OPEN_ORDERS) || maxOpenOrders > MAX_CONFIGURABLE_OPEN_ORDERS) problems.push(`SIGNET_MAX_OPEN_ORDERS must be a whole number from 1 to ${MAX_CONFIGURABLE_OPEN_ORDERS} (open orders per account and market), or "unlimited"`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    port, host, databaseUrl, dataDir, redisUrl, redisCluster, masterKey, newMasterKey, demoSeed, introspection, logLevel, publicUrl, publicAuthorities, signatureMaxAgeSeconds,
    idempotencyTtlMs, idempotencyRedisPrefix, ...network, rateLimitOverrides: Object.freeze(rateLimitOverrides),
    development: nodeEnv === 'development', production, client, prices, feeRates, maxOpenOrders, databasePoolSize,
  });
}
