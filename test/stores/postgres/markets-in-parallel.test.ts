import { Dec, FEE_ACCOUNT_ID } from '../../../src/domain';
import { postgresSuite } from '../../helpers/database';
import { balancesOf, fundedAccount } from '../../helpers/domain';
import { CLEAN_RECONCILIATION } from '../../helpers/ledger-checks';
import { describeWithPostgres } from '../../helpers/services';

/** How long the second market's trade may take while the first one's transaction is still open. */
const NOT_BLOCKED_WITHIN_MS = 3_000;

/**
 * Matching is serialized per market, not across markets: a trade in ETH-USD between other
 * accounts does not wait for a trade in BTC-USD that has not committed yet. Both pay fees to the
 * fee account in USD; its balance is its ledger sum, not a row every trade would lock.
 */
describeWithPostgres('trades in different markets do not wait for each other (PostgreSQL)', (url) => {
  const suite = postgresSuite(url);

  test('an ETH-USD trade commits while a BTC-USD trade\'s transaction is still open; the fee account receives both fees', async () => {
    const btcSeller = await fundedAccount(suite.services, { BTC: '1' }, 'btc-maker');
    const btcBuyer = await fundedAccount(suite.services, { USD: '100000' }, 'btc-taker');
    const ethSeller = await fundedAccount(suite.services, { ETH: '10' }, 'eth-maker');
    const ethBuyer = await fundedAccount(suite.services, { USD: '100000' }, 'eth-taker');
    for (const [seller, market, price, quantity] of [[btcSeller, 'BTC-USD', '30000', '0.1'], [ethSeller, 'ETH-USD', '2000', '1']] as const) {
      const ask = await suite.services.orders.placeOrder(seller, { market, side: 'SELL', type: 'LIMIT', price, quantity });
      if (!ask.ok) throw new Error(JSON.stringify(ask.errors));
    }
    const feesBefore = await balancesOf(suite.services, FEE_ACCOUNT_ID);

    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    let btcTraded!: () => void;
    const btcTradedSignal = new Promise<void>((resolve) => { btcTraded = resolve; });
    // The BTC-USD trade, inside a transaction that stays open (with its row locks) until released.
    const btc = suite.services.uow.transaction(async () => {
      const placed = await suite.services.orders.placeOrder(btcBuyer, { market: 'BTC-USD', side: 'BUY', type: 'LIMIT', price: '30000', quantity: '0.1' });
      expect(placed).toMatchObject({ ok: true, value: { status: 'FILLED' } });
      btcTraded();
      await released;
    });
    await btcTradedSignal;

    const eth = suite.services.orders.placeOrder(ethBuyer, { market: 'ETH-USD', side: 'BUY', type: 'LIMIT', price: '2000', quantity: '1' });
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      eth.then((placed) => (placed.ok ? placed.value.status : placed.errors.map((e) => e.code).join(','))),
      new Promise<string>((resolve) => { timer = setTimeout(() => resolve('still waiting'), NOT_BLOCKED_WITHIN_MS); }),
    ]);
    clearTimeout(timer);
    release();
    await btc;
    await eth;
    expect(outcome).toBe('FILLED');

    // Both trades' fees reached the fee account: 0.1 % maker fees in USD (3 + 2), 0.2 % taker fees in the base assets.
    const feesAfter = await balancesOf(suite.services, FEE_ACCOUNT_ID);
    const gained = (asset: string) => new Dec(feesAfter[asset].available).minus(feesBefore[asset].available).toFixed();
    expect([gained('USD'), gained('BTC'), gained('ETH')]).toEqual(['5', '0.0002', '0.002']);
    expect(await suite.services.uow.repo.reconcile()).toEqual(CLEAN_RECONCILIATION);
  }, 20_000);
});
