#!/usr/bin/env node
// A small market maker on the Signet SDK: every round it cancels its own quotes in each market
// (the ones it placed the round before, one cancelOrder by id each: other orders of the account
// are left alone), reads the ticker, and quotes one post-only BUY below and one post-only SELL
// above the reference price, so the book stays two-sided. The reference is the mid of the best
// bid and ask left in the book, else the last trade, else the price table (--btc, --eth).
// Its quotes carry a clientOrderId `mm-<run>-<round>-<market>-<side>`; the quotes an earlier run
// left in the book (it stops with its last quotes resting) are canceled by that id before round 0.
//
// Usage (after `npm run build`, with `npm start` running in another terminal):
//   node examples/market-maker.js --as alice --rounds 10 --interval-ms 2000
// Every call carries an idempotency key derived from a run id, the round and the market, so a
// retried call never places a quote twice. A post-only quote that would trade (someone crossed
// the reference in between) is refused by the server and skipped for that round. A call refused
// by a rate limit (RATE_LIMITED) waits the seconds the server names and is sent again.
'use strict';
const { randomUUID } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { parseArgs } = require('node:util');
const { CancelOrderDocument, MyOrdersDocument, PlaceOrderDocument, TickerDocument, MarketsDocument, createSignetClient } = require('@signet/sdk');

const USAGE = 'usage: node examples/market-maker.js [--url URL] [--credentials FILE] [--as NAME] [--rounds N] [--interval-ms MS] [--half-spread FRACTION] [--size QUANTITY] [--btc PRICE] [--eth PRICE]';

