import DataLoader from 'dataloader';
import type { Fill, Order, Page, PageQuery } from '../../../domain';
import type { GraphQLContext } from '../context';

/** Per request, one loader per page arguments (an operation may ask different pages of different lists). */
const loaders = new WeakMap<GraphQLContext, Map<string, DataLoader<Order, Page<Fill>>>>();

/**
 * Batches `Order.fills` across a list: the fills of every order the request resolves in the same
 * tick with the same page arguments come from one statement instead of one per order. Nothing is
 * memoized (`cache: false`): a mutation later in the same operation may add fills to an order.
 */
export function orderFillsLoader(ctx: GraphQLContext, query: PageQuery): DataLoader<Order, Page<Fill>> {
  let byPage = loaders.get(ctx);
  if (!byPage) {
    byPage = new Map();
    loaders.set(ctx, byPage);
  }
  const key = `${query.limit}:${query.beforeSeq ?? ''}`;
  let loader = byPage.get(key);
  if (!loader) {
    loader = new DataLoader((orders: readonly Order[]) => ctx.services.orders.listFillsOfOrders(orders, query), { cache: false, maxBatchSize: 100 });
    byPage.set(key, loader);
  }
  return loader;
}
