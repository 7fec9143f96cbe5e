import { setTimeout as sleep } from 'node:timers/promises';
import { fundedAccount } from '../helpers/domain';
import { CLEAN_RECONCILIATION, orphanJournals, ordersWithoutTheirHolds } from '../helpers/ledger-checks';
import { spawnSignet, type SignetProcess } from '../helpers/processes';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server';
import { TEST_DATABASE_URL } from '../helpers/services';
import { openSharedSchema, type SharedSchema } from '../helpers/shared-schema';
import { createTestKey } from '../helpers/signet-server';
import { createTradingClient, discrepancies, type TradingClient } from '../helpers/trading-client';

const gate = TEST_DATABASE_URL ? describe : describe.skip;
const WORKERS = 12;

/**
 * A `signet serve` process is SIGKILLed while a dozen clients send signed orders, cancels and
 * transfers as fast as they can. Whatever was in flight dies with it; the books must not care.
 */
gate(`SIGKILL during a burst of mutations${TEST_DATABASE_URL ? '' : ' (skipped: TEST_DATABASE_URL is not set)'}`, () => {
  let redis: OwnRedis;
  let shared: SharedSchema;
  let current: SignetProcess;
  let client: TradingClient;
  let accountIds: string[];
  let inFlightAtKill = 0;

  beforeAll(async () => {
    redis = await startOwnRedis();
    shared = await openSharedSchema(TEST_DATABASE_URL as string, redis.url);
    const accounts = await Promise.all([0, 1, 2].map(async (i) => {
      const id = await fundedAccount(shared.services, { USD: '1000000' }, `crash-${i}`);
      return { id, key: await createTestKey(shared.services, id, 'ed25519') };
    }));
    accountIds = accounts.map((a) => a.id);
    current = await spawnSignet(shared.env());
    client = createTradingClient(() => current, accounts);

    // The burst: every worker loops over a random mutation until the process is gone.
    let dead = false;
    let inFlight = 0;
    const worker = async (w: number) => {
      while (!dead) {
        const account = w % accountIds.length;
        const roll = Math.random();
        inFlight += 1;
        const op = roll < 0.5 ? client.placeOrder(account) : roll < 0.75 ? client.cancelOrder(account) : client.transfer(account);
        await op.finally(() => (inFlight -= 1));
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
    while (client.stats.acknowledged < 60) await sleep(10);
    inFlightAtKill = inFlight;
    await current.kill();
    dead = true;
    await Promise.all(workers);
    current = await spawnSignet(shared.env());
  }, 90_000);

  afterAll(async () => {
    await current?.stop();
    await shared?.close();
    await redis?.close();
  });

  test('the process really died mid-burst, with requests in flight', () => {
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(client.stats.networkErrors).toBeGreaterThan(0);
  });

  test('after the restart every balance equals its ledger, and no asset is created or destroyed', async () => {
    expect(await shared.services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });

  test('no order without its hold, no canceled order without its release, no journal without its order or transfer', async () => {
    expect(await ordersWithoutTheirHolds(shared.driver)).toEqual([]);
    expect(await orphanJournals(shared.driver)).toEqual([]);
  });

  test('every acknowledged order, cancel and transfer is in the books', async () => {
    const lost = (await discrepancies(shared.driver, client, accountIds)).filter((p) => p.startsWith('lost'));
    expect(lost).toEqual([]);
  });

  test('retrying the calls cut off by the kill with their keys settles each exactly once: the books then match the client log', async () => {
    await client.settle(20_000);
    expect(await discrepancies(shared.driver, client, accountIds)).toEqual([]);
    expect(await shared.services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  }, 30_000);
});
