import { createServer, type Server, type Socket } from 'node:net';
import Fastify from 'fastify';
import { GraphQLError } from 'graphql';
import Redis from 'ioredis';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors';
import { Client, DatabaseError, Pool } from 'pg';
import { ErrorCode } from '../../../src/errors';
import { CommitOutcomeUnknownError } from '../../../src/domain';
import { createFormatError } from '../../../src/transport/graphql/format-error';
import { classifyInfrastructureFailure } from '../../../src/transport/graphql/infrastructure-errors';
import { createHttpErrorHandler } from '../../../src/transport/http/http-errors';
import { captureLogger } from '../../helpers/logger';
import { describeWithPostgres } from '../../helpers/services';

/** A loopback TCP server that either never answers or hangs up at once: a dead dependency. */
async function deadPeer(behaviour: 'silent' | 'hang-up'): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    if (behaviour === 'hang-up') return void socket.destroy();
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The error `work` rejects with (fails the test when it resolves). */
async function rejectionOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const { port, close } = await deadPeer('silent');
  await close();
  return port;
}

describe('infrastructure failures are recognised from the errors the drivers really throw', () => {
  const peers: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const p of peers) await p.close();
  });
  const peer = async (behaviour: 'silent' | 'hang-up') => {
    const p = await deadPeer(behaviour);
    peers.push(p);
    return p.port;
  };
  const pgQuery = async (port: number) => {
    const pool = new Pool({ host: '127.0.0.1', port, connectionTimeoutMillis: 200 });
    try {
      return await rejectionOf(() => pool.query('SELECT 1'));
    } finally {
      await pool.end();
    }
  };

  test('PostgreSQL refusing connections (ECONNREFUSED)', async () => {
    expect(classifyInfrastructureFailure(await pgQuery(await closedPort()))).toEqual({ dependency: 'network', reason: 'ECONNREFUSED' });
  });

  test('a PostgreSQL connection that hangs up ("Connection terminated unexpectedly")', async () => {
    expect(classifyInfrastructureFailure(await pgQuery(await peer('hang-up')))).toMatchObject({ dependency: 'database' });
  });

  test('the pool connect timeout ("Connection terminated due to connection timeout")', async () => {
    expect(classifyInfrastructureFailure(await pgQuery(await peer('silent')))).toMatchObject({ dependency: 'database' });
  });

  test('a Redis command while disconnected, without an offline queue', async () => {
    const redis = new Redis({ port: await closedPort(), enableOfflineQueue: false, retryStrategy: () => null, lazyConnect: true });
    redis.on('error', () => undefined);
    expect(classifyInfrastructureFailure(await rejectionOf(() => redis.get('k')))).toMatchObject({ dependency: 'redis' });
    redis.disconnect();
  });

  test('a Redis command over its commandTimeout ("Command timed out")', async () => {
    const redis = new Redis({ port: await peer('silent'), commandTimeout: 100, enableReadyCheck: false, retryStrategy: () => null });
    redis.on('error', () => undefined);
    expect(classifyInfrastructureFailure(await rejectionOf(() => redis.get('k')))).toEqual({ dependency: 'redis', reason: 'Command timed out' });
    redis.disconnect();
  });

  test('a Redis command out of retries (ioredis MaxRetriesPerRequestError)', () => {
    // The class ioredis rejects with once maxRetriesPerRequest reconnects have failed.
    expect(classifyInfrastructureFailure(new MaxRetriesPerRequestError(1))).toEqual({ dependency: 'redis', reason: 'MaxRetriesPerRequestError' });
  });

  test('a Redis connection that was closed ("Connection is closed.")', async () => {
    const redis = new Redis({ port: await peer('silent'), lazyConnect: true });
    redis.disconnect();
    expect(classifyInfrastructureFailure(await rejectionOf(() => redis.get('k')))).toMatchObject({ dependency: 'redis' });
  });
});

describeWithPostgres('a PostgreSQL statement timeout is an infrastructure failure', (url) => {
  test('SQLSTATE 57014 from a real statement_timeout', async () => {
    const pool = new Pool({ connectionString: url, statement_timeout: 50 });
    try {
      const error = await rejectionOf(() => pool.query('SELECT pg_sleep(0.5)'));
      expect(error).toMatchObject({ code: '57014' });
      expect(classifyInfrastructureFailure(error)).toEqual({ dependency: 'database', reason: 'statement timeout' });
    } finally {
      await pool.end();
    }
  });
});

describeWithPostgres('a prepared statement the connection does not have, or already has: a pooler between Signet and PostgreSQL', (url) => {
  test.each([
    ['26000 (does not exist)', '26000', ['EXECUTE signet_missing']],
    ['42P05 (already exists)', '42P05', ['PREPARE signet_twice AS SELECT 1', 'PREPARE signet_twice AS SELECT 1']],
  ])('SQLSTATE %s is SERVICE_UNAVAILABLE, logged with the likely cause, not INTERNAL_SERVER_ERROR', async (_what, code, statements) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const error = await rejectionOf(async () => {
        for (const statement of statements) await client.query(statement);
      });
      expect(error).toMatchObject({ code });
      expect(classifyInfrastructureFailure(error)).toEqual({ dependency: 'database', reason: expect.stringContaining(`(sqlstate ${code}): a pooler in transaction mode between Signet and PostgreSQL? Use pool_mode = session`) });
      const { logger, lines } = captureLogger();
      const formatted = createFormatError({ logger, development: false })({ message: 'x', path: ['placeOrder'] }, new GraphQLError('x', { originalError: error as Error }));
      expect(formatted.extensions).toMatchObject({ code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true });
      expect(lines()).toContainEqual(expect.objectContaining({ msg: 'dependency failure masked as SERVICE_UNAVAILABLE', reason: expect.stringContaining('pool_mode = session') }));
    } finally {
      await client.end();
    }
  });
});

