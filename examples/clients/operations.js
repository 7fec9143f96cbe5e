// The operations every client example sends: a public query, a signed read and a signed, keyed order.
'use strict';

const MARKETS = 'query Markets { markets { symbol } }';
const ME = 'query Me { me { id balances { asset available } } }';
const PLACE_ORDER = `mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id status } userErrors { code message } }
}`;
/** A resting BUY far below the market; the Idempotency-Key header makes a retry safe. */
const ORDER_INPUT = { market: 'BTC-USD', side: 'BUY', price: '1', quantity: '0.01' };

/** Prints one step's outcome as a JSON line: its data, or the GraphQL error code and reason. */
function report(step, outcome) {
  process.stdout.write(`${JSON.stringify({ step, ...outcome })}\n`);
}

/** What a client needs from a GraphQL error to act on it. */
function errorOutcome(status, errors) {
  const first = (errors || [])[0] || {};
  const extensions = first.extensions || {};
  return { status, error: { code: extensions.code, reason: extensions.reason, message: first.message } };
}

module.exports = { MARKETS, ME, PLACE_ORDER, ORDER_INPUT, report, errorOutcome };
