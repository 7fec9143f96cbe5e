/**
 * A small Signet client written against `examples/client-preset/codegen.yml`: operations are
 * written inline with the generated `graphql()`, which returns a TypedDocumentNode. Any client
 * that takes one (the Signet SDK, Apollo Client, urql) infers variables and result from it:
 *
 *   const result = await signet.request(PlaceLimitOrder, buyVariables('BTC-USD', '30000', '0.01'));
 */
import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';
import { graphql } from './gql';

/** The signed account's balances (needs a request signed with a READ key). */
export const MyBalances = graphql(`
  query MyBalances {
    me { name balances { asset available held } }
  }
`);

/** A limit order (needs a TRADE key and an Idempotency-Key header; the Signet SDK sends both). */
export const PlaceLimitOrder = graphql(`
  mutation PlaceLimitOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      order { id market side price quantity status createdAt }
      userErrors { code message field }
    }
  }
`);

/** Variables for a limit buy: prices and quantities are decimal strings, never numbers. */
export function buyVariables(market: string, price: string, quantity: string): VariablesOf<typeof PlaceLimitOrder> {
  return { input: { market, side: 'BUY', type: 'LIMIT', price, quantity } };
}

/** Available funds per asset, exactly as the server sent them: Decimal is a string. */
export function availableByAsset(result: ResultOf<typeof MyBalances>): Record<string, string> {
  const available: Record<string, string> = {};
  for (const balance of result.me?.balances ?? []) available[balance.asset] = balance.available;
  return available;
}

/** One line per outcome: the placed order (with its timestamp, a DateTimeISO string) or the user errors. */
export function describeOrder(result: ResultOf<typeof PlaceLimitOrder>): string {
  const payload = result.placeOrder;
  if (!payload) return 'no payload (see the GraphQL errors)';
  if (payload.userErrors.length > 0) return payload.userErrors.map((e) => `${e.code}: ${e.message}`).join('\n');
  const order = payload.order;
  const placedAt: string = order ? order.createdAt : '';
  return order ? `${placedAt} ${order.side} ${order.quantity} ${order.market} @ ${order.price}: ${order.status}` : 'no order';
}
