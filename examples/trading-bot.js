#!/usr/bin/env node
// A small trading bot on the Signet SDK: each step places a resting BUY order, lists the open
// orders, lets the order rest, and cancels it. Safe to kill (even with SIGKILL) and restart:
//
//  - every step's idempotency keys are derived from a run id and the step number, and the step
//    is saved before it starts, so a restarted bot re-sends an interrupted step with the same
//    keys and gets the stored outcome (a replay) instead of a second order;
//  - on start it cancels the open orders its earlier runs left behind (clientOrderId "bot-…").
//
// Usage (after `npm run build`, with `npm start` running in another terminal):
//   node examples/trading-bot.js --iterations 10
//   node examples/trading-bot.js --credentials .signet/demo-credentials.json --as bob --rest-ms 2000
// Flags fall back to SIGNET_URL, BOT_CREDENTIALS, BOT_ACCOUNT, BOT_ITERATIONS, BOT_STATE, BOT_REST_MS.
'use strict';
const { randomUUID } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const { parseArgs } = require('node:util');
const { CancelOrderDocument, MyOrdersDocument, PlaceOrderDocument, createSignetClient } = require('@signet/sdk');

const USAGE = 'usage: node examples/trading-bot.js [--url URL] [--credentials FILE] [--as NAME] [--iterations N] [--state FILE] [--rest-ms MS] [--market SYMBOL]';

/** Stops at a bad flag before anything is sent: one line naming it, the usage, exit code 2. */
function usageError(problem) {
  process.stderr.write(`trading-bot: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

const isWholeNumber = (text) => /^\d{1,9}$/.test(text);
const isHttpUrl = (text) => /^https?:\/\//.test(text) && URL.canParse(text);

/** The flags, each checked against what it accepts. */
function readFlags() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string', default: process.env.SIGNET_URL || 'http://127.0.0.1:4000' },
        credentials: { type: 'string', default: process.env.BOT_CREDENTIALS || '.signet/demo-credentials.json' },
        as: { type: 'string', default: process.env.BOT_ACCOUNT || 'alice' },
        iterations: { type: 'string', default: process.env.BOT_ITERATIONS || '10' },
        state: { type: 'string', default: process.env.BOT_STATE || '.signet/trading-bot-state.json' },
        'rest-ms': { type: 'string', default: process.env.BOT_REST_MS || '500' },
        market: { type: 'string', default: 'BTC-USD' },
      },
    }));
  } catch (error) {
    // Its first sentence names the flag ("Unknown option '--frob'"); the rest can span lines.
    usageError(error.message.split(/\.\s/)[0]);
  }
  const rules = [
    ['url', '--url (or SIGNET_URL)', isHttpUrl, 'an http:// or https:// URL'],
    ['iterations', '--iterations (or BOT_ITERATIONS)', isWholeNumber, 'a whole number of steps, such as 10'],
    ['rest-ms', '--rest-ms (or BOT_REST_MS)', isWholeNumber, 'a whole number of milliseconds, such as 500'],
  ];
  for (const [name, flag, accepts, what] of rules) {
    if (!accepts(values[name])) usageError(`${flag} must be ${what} (got ${JSON.stringify(values[name])})`);
  }
  return values;
}

const flags = readFlags();
const ITERATIONS = Number(flags.iterations);
const REST_MS = Number(flags['rest-ms']);
const log = (line) => process.stdout.write(`${line}\n`);

/** The bot's memory across restarts: which run this is and the step it is on. */
function loadState() {
  try {
    return JSON.parse(readFileSync(flags.state, 'utf8'));
  } catch {
    return { runId: randomUUID(), step: 0 };
  }
}

/** Write-then-rename, so a kill mid-write leaves the old state, never half a file. */
function saveState(state) {
  mkdirSync(dirname(flags.state), { recursive: true });
  writeFileSync(`${flags.state}.tmp`, JSON.stringify(state));
  renameSync(`${flags.state}.tmp`, flags.state);
}

/** The data of a result, or an exit with every error code: a bot must not guess past a failure. */
function check(result, what) {
  const problems = [...result.errors.map((e) => `${e.extensions?.code}: ${e.message}`), ...result.userErrors.map((e) => `${e.code}: ${e.message}`)];
  if (problems.length > 0) throw new Error(`${what} failed: ${problems.join('; ')}`);
  return result.data;
}

function clientFromCredentials() {
  const { credentials } = JSON.parse(readFileSync(flags.credentials, 'utf8'));
  const me = (credentials || []).find((c) => c.name === flags.as);
  if (!me) throw new Error(`no credential named "${flags.as}" in ${flags.credentials}`);
  return createSignetClient({ url: flags.url, keyId: me.keyId, alg: me.algorithm, privateKey: me.privateKey, secret: me.secret });
}

/** Cancels one order with a key derived from its id: a repeated cancel (after a restart) is a replay. */
async function cancel(client, orderId) {
  const result = await client.request(CancelOrderDocument, { id: orderId }, { idempotencyKey: `bot-cancel-${orderId}` });
  // Cancelled by someone else in between: the goal (not open) is met.
  if (result.userErrors.length === 1 && result.userErrors[0].code === 'ORDER_NOT_OPEN') return result;
  check(result, `cancel ${orderId}`);
  return result;
}

/** Live orders (OPEN or PARTIALLY_FILLED) this bot placed in any run, all pages. */
async function openBotOrders(client) {
  const found = [];
  let after = null;
  do {
    const data = check(await client.request(MyOrdersDocument, { live: true, first: 100, after }), 'list orders');
    const page = data.me.orders;
    found.push(...page.nodes.filter((o) => (o.clientOrderId || '').startsWith('bot-')));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return found;
}

async function main() {
  const client = clientFromCredentials();
  const state = loadState();
  saveState(state);
  const run = state.runId.slice(0, 8);
  log(`bot ${run}: starting at step ${state.step} of ${ITERATIONS}`);

  const leftovers = await openBotOrders(client);
  for (const order of leftovers) await cancel(client, order.id);
  log(`bot ${run}: cancelled ${leftovers.length} live order(s) left by an earlier run`);

  while (state.step < ITERATIONS) {
    const step = state.step;
    // Same step, same arguments: a replayed key with other arguments would be IDEMPOTENCY_KEY_REUSED.
    const input = { market: flags.market, side: 'BUY', price: (20000 + (step % 50)).toFixed(2), quantity: '0.001', clientOrderId: `bot-${run}-${step}` };
    const placed = await client.request(PlaceOrderDocument, { input }, { idempotencyKey: `bot-${state.runId}-place-${step}` });
    const order = check(placed, `place step ${step}`).placeOrder.order;
    log(`step ${step}: placed ${order.id}${placed.replayed ? ' (replayed)' : ''}`);

    const open = check(await client.request(MyOrdersDocument, { live: true, first: 100 }), 'list orders');
    log(`step ${step}: ${open.me.orders.nodes.length} live order(s)`);
    await new Promise((resolve) => setTimeout(resolve, REST_MS));

    const cancelled = await cancel(client, order.id);
    log(`step ${step}: cancelled ${order.id}${cancelled.replayed ? ' (replayed)' : ''}`);
    state.step = step + 1;
    saveState(state);
  }
  log(`bot ${run}: done after ${ITERATIONS} steps`);
}

main().catch((error) => {
  process.stderr.write(`trading-bot: ${error && error.message ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
