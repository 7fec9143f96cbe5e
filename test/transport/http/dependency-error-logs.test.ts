/**
 * A driver's error names what it was sent: ioredis's ReplyError carries `command` (the whole Lua
 * source of a script, its keys and arguments). Logged with pino's default serializer, an outage
 * wrote every signed request's nonce, key id and the admission script into the log. Every Signet
 * logger keeps only an error's class, message, code, stack and cause (src/error-log.ts).
 */
import { ReplyError } from 'ioredis';
import { createLogger } from '../../../src/logger';
import { captureLogger } from '../../helpers/logger';
import { memoryStores, openSigningAccount, signedRequest, startSignet, type SigningAccount } from '../../helpers/signet-server';
import pino from 'pino';

/** What a Redis that ran out of memory answers an EVALSHA, as ioredis raises it. */
function replyErrorWithCommand(): Error {
  const error = new ReplyError('OOM command not allowed when used memory > \'maxmemory\'.') as Error & { command?: unknown };
  error.command = { name: 'evalsha', args: ['0123abcd', '2', 'signet:nonce:LUA-KEY-MARKER', 'signet:rl:{192.0.2.9}', 'local claimed = redis.call("SET", KEYS[1]) -- LUA-SOURCE-MARKER'] };
  return error;
}

const MARKERS = /LUA-KEY-MARKER|LUA-SOURCE-MARKER|evalsha|"command"/;

describe('dependency errors are logged without what the driver was sent', () => {
  let account: SigningAccount;
  beforeAll(async () => {
    account = await openSigningAccount({ USD: '10' }, 'dependency-error-logs');
  });
  afterAll(async () => account?.db.close());

  test('the process logger keeps an error\'s class, message and code, and drops its command', () => {
    const serializers = (createLogger('silent') as unknown as Record<symbol, Record<string, (value: unknown) => unknown>>)[pino.symbols.serializersSym];
    const text = JSON.stringify(serializers.err(Object.assign(replyErrorWithCommand(), { code: 'OOM' })));
    expect(JSON.parse(text)).toMatchObject({ type: 'ReplyError', message: expect.stringContaining('OOM command not allowed'), code: 'OOM' });
    expect(text).not.toMatch(MARKERS);
  });

  test('a signed request whose key lookup fails: the 503\'s log line has the error, not its command', async () => {
    const log = captureLogger();
    const spy = jest.spyOn(account.services.apiKeys, 'loadVerificationMaterial').mockRejectedValue(replyErrorWithCommand());
    const server = await startSignet(account.services, memoryStores(), { logger: log.logger });
    try {
      expect((await signedRequest(server, account.key, { query: '{ me { id } }' })).status).toBe(503);
    } finally {
      await server.close();
      spy.mockRestore();
    }
    const line = log.lines().find((l) => l.msg === 'signature verification unavailable');
    expect(line?.err).toMatchObject({ type: 'ReplyError', message: expect.stringContaining('OOM') });
    expect(log.text()).not.toMatch(MARKERS);
  });

  test('an error of the server itself in the signature check is logged each time, never counted or throttled as a store outage (diff review)', async () => {
    const log = captureLogger();
    const spy = jest.spyOn(account.services.apiKeys, 'loadVerificationMaterial').mockRejectedValue(new TypeError('a bug, not an outage'));
    const server = await startSignet(account.services, memoryStores(), { logger: log.logger });
    try {
      for (let i = 0; i < 2; i += 1) expect((await signedRequest(server, account.key, { query: '{ me { id } }' })).status).toBe(503);
      expect((await server.metrics.dependencyErrors.get()).values.filter((v) => v.value > 0)).toEqual([]);
    } finally {
      await server.close();
      spy.mockRestore();
    }
    const lines = log.lines().filter((l) => (l.err as { type?: string } | undefined)?.type === 'TypeError');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[50, 'signature verification failed: an error of this server, not of a store'], [50, 'signature verification failed: an error of this server, not of a store']]);
  });

  test('a signed request whose admission store fails: the 503\'s log line has the error, not its command', async () => {
    const log = captureLogger();
    const stores = { ...memoryStores(), admission: { admit: async () => { throw replyErrorWithCommand(); } } };
    const server = await startSignet(account.services, stores, { logger: log.logger });
    try {
      expect((await signedRequest(server, account.key, { query: '{ me { id } }' })).status).toBe(503);
    } finally {
      await server.close();
    }
    expect(log.lines().some((l) => (l.err as { type?: string } | undefined)?.type === 'ReplyError')).toBe(true);
    expect(log.text()).not.toMatch(MARKERS);
  });
});