/** Stops at a bad flag before anything is sent: one line naming it, the usage, exit code 2. */
function usageError(problem) {
  process.stderr.write(`market-maker: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

const isWholeNumber = (text) => /^\d{1,9}$/.test(text);
const isPositiveDecimal = (text) => /^\d+(\.\d+)?$/.test(text) && /[1-9]/.test(text);
const isHttpUrl = (text) => /^https?:\/\//.test(text) && URL.canParse(text);

/** The flags, each checked against what it accepts. */
function readFlags() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string', default: process.env.SIGNET_URL || 'http://127.0.0.1:4000' },
        credentials: { type: 'string', default: process.env.MM_CREDENTIALS || '.signet/demo-credentials.json' },
        as: { type: 'string', default: process.env.MM_ACCOUNT || 'alice' },
        rounds: { type: 'string', default: '10' },
        'interval-ms': { type: 'string', default: '2000' },
        // Half the spread, as a fraction of the reference price.
        'half-spread': { type: 'string', default: '0.001' },
        size: { type: 'string', default: '0.01' },
        btc: { type: 'string', default: '30000' },
        eth: { type: 'string', default: '2000' },
      },
    }));
  } catch (error) {
    // Its first sentence names the flag ("Unknown option '--frob'"); the rest can span lines.
    usageError(error.message.split(/\.\s/)[0]);
  }
  const rules = [
    ['url', '--url (or SIGNET_URL)', isHttpUrl, 'an http:// or https:// URL'],
    ['rounds', '--rounds', isWholeNumber, 'a whole number of rounds, such as 10'],
    ['interval-ms', '--interval-ms', isWholeNumber, 'a whole number of milliseconds, such as 2000'],
    ['half-spread', '--half-spread', (text) => /^0\.\d+$/.test(text), 'a fraction of the price below 1, such as 0.001'],
    ['size', '--size', isPositiveDecimal, 'a quantity above 0, such as 0.01'],
    ['btc', '--btc', isPositiveDecimal, 'a price above 0, such as 30000'],
    ['eth', '--eth', isPositiveDecimal, 'a price above 0, such as 2000'],
  ];
  for (const [name, flag, accepts, what] of rules) {
    if (!accepts(values[name])) usageError(`${flag} must be ${what} (got ${JSON.stringify(values[name])})`);
  }
  return values;
}

const flags = readFlags();
const log = (line) => process.stdout.write(`${line}\n`);
const TABLE = { 'BTC-USD': flags.btc, 'ETH-USD': flags.eth };

/** The data of a result; throws with every error code otherwise. */
function check(result, what) {
  const problems = [...result.errors.map((e) => `${e.extensions?.code}: ${e.message}`), ...result.userErrors.map((e) => `${e.code}: ${e.message}`)];
  if (problems.length > 0) throw new Error(`${what} failed: ${problems.join('; ')}`);
  return result.data;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one call. A call refused by a field's rate limit (RATE_LIMITED: nothing ran, and its
 * `extensions.retryAfter` says in how many seconds the window allows it) is sent again after that
 * wait, with the same idempotency key, up to 5 times; any other answer is returned as it is.
 */
async function paced(client, document, variables, options = {}) {
  for (let waits = 0; ; waits += 1) {
    const result = await client.request(document, variables, options);
    const limited = result.errors.length === 1 && result.errors[0].extensions?.code === 'RATE_LIMITED' ? result.errors[0] : undefined;
    if (!limited || waits === 5) return result;
    const seconds = Math.max(1, Number(limited.extensions.retryAfter) || 1);
    log(`rate-limited (${limited.message}): waiting ${seconds} s`);
    await sleep(seconds * 1000);
  }
}

/**
 * Decimal strings scaled to integers of `decimals` places, so prices never pass through floats.
 * A price rounded to the tick: down for a bid, up for an ask.
 */
function quotePrice(reference, fraction, tickSize, side) {
  const places = Math.max(decimalsOf(reference), decimalsOf(fraction), decimalsOf(tickSize));
  const scale = 10n ** BigInt(places);
  const ref = toUnits(reference, places);
  const frac = toUnits(fraction, places);
  const tick = toUnits(tickSize, places);
  const offset = (ref * frac) / scale;
  const raw = side === 'BUY' ? ref - offset : ref + offset;
  const ticks = side === 'BUY' ? raw / tick : (raw + tick - 1n) / tick;
  return fromUnits(ticks * tick, places, scale);
}
function decimalsOf(text) { return (text.split('.')[1] || '').length; }
function toUnits(text, places) { const [i, f = ''] = text.split('.'); return BigInt(i + f.padEnd(places, '0')); }
function fromUnits(units, places, scale) {
  const whole = units / scale;
  const fraction = (units % scale).toString().padStart(places, '0').replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}
/** The midpoint of two decimal strings, rounded down to the tick. */
function mid(bid, ask, tickSize) {
  const places = Math.max(decimalsOf(bid), decimalsOf(ask), decimalsOf(tickSize));
  const tick = toUnits(tickSize, places);
  const units = (toUnits(bid, places) + toUnits(ask, places)) / 2n;
  return fromUnits((units / tick) * tick, places, 10n ** BigInt(places));
}

/** The clientOrderId of a quote; QUOTE_ID recognises those of any run of this example. */
const quoteId = (run, round, market, side) => `mm-${run.slice(0, 8)}-${round}-${market}-${side}`;
const QUOTE_ID = /^mm-[0-9a-f]{8}-\d+-[A-Z]+-[A-Z]+-(BUY|SELL)$/;

/** Cancels one of its quotes; one that filled or was canceled meanwhile (ORDER_NOT_OPEN) is gone already. */
async function cancelQuote(client, id, idempotencyKey) {
  const result = await paced(client, CancelOrderDocument, { id }, { idempotencyKey });
  if (result.userErrors.length === 1 && result.userErrors[0].code === 'ORDER_NOT_OPEN') return;
  check(result, `cancel ${id}`);
}

/** Cancels the live quotes an earlier run left, found by their clientOrderId, and nothing else. */
async function cancelLeftovers(client, run) {
  const leftovers = [];
  let after;
  do {
    const page = check(await paced(client, MyOrdersDocument, { live: true, first: 100, after }), 'orders').me.orders;
    leftovers.push(...page.nodes.filter((order) => QUOTE_ID.test(order.clientOrderId || '')).map((order) => order.id));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
  } while (after);
  for (const id of leftovers) await cancelQuote(client, id, `mm-${run}-leftover-${id}`);
  if (leftovers.length > 0) log(`canceled ${leftovers.length} quote(s) an earlier run left`);
}

async function main() {
  const { credentials } = JSON.parse(readFileSync(flags.credentials, 'utf8'));
  const me = (credentials || []).find((c) => c.name === flags.as);
  if (!me) throw new Error(`no credential named "${flags.as}" in ${flags.credentials}`);
  const client = createSignetClient({ url: flags.url, keyId: me.keyId, alg: me.algorithm, privateKey: me.privateKey, secret: me.secret });
  const markets = check(await client.request(MarketsDocument, {}), 'markets').markets;
  const run = randomUUID();
  const rounds = Number(flags.rounds);
  await cancelLeftovers(client, run);
  // The ids of the quotes of the last round, per market: the only orders it cancels.
  const resting = new Map();
  for (let round = 0; round < rounds; round += 1) {
    for (const market of markets) {
      const key = (what) => `mm-${run}-${round}-${market.symbol}-${what}`;
      for (const id of resting.get(market.symbol) || []) await cancelQuote(client, id, key(`cancel-${id}`));
      resting.set(market.symbol, []);
      const ticker = check(await paced(client, TickerDocument, { market: market.symbol }), 'ticker').ticker;
      const reference = ticker.bestBid && ticker.bestAsk ? mid(ticker.bestBid, ticker.bestAsk, market.tickSize) : ticker.lastPrice || TABLE[market.symbol];
      const quoted = [];
      for (const side of ['BUY', 'SELL']) {
        const price = quotePrice(reference, flags['half-spread'], market.tickSize, side);
        const input = { market: market.symbol, side, type: 'LIMIT', price, quantity: flags.size, postOnly: true, clientOrderId: quoteId(run, round, market.symbol, side) };
        const result = await paced(client, PlaceOrderDocument, { input }, { idempotencyKey: key(side) });
        if (result.userErrors.length === 1 && result.userErrors[0].code === 'POST_ONLY_WOULD_TAKE') continue;
        resting.get(market.symbol).push(check(result, `quote ${side} ${market.symbol}`).placeOrder.order.id);
        quoted.push(`${side} ${flags.size} @ ${price}`);
      }
      log(`round ${round}: ${market.symbol} reference ${reference}: ${quoted.join(', ') || 'nothing quoted'}`);
    }
    if (round + 1 < rounds) await sleep(Number(flags['interval-ms']));
  }
  log(`market maker: done after ${rounds} round(s)`);
}

main().catch((error) => {
  process.stderr.write(`market-maker: ${error && error.message ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
