/**
 * Each example's `src/example.ts` prints what its README says: with memory stores at once, and on
 * a Redis its nonce store has never seen (a redis-server of the test's own, as a reader's first
 * run with REDIS_URL) after one wait: the store vouches only from its open() + the 5 s clock
 * tolerance, so the first signature of a key created at start is refused with 503
 * REPLAY_PROTECTION_RECOVERING, and the example signs again after `retryAfterMs`.
 */
import { format } from 'node:util';
import { startOwnRedis, type OwnRedis } from '../../test/helpers/redis-server';
import { TEST_REDIS_URL } from '../../test/helpers/services';
import { main as notesExample } from '../notes-apollo/src/example';
import { main as paymentsExample } from '../payments-yoga/src/example';

const WAITED = /^waited 1[01] s: 503 REPLAY_PROTECTION_RECOVERING, signing again$/;

const EXAMPLES = [
  {
    name: 'notes-apollo',
    main: notesExample,
    prints: ['{"data":{"addNote":{"id":"1","author":"alice","text":"buy milk"}}}', '401'],
  },
  {
    name: 'payments-yoga',
    main: paymentsExample,
    prints: [
      '{"data":{"sendPayment":{"id":"1","from":"alice","to":"bob","amount":30}}}',
      'true {"data":{"sendPayment":{"id":"1","from":"alice","to":"bob","amount":30}}}',
      '70 30',
    ],
  },
];

/** The lines `run` prints to the console, as a terminal would show them. */
async function printed(run: () => Promise<void>): Promise<string[]> {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await run();
    return log.mock.calls.map((args) => format(...args));
  } finally {
    log.mockRestore();
  }
}

describe.each(EXAMPLES)('examples/$name/src/example.ts', ({ main, prints }) => {
  it('prints its README output with memory stores', async () => {
    // main(undefined) would read REDIS_URL: memory stores only without it.
    const redisUrl = process.env.REDIS_URL;
    delete process.env.REDIS_URL;
    try {
      expect(await printed(() => main())).toEqual(prints);
    } finally {
      if (redisUrl !== undefined) process.env.REDIS_URL = redisUrl;
    }
  });

  // As every suite that needs Redis: skipped, saying so, where TEST_REDIS_URL is unset (a laptop
  // without services); `.ci/run` sets it and checks that redis-server is installed.
  (TEST_REDIS_URL ? describe : describe.skip)(`on a Redis it has not seen${TEST_REDIS_URL ? '' : ' (skipped: TEST_REDIS_URL is not set)'}`, () => {
    let redis: OwnRedis;
    beforeEach(async () => {
      redis = await startOwnRedis();
    });
    afterEach(async () => {
      await redis.close();
    });

    it('waits out REPLAY_PROTECTION_RECOVERING once, signing again, then prints its README output', async () => {
      const [waited, ...rest] = await printed(() => main(redis.url));
      expect(waited).toMatch(WAITED);
      expect(rest).toEqual(prints);
    }, 40_000);
  });
});
