/**
 * The notes example (Apollo Server on node:http) passes the directive scenarios of issue 15,
 * with memory stores and with Redis stores.
 */
import { describeExampleServer } from '../../test-kit/scenarios';
import { start, type RunningNotesServer } from '../src';

describeExampleServer<RunningNotesServer>({
  name: 'notes on Apollo Server',
  start: ({ redisUrl, clockToleranceMs }) => start({ redisUrl, clockToleranceMs }),
  account: 'alice',
  scopes: ['notes:read', 'notes:write'],
  writeScope: 'notes:write',
  whoami: { operation: { query: '{ whoami }' }, account: (data) => data.whoami },
  limited: { operation: { query: '{ notes { id } }' }, max: 5 },
  mutation: {
    operation: { query: 'mutation Add($text: String!) { addNote(text: $text) { id author text } }', variables: { text: 'buy milk' } },
    result: (data) => data.addNote,
    effects: (server) => server.notebook.size,
    runs: (server) => server.notebook.writes,
    twice: (a, b) => ({ query: `mutation { a: addNote(text: "one") @idempotent(key: "${a}") { id } b: addNote(text: "two") @idempotent(key: "${b}") { id } }` }),
  },
});
