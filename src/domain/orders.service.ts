import { ASSETS, MARKETS, type AssetCode, type MarketSpec } from './assets';
import { Dec, isMultipleOf, parseDecimal } from './decimal';
import { canonicalUuid } from './ids';
import { holdJournal, releaseJournal } from './ledger';
import type { Clock, IdGenerator, PageQuery, UnitOfWork } from './ports';
import { transact } from './transactions';
import type { Order, OrderSide, OrderStatus, OrderType, Page } from './types';
import { RollbackWithUserErrors, UserErrorCode, fail, userError, type DomainResult, type UserError } from './user-errors';

/** What a client asks for when placing an order. */
export interface PlaceOrderInput {
  readonly market: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly price: string;
  readonly quantity: string;
  readonly clientOrderId?: string | null;
}

/** Places and cancels resting limit orders; every order holds its funds while open. */
export interface OrderService {
  placeOrder(accountId: string, input: PlaceOrderInput): Promise<DomainResult<Order>>;
  cancelOrder(accountId: string, orderId: string): Promise<DomainResult<Order>>;
  /** The order when it belongs to the account; null otherwise (other accounts' orders are invisible). */
  findOrder(accountId: string, orderId: string): Promise<Order | null>;
  listOrders(accountId: string, query: PageQuery & { status?: OrderStatus }): Promise<Page<Order>>;
}

interface ValidOrder { market: MarketSpec; price: Dec; quantity: Dec; holdAsset: AssetCode; holdAmount: Dec }

/** Checks market, tick/lot precision and size limits; collects every problem at once. */
function validateOrder(input: PlaceOrderInput): ValidOrder | UserError[] {
  const market = MARKETS.get(input.market);
  if (!market) return [userError(UserErrorCode.UNKNOWN_MARKET, `Unknown market "${input.market.slice(0, 32)}". See the markets query.`, ['input', 'market'])];
  const errors: UserError[] = [];
  const price = parseDecimal(input.price);
  if (price === null || price.lte(0)) errors.push(userError(UserErrorCode.INVALID_PRICE, 'Price must be a positive decimal string.', ['input', 'price']));
  else if (!isMultipleOf(price, market.tickSize)) errors.push(userError(UserErrorCode.INVALID_PRICE, `Price must be a multiple of the tick size ${market.tickSize.toFixed()}.`, ['input', 'price']));
  else if (price.gt(market.maxPrice)) errors.push(userError(UserErrorCode.INVALID_PRICE, `Price must not exceed ${market.maxPrice.toFixed()}.`, ['input', 'price']));
  const quantity = parseDecimal(input.quantity);
  if (quantity === null || quantity.lte(0)) errors.push(userError(UserErrorCode.INVALID_QUANTITY, 'Quantity must be a positive decimal string.', ['input', 'quantity']));
  else if (!isMultipleOf(quantity, market.lotSize)) errors.push(userError(UserErrorCode.INVALID_QUANTITY, `Quantity must be a multiple of the lot size ${market.lotSize.toFixed()}.`, ['input', 'quantity']));
  else if (quantity.lt(market.minQuantity) || quantity.gt(market.maxQuantity)) {
    errors.push(userError(UserErrorCode.INVALID_QUANTITY, `Quantity must be between ${market.minQuantity.toFixed()} and ${market.maxQuantity.toFixed()}.`, ['input', 'quantity']));
  }
  if (errors.length > 0 || price === null || quantity === null) return errors;
  // A BUY reserves its notional in the quote asset, rounded UP to the asset's precision so the
  // hold always covers the order; a SELL reserves the base quantity itself.
  const holdAsset = input.side === 'BUY' ? market.quoteAsset : market.baseAsset;
  const holdAmount = input.side === 'BUY'
    ? price.times(quantity).toDecimalPlaces(ASSETS[holdAsset].decimals, Dec.ROUND_UP)
    : quantity;
  return { market, price, quantity, holdAsset, holdAmount };
}

/** Creates the order service. */
export function createOrderService(deps: { uow: UnitOfWork; clock: Clock; newId: IdGenerator }): OrderService {
  const { uow, clock, newId } = deps;
  return {
    async placeOrder(accountId, input) {
      const valid = validateOrder(input);
      if (Array.isArray(valid)) return fail(...valid);
      const now = clock();
      const order: Omit<Order, 'seq'> = {
        id: newId(), accountId, market: valid.market.symbol, side: input.side, type: input.type,
        price: valid.price.toFixed(), quantity: valid.quantity.toFixed(), clientOrderId: input.clientOrderId ?? null,
        status: 'OPEN', holdAsset: valid.holdAsset, holdAmount: valid.holdAmount.toFixed(), createdAt: now, updatedAt: now,
      };
      return transact(uow, async (repo) => {
        const held = await repo.postJournal(holdJournal(newId(), order.id, accountId, valid.holdAsset, valid.holdAmount, now));
        if (!held) {
          throw new RollbackWithUserErrors([userError(UserErrorCode.INSUFFICIENT_FUNDS, `Insufficient available ${valid.holdAsset} to hold ${valid.holdAmount.toFixed()}.`, ['input', 'quantity'])]);
        }
        const inserted = await repo.insertOrder(order);
        if (inserted === 'duplicate') {
          throw new RollbackWithUserErrors([userError(UserErrorCode.DUPLICATE_CLIENT_ORDER_ID, 'An order with this clientOrderId already exists.', ['input', 'clientOrderId'])]);
        }
        return inserted;
      });
    },

    async cancelOrder(accountId, orderIdText) {
      const orderId = canonicalUuid(orderIdText);
      if (orderId === null) return fail(userError(UserErrorCode.ORDER_NOT_FOUND, 'No such order.', ['id']));
      return transact(uow, async (repo) => {
        const now = clock();
        const canceled = await repo.cancelOpenOrder(orderId, accountId, now);
        if (!canceled) {
          const existing = await repo.findOrder(orderId);
          // Another account's order answers exactly like a missing one: ids are not an oracle.
          if (!existing || existing.accountId !== accountId) throw new RollbackWithUserErrors([userError(UserErrorCode.ORDER_NOT_FOUND, 'No such order.', ['id'])]);
          throw new RollbackWithUserErrors([userError(UserErrorCode.ORDER_NOT_OPEN, `The order is ${existing.status}, not OPEN.`, ['id'])]);
        }
        const released = await repo.postJournal(releaseJournal(newId(), canceled.id, accountId, canceled.holdAsset, new Dec(canceled.holdAmount), now));
        if (!released) throw new Error(`ledger invariant broken: hold of order ${canceled.id} is not in the held balance`);
        return canceled;
      });
    },

    async findOrder(accountId, orderIdText) {
      const orderId = canonicalUuid(orderIdText);
      const order = orderId === null ? null : await uow.repo.findOrder(orderId);
      return order && order.accountId === accountId ? order : null;
    },

    listOrders(accountId, query) {
      return uow.repo.listOrders(accountId, query);
    },
  };
}
