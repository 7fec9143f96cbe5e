/**
 * The payments example (graphql-yoga) passes the directive scenarios of issue 15, with memory
 * stores and with Redis stores.
 */
import { describeExampleServer } from '../../test-kit/scenarios';
import { start, type RunningPaymentsServer } from '../src';

describeExampleServer<RunningPaymentsServer>({
  name: 'payments on graphql-yoga',
  start: ({ redisUrl, clockToleranceMs }) => start({ redisUrl, clockToleranceMs, balances: { alice: 100, bob: 0 } }),
  account: 'alice',
  scopes: ['payments:read', 'payments:send'],
  writeScope: 'payments:send',
  whoami: { operation: { query: '{ whoami }' }, account: (data) => data.whoami },
  limited: { operation: { query: '{ balance(account: "bob") }' }, max: 4 },
  mutation: {
    operation: { query: 'mutation Pay($to: String!, $amount: Int!) { sendPayment(to: $to, amount: $amount) { id from to amount } }', variables: { to: 'bob', amount: 30 } },
    result: (data) => data.sendPayment,
    effects: (server) => server.ledger.payments().length,
    runs: (server) => server.ledger.transfers,
    twice: (a, b) => ({ query: `mutation { a: sendPayment(to: "bob", amount: 1) @idempotent(key: "${a}") { id } b: sendPayment(to: "bob", amount: 1) @idempotent(key: "${b}") { id } }` }),
  },
});
