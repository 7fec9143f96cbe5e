import { ACCOUNT_LOCK_KEY_SPACE } from '../../../src/stores/postgres/sql-account-locks';
import { postgresSuite } from '../../helpers/database';
import { fundedAccount } from '../../helpers/domain';
import { CLEAN_RECONCILIATION } from '../../helpers/ledger-checks';
import { describeWithPostgres } from '../../helpers/services';

/**
 * An account's lists (orders, transfers) page newest-first on a sequence number that is drawn when
 * a row is inserted. A bot syncs by paging down to the last number it saw, so a row must never
 * become visible after a row with a higher number of the same account: it would be skipped for
 * good. Two writes of one account that lock no common balance row (a SELL in BTC-USD and a SELL in
 * ETH-USD; an incoming BTC and an incoming USD transfer) used to commit in either order. The first
 * write's transaction is held open here (standing in for a slow commit); the second either
 * commits meanwhile (the defect) or waits for the account's lock.
 */
describeWithPostgres('an account\'s list rows become visible in the order of their sequence numbers (PostgreSQL)', (url) => {
  const suite = postgresSuite(url);

  /** Resolves once some transaction waits for an account lock (the second write, after the fix). */
  async function accountLockWaited(): Promise<'waiting'> {
    for (;;) {
      const rows = await suite.db.driver.query('SELECT 1 FROM pg_locks WHERE locktype = \'advisory\' AND classid = $1 AND NOT granted', [ACCOUNT_LOCK_KEY_SPACE]);
      if (rows.length > 0) return 'waiting';
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Runs `first` inside a transaction held open until `second` has either finished or is waiting
   * for an account lock; reads the list then and after both committed.
   */
  async function observe(first: () => Promise<unknown>, second: () => Promise<unknown>, list: () => Promise<number[]>) {
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let firstDone!: () => void;
    const firstWritten = new Promise<void>((resolve) => { firstDone = resolve; });
    const held = suite.services.uow.transaction(async () => {
      await first();
      firstDone();
      await released;
    });
    await firstWritten;
    const secondRun = second();
    const meanwhile = await Promise.race([secondRun.then(() => 'committed' as const), accountLockWaited()]);
    const during = await list();
    release();
    await held;
    await secondRun;
    const after = await list();
    return { meanwhile, during, after };
  }

  /** The rows that appeared after a row with a higher number had been seen: a newest-first sync skips them. */
  function skippedBySync(during: number[], after: number[]): number[] {
    const highestSeen = Math.max(0, ...during);
    return after.filter((seq) => !during.includes(seq) && seq < highestSeen);
  }

  test('orders of one account in two markets: the later-numbered one waits for the earlier one\'s commit', async () => {
    const account = await fundedAccount(suite.services, { BTC: '1', ETH: '10' }, 'seq-orders');
    const place = (market: string, price: string) => async () => {
      const placed = await suite.services.orders.placeOrder(account, { market, side: 'SELL', type: 'LIMIT', price, quantity: '0.1' });
      if (!placed.ok) throw new Error(JSON.stringify(placed.errors));
    };
    const list = async () => (await suite.services.orders.listOrders(account, { limit: 10 })).items.map((o) => o.seq);

    const { meanwhile, during, after } = await observe(place('BTC-USD', '99000'), place('ETH-USD', '9900'), list);
    expect(after).toHaveLength(2);
    expect(skippedBySync(during, after)).toEqual([]);
    expect({ meanwhile, during }).toEqual({ meanwhile: 'waiting', during: [] });
  }, 20_000);

  test('transfers into one account in two assets: the later-numbered one waits for the earlier one\'s commit', async () => {
    const receiver = await fundedAccount(suite.services, {}, 'seq-receiver');
    const btcSender = await fundedAccount(suite.services, { BTC: '1' }, 'seq-btc');
    const usdSender = await fundedAccount(suite.services, { USD: '100' }, 'seq-usd');
    const send = (from: string, asset: string, amount: string) => async () => {
      const sent = await suite.services.transfers.createTransfer(from, { toAccountId: receiver, asset, amount });
      if (!sent.ok) throw new Error(JSON.stringify(sent.errors));
    };
    const list = async () => (await suite.services.transfers.listTransfers(receiver, { limit: 10 })).items.map((t) => t.seq);

    const { meanwhile, during, after } = await observe(send(btcSender, 'BTC', '0.5'), send(usdSender, 'USD', '10'), list);
    expect(after).toHaveLength(2);
    expect(skippedBySync(during, after)).toEqual([]);
    expect({ meanwhile, during }).toEqual({ meanwhile: 'waiting', during: [] });
    expect(await suite.services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  }, 20_000);

  test('a transfer refused for funds writes nothing (one statement: the journal and the transfer together)', async () => {
    const sender = await fundedAccount(suite.services, { USD: '5' }, 'seq-poor');
    const receiver = await fundedAccount(suite.services, {}, 'seq-poor-receiver');
    const refused = await suite.services.transfers.createTransfer(sender, { toAccountId: receiver, asset: 'USD', amount: '6' });
    expect(refused).toMatchObject({ ok: false, errors: [{ code: 'INSUFFICIENT_FUNDS' }] });
    expect((await suite.services.transfers.listTransfers(sender, { limit: 10 })).items).toEqual([]);
    expect(await suite.services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  });
});
