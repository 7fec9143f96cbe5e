/**
 * The scenarios every example server must pass (issue 15, "proof that others can use them"),
 * run against each server twice: with the in-process (memory) adapters and with the Redis ones.
 *
 * - a signed request verifies, and the same bytes re-sent are refused; `@signed` refuses an
 *   unsigned call and a key without the field's scope;
 * - `@rateLimit(max: N)` admits exactly N of 3×N concurrent calls;
 * - `@idempotent` executes a mutation once under 20 concurrent duplicates, and once across a
 *   FLUSHALL of the Redis that holds the leases and cached outcomes (Redis runs: a redis-server
 *   of the test's own, never the shared one). The durable records are `@signet/idempotency`'s
 *   memory record store, in the server's process, which a FLUSHALL does not touch.
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import Redis from 'ioredis';
import { startOwnRedis, type OwnRedis } from '../../test/helpers/redis-server';
import { buildRequest, errorCode, send, type Answer, type Operation, type WireRequest } from './client';
import type { SigningKey } from './sign';

/** A key as the example servers register it. */
export interface ExampleKey {
  readonly keyId: string;
  readonly algorithm: 'ed25519';
  readonly publicKey: KeyObject;
  /** The account the key acts for. */
  readonly account: string;
  readonly scopes: readonly string[];
  /** When it was generated: no nonce of it can have been used before. */
  readonly createdAtMs: number;
}