describe('what is not an infrastructure failure stays unclassified', () => {
  const sqlError = (code: string) => Object.assign(new DatabaseError('boom', 0, 'error'), { code });

  test.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a unique violation (the request, not the database)', sqlError('23505')],
    ['a check violation', sqlError('23514')],
    ['a syntax error in SQL', sqlError('42601')],
    ['a string', 'Connection terminated'],
    ['null', null],
    ['a message that merely mentions a timeout', new Error('price timeout while formatting')],
  ])('%s', (_what, error) => {
    expect(classifyInfrastructureFailure(error)).toBeNull();
  });

  test('a cyclic cause chain ends', () => {
    const a: Error & { cause?: unknown } = new Error('a');
    const b: Error & { cause?: unknown } = new Error('b', { cause: a });
    a.cause = b;
    expect(classifyInfrastructureFailure(a)).toBeNull();
  });

  test.each([
    ['57P01 admin shutdown', '57P01'], ['53300 too many connections', '53300'], ['08006 connection failure', '08006'], ['40001 serialization failure', '40001'],
  ])('but %s is one', (_what, code) => {
    expect(classifyInfrastructureFailure(sqlError(code))).toMatchObject({ dependency: 'database' });
  });

  test('a failure wrapped as a cause, or inside an AggregateError, is still found', () => {
    const timeout = Object.assign(new Error('Command timed out'));
    expect(classifyInfrastructureFailure(new Error('store failed', { cause: timeout }))).toMatchObject({ dependency: 'redis' });
    expect(classifyInfrastructureFailure(new AggregateError([new Error('x'), Object.assign(new Error('connect'), { code: 'ECONNRESET' })]))).toMatchObject({ reason: 'ECONNRESET' });
  });
});

describe('formatError turns infrastructure failures into SERVICE_UNAVAILABLE', () => {
  const fieldError = (original: Error) => new GraphQLError(original.message, { path: ['placeOrder'], originalError: original });
  const format = (error: GraphQLError, development = false) => {
    const log = captureLogger();
    const formatted = createFormatError({ logger: log.logger, development })({ message: error.message, path: error.path }, error);
    return { formatted, log };
  };

  test('a statement timeout is retryable, masked, and logged in full with the request id', () => {
    const original = Object.assign(new DatabaseError('canceling statement due to statement timeout', 0, 'error'), { code: '57014', where: 'SELECT * FROM orders' });
    const { formatted, log } = format(fieldError(original));
    expect(formatted).toEqual({
      message: 'Service temporarily unavailable; retry later.', path: ['placeOrder'],
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true, retryAfter: 1, requestId: undefined },
    });
    expect(JSON.stringify(formatted)).not.toMatch(/statement|SELECT|orders/);
    expect(log.lines()).toContainEqual(expect.objectContaining({ msg: 'dependency failure masked as SERVICE_UNAVAILABLE', dependency: 'database', reason: 'statement timeout' }));
    expect(log.text()).toMatch(/canceling statement due to statement timeout/);
  });

  test('a connection lost during COMMIT says the mutation may have run: reason COMMIT_OUTCOME_UNKNOWN, logged at error', () => {
    const { formatted, log } = format(fieldError(new CommitOutcomeUnknownError(new Error('Connection terminated unexpectedly'))));
    expect(formatted).toEqual({
      message: expect.stringContaining('it may have run'), path: ['placeOrder'],
      extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true, retryAfter: 1, reason: 'COMMIT_OUTCOME_UNKNOWN', requestId: undefined },
    });
    expect(JSON.stringify(formatted)).not.toMatch(/terminated/);
    expect(log.lines()).toContainEqual(expect.objectContaining({ level: 50, msg: 'connection lost during COMMIT: the outcome is unknown' }));
  });

  test('an unexpected error is still INTERNAL_SERVER_ERROR, not retryable', () => {
    const { formatted } = format(fieldError(new TypeError('undefined is not a function')));
    expect(formatted.extensions).toMatchObject({ code: ErrorCode.INTERNAL_SERVER_ERROR, retryable: false });
  });

  test('development mode keeps the real message for local debugging', () => {
    const { formatted } = format(fieldError(new Error('Connection terminated unexpectedly')), true);
    expect(formatted).toMatchObject({ message: 'Connection terminated unexpectedly', extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } });
  });
});

describe('the HTTP error handler answers a dependency failure outside GraphQL with 503', () => {
  test('a hook that hits a refused database connection: 503 SERVICE_UNAVAILABLE with Retry-After, nothing about the database', async () => {
    const log = captureLogger();
    const app = Fastify();
    app.setErrorHandler(createHttpErrorHandler(log.logger));
    app.get('/boom', async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    app.get('/bug', async () => {
      throw new TypeError('x is undefined');
    });
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const res = await fetch(`${url}/boom`);
      const body = await res.text();
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(JSON.parse(body).errors[0]).toMatchObject({ message: 'Service temporarily unavailable; retry later.', extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, retryAfter: 1 } });
      expect(body).not.toMatch(/5432|ECONNREFUSED/);
      expect(log.text()).toMatch(/ECONNREFUSED/);
      expect((await fetch(`${url}/bug`)).status).toBe(500);
    } finally {
      await app.close();
    }
  });
});
