import { REQUEST_LIMITS } from '../../../src/transport/http/request-limits';
import { RETIREMENTS_PER_SOURCE } from '../../../src/transport/http/signature-retirement';
import type { TestDatabase } from '../../helpers/database';
import { memoryStores, openSigningAccount, signedRequest, startSignet, type RunningSignet, type TestKey } from '../../helpers/signet-server';

/**
 * The limits' windows run on a clock the test moves (a burst of 130 requests on a loaded machine
 * may outlast any real window). The signatures' `created` runs on the real clock: a key's floor is
 * the second its refused request was signed in, so a request after the window waits for the next
 * real second (at most one).
 */
function limiterClock() {
  let ms = 0;
  return {
    now: () => ms,
    async endWindow(windowMs: number, signedAt: readonly number[]) {
      ms += windowMs + 1;
      const floor = Math.max(...signedAt);
      while (Math.floor(Date.now() / 1000) <= floor) await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
}
/** The second a signed request's `created` names. */
const createdOf = (sent: { signed: { created: number } }) => sent.signed.created;

/** Every suite's account limit: 3 requests per 3 s of the limiter's clock. */
const ACCOUNT_LIMIT = { max: 3, windowMs: 3_000 };

/**
 * Registers, in the calling describe block, a funded account with a key and a server over memory
 * stores whose limits run on `clock` (the account's: ACCOUNT_LIMIT; each address's: `perIpMax` a minute).
 */
function limitedServer(deposits: Record<string, string>, name: string, perIpMax: number) {
  const clock = limiterClock();
  const suite = { clock } as { clock: typeof clock; db: TestDatabase; key: TestKey; server: RunningSignet };
  beforeAll(async () => {
    const opened = await openSigningAccount(deposits, name);
    suite.db = opened.db;
    suite.key = opened.key;
    suite.server = await startSignet(opened.services, memoryStores({ rateLimitClock: clock.now }), {
      requestLimits: { ...REQUEST_LIMITS, perIp: { max: perIpMax, windowMs: 60_000 }, perAccount: ACCOUNT_LIMIT },
    });
  });
  afterAll(async () => {
    await suite.server?.close();
    await suite.db?.close();
  });
  return suite;
}

/**
 * A request its account's limit refused has used its signature up, however many came before it:
 * its captured bytes never run later, when the window has reset. (A change that refused an account
 * known to be over before claiming, retiring nonces only within a bounded allowance, let the
 * 126th refused request from one address run when replayed after the window.)
 */
describe('requests refused by the account limit', () => {
  const suite = limitedServer({ USD: '10' }, 'refusal-replay', 10_000);

  test('never run when replayed after the window, past any retirement allowance', async () => {
    const { server, key, clock } = suite;
    const me = () => signedRequest(server, key, { query: '{ me { id } }' });
    for (let i = 0; i < 3; i += 1) expect((await me()).status).toBe(200);
    let last = await me();
    const refusedAt = [createdOf(last)];
    for (let i = 0; i < RETIREMENTS_PER_SOURCE.max + 5; i += 1) {
      last = await me();
      expect(last.status).toBe(429);
      refusedAt.push(createdOf(last));
    }
    await clock.endWindow(ACCOUNT_LIMIT.windowMs, refusedAt);
    // The window has reset: a fresh request runs, the refused one's bytes do not.
    expect((await me()).status).toBe(200);
    const replay = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...last.signed.headers }, body: JSON.stringify({ query: '{ me { id } }' }) });
    // Refused at its key's floor (the second it was signed in was refused), not by its own claim.
    expect(replay.status).toBe(429);
    expect((await replay.json()).errors[0].extensions.reason).toBe('SIGNED_WHILE_LIMITED');
  }, 30_000);
});

/**
 * A request refused before its admission (here: from an address this process knows is over its
 * limit) has its signature retired without anyone classifying it. While its key's floor stands,
 * that retirement must still write: the floor does not stop exits, so bytes refused as
 * `superseded` there could run later as an exit. (The first floor commit let this retired
 * cancelAllOrders cancel an order placed after it, replayed from another address.)
 */
describe('an exit refused before its admission while its key\'s floor stands', () => {
  const suite = limitedServer({ USD: '10000' }, 'retired-exit', 2);

  test('never runs when replayed later, from another address', async () => {
    const { server, key, clock } = suite;
    const exit = { query: 'mutation { cancelAllOrders { orders { id status } } }' };
    const me = (from: string) => signedRequest(server, key, { query: '{ me { id } }' }, { from });
    // An address over its own limit, then the account over its limit: the key's floor is this second.
    expect([(await me('127.0.0.20')).status, (await me('127.0.0.20')).status, (await me('127.0.0.20')).status]).toEqual([200, 200, 429]);
    expect((await me('127.0.0.21')).status).toBe(200);
    expect((await me('127.0.0.22')).json.errors[0].extensions.code).toBe('RATE_LIMITED');
    // The exit, signed within that second, sent from the blocked address: refused before admission.
    const refused = await signedRequest(server, key, exit, { from: '127.0.0.20' });
    expect(refused.status).toBe(429);
    await clock.endWindow(ACCOUNT_LIMIT.windowMs, [createdOf(refused)]);
    const placed = await signedRequest(server, key, { query: 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) { order { status } } }' }, { from: '127.0.0.30', headers: { 'idempotency-key': 'after-the-window' } });
    expect(placed.json.data.placeOrder.order.status).toBe('OPEN');
    const replay = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...refused.signed.headers }, body: JSON.stringify(exit) });
    expect(replay.status).toBe(401);
    expect((await replay.json()).errors[0].extensions.reason).toBe('NONCE_REUSED');
  }, 30_000);
});
