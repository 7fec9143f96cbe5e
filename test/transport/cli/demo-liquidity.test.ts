/**
 * `serve` seeds bob's resting quotes on a new embedded database; with an open-order cap under the
 * four quotes per market (SIGNET_MAX_OPEN_ORDERS), it quotes what the cap allows, nearest the price
 * first, instead of failing (error-model review: a cap of 3 stopped `serve` with "The order would
 * rest…").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemo } from '../../../src/transport/cli/demo-seed';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { servicesFor } from '../../helpers/domain';

/** The prices of each side of `market`'s book after seeding. */
async function bookOf(cap: number | null, market: string): Promise<{ bids: string[]; asks: string[] }> {
  const db: TestDatabase = await openPgliteDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'signet-demo-seed-'));
  try {
    const services = servicesFor(db.driver, { maxOpenOrders: cap });
    await seedDemo(services, dir);
    const book = await services.marketData.orderBook(market, 10);
    return { bids: book?.bids.map((l) => l.price) ?? [], asks: book?.asks.map((l) => l.price) ?? [] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.close();
  }
}

test.each([
  [null, { bids: ['29900', '29800'], asks: ['30100', '30200'] }],
  [3, { bids: ['29900', '29800'], asks: ['30100'] }],
  [2, { bids: ['29900'], asks: ['30100'] }],
  [1, { bids: ['29900'], asks: [] }],
])('with an open-order cap of %p, bob quotes what it allows, nearest the price first', async (cap, expected) => {
  expect(await bookOf(cap, 'BTC-USD')).toEqual(expected);
}, 60_000);

test('ETH-USD gets the same, whatever BTC-USD took', async () => {
  expect(await bookOf(2, 'ETH-USD')).toEqual({ bids: ['1995'], asks: ['2005'] });
}, 60_000);