/** What the scenarios need of a running example server. */
export interface StartedExample {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:4123/graphql`. */
  readonly url: string;
  /** Its key registry. */
  readonly keys: { add(key: ExampleKey): void };
  close(): Promise<void>;
}

/** One example server, described for the scenarios. */
export interface ExampleSubject<S extends StartedExample> {
  readonly name: string;
  /** Starts the server on an ephemeral port; memory stores without `redisUrl`; `clockToleranceMs` for its Redis nonce store. */
  start(options: { redisUrl?: string; clockToleranceMs?: number }): Promise<S>;
  /** The account and scopes of the test's key (the account must exist in the toy domain). */
  readonly account: string;
  readonly scopes: readonly string[];
  /** The one of `scopes` the mutation needs. */
  readonly writeScope: string;
  /** A signed query whose answer names the verified account. */
  readonly whoami: { readonly operation: Operation; account(data: any): string };
  /** A field limited to `max` calls per window per caller. */
  readonly limited: { readonly operation: Operation; readonly max: number };
  /**
   * A signed `@idempotent` mutation; `effects`: how many of its effects the toy domain holds
   * (committed), `runs`: how many times the resolver made one (rolled back or not).
   */
  readonly mutation: {
    readonly operation: Operation; result(data: any): unknown; effects(server: S): number; runs(server: S): number;
    /** The mutation twice in one document, as root fields `a` and `b` keyed `@idempotent(key:)` with `keyA` and `keyB`. */
    twice(keyA: string, keyB: string): Operation;
  };
}

/** How long a retryable answer (in progress, store recovering) is retried. */
const SETTLE_DEADLINE_MS = 15_000;

function newKey(subject: ExampleSubject<StartedExample>, scopes = subject.scopes): { registered: ExampleKey; signing: SigningKey } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const keyId = `test-${randomUUID()}`;
  return {
    registered: { keyId, algorithm: 'ed25519', publicKey, account: subject.account, scopes, createdAtMs: Date.now() },
    signing: { keyId, privateKey },
  };
}

/** Sends fresh signatures of the same keyed call until the answer is final (not in progress, not "retry later"). */
async function untilSettled(build: () => WireRequest): Promise<Answer> {
  const deadline = Date.now() + SETTLE_DEADLINE_MS;
  for (;;) {
    const answer = await send(build());
    const retryable = answer.json.errors?.[0]?.extensions?.retryable === true;
    if (!retryable || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs the scenarios against `subject`, with memory stores and with Redis stores. */
export function describeExampleServer<S extends StartedExample>(subject: ExampleSubject<S>): void {
  describe.each(['memory', 'redis'] as const)(`${subject.name} with %s stores`, (stores) => {
    let redis: OwnRedis | undefined;
    let server: S;
    let key: ReturnType<typeof newKey>;

    beforeAll(async () => {
      if (stores === 'redis') redis = await startOwnRedis();
    });
    afterAll(async () => {
      await redis?.close();
    });
    beforeEach(async () => {
      // One server process, one clock: its Redis nonce store needs no tolerance for other processes'
      // clocks (with the default 5 s, a store it opens empty vouches for keys only 5 s after).
      server = await subject.start({ redisUrl: redis?.url, clockToleranceMs: 0 });
      // Generated once the server's nonce store is open, so the store vouches for it at once.
      key = newKey(subject as ExampleSubject<StartedExample>);
      server.keys.add(key.registered);
    });
    afterEach(async () => {
      await server.close();
    });

    it('verifies a signed request and refuses its replay', async () => {
      const captured = buildRequest(server.url, subject.whoami.operation, { key: key.signing });
      const first = await send(captured);
      expect(first.status).toBe(200);
      expect(first.json.errors).toBeUndefined();
      expect(subject.whoami.account(first.json.data)).toBe(subject.account);

      const replay = await send(captured);
      expect(replay.status).toBe(401);
      expect(replay.json.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'NONCE_REUSED' });
      expect(replay.json.data).toBeUndefined();
    });

    it('refuses the signed mutation unsigned, at the field, without executing it', async () => {
      const answer = await send(buildRequest(server.url, subject.mutation.operation, { idempotencyKey: randomUUID() }));
      expect(errorCode(answer)).toBe('UNAUTHENTICATED');
      expect(subject.mutation.runs(server)).toBe(0);
    });

    it('refuses the signed mutation to a key without its scope, naming the scope', async () => {
      const readOnly = newKey(subject as ExampleSubject<StartedExample>, subject.scopes.filter((scope) => scope !== subject.writeScope));
      server.keys.add(readOnly.registered);
      const answer = await send(buildRequest(server.url, subject.mutation.operation, { key: readOnly.signing, idempotencyKey: randomUUID() }));
      expect(answer.json.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', missingScopes: [subject.writeScope] });
      expect(subject.mutation.runs(server)).toBe(0);
    });

    it(`admits exactly max of 3×max concurrent @rateLimit calls`, async () => {
      const { operation, max } = subject.limited;
      const answers = await Promise.all(Array.from({ length: 3 * max }, () => send(buildRequest(server.url, operation))));
      const admitted = answers.filter((a) => a.json.errors === undefined);
      const refused = answers.filter((a) => errorCode(a) === 'RATE_LIMITED');
      expect(admitted).toHaveLength(max);
      expect(refused).toHaveLength(2 * max);
      // The decisions reach the response through the host's onDecision: RateLimit header fields.
      for (const answer of answers) expect(answer.headers.get('ratelimit-policy')).toMatch(/;q=\d+;w=60$/);
    });

    it('executes an @idempotent mutation once under 20 concurrent duplicates', async () => {
      const idempotencyKey = randomUUID();
      const call = () => buildRequest(server.url, subject.mutation.operation, { key: key.signing, idempotencyKey });
      const answers = await Promise.all(Array.from({ length: 20 }, () => untilSettled(call)));
      for (const answer of answers) expect(answer.json.errors).toBeUndefined();
      const results = answers.map((a) => JSON.stringify(subject.mutation.result(a.json.data)));
      expect(new Set(results).size).toBe(1);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
      expect(subject.mutation.runs(server)).toBe(1);
      expect(subject.mutation.effects(server)).toBe(1);
    });

    it('answers Idempotent-Replayed: true only when every root field replayed (a document whose other field ran is not a replay)', async () => {
      const [k1, k2, k3] = [randomUUID(), randomUUID(), randomUUID()];
      const call = (a: string, b: string) => untilSettled(() => buildRequest(server.url, subject.mutation.twice(a, b), { key: key.signing }));
      const first = await call(k1, k2);
      expect([first.json.errors, first.headers.get('idempotent-replayed')]).toEqual([undefined, null]);
      const retry = await call(k1, k2);
      expect([retry.json.errors, retry.headers.get('idempotent-replayed')]).toEqual([undefined, 'true']);
      expect(retry.json.data).toEqual(first.json.data);
      const mixed = await call(k1, k3);
      expect([mixed.json.errors, mixed.headers.get('idempotent-replayed')]).toEqual([undefined, null]);
      expect(subject.mutation.effects(server)).toBe(3);
    });

    if (stores === 'redis') {
      it('executes an @idempotent mutation once across a FLUSHALL of its Redis, replaying the durable outcome', async () => {
        const idempotencyKey = randomUUID();
        const call = () => buildRequest(server.url, subject.mutation.operation, { key: key.signing, idempotencyKey });
        const first = await untilSettled(call);
        expect(first.json.errors).toBeUndefined();

        const admin = new Redis(redis!.url, { lazyConnect: true });
        try {
          await admin.connect();
          await admin.flushall(); // the test's own redis-server, never the shared one
        } finally {
          admin.disconnect();
        }

        const again = await untilSettled(call);
        expect(again.json.errors).toBeUndefined();
        expect(again.headers.get('idempotent-replayed')).toBe('true');
        expect(subject.mutation.result(again.json.data)).toEqual(subject.mutation.result(first.json.data));
        // Executed once. The FLUSHALL took the store's completeness marker with the key, so its next
        // claim said "complete only since now": @signet/idempotency read the durable record before
        // running anything, and replayed it.
        expect(subject.mutation.effects(server)).toBe(1);
        expect(subject.mutation.runs(server)).toBe(1);
      });
    }
  });
}
