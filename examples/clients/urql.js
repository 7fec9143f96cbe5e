#!/usr/bin/env node
// urql (@urql/core, default settings: queries go as GET) against Signet: signing plugs in as the
// Client's `fetch`. A signed GET covers its query string (@query), and Signet treats the signature
// headers as CSRF preflight headers, so signed GET queries are accepted.
// Usage (after `npm run build`, with `npm start` running):
//   SIGNET_URL=http://127.0.0.1:4000 SIGNET_KEY_ID=key_… SIGNET_PRIVATE_KEY=<base64 PKCS#8> node examples/clients/urql.js
'use strict';
const { randomUUID } = require('node:crypto');
const { Client, cacheExchange, fetchExchange, gql } = require('@urql/core');
const { createSigningFetch, credentialsFromEnv } = require('./signing-fetch');
const { MARKETS, ME, ORDER_INPUT, PLACE_ORDER, errorOutcome, report } = require('./operations');

/** An urql Client for Signet; with credentials every request is signed. */
function createSignetUrqlClient(url, credentials) {
  return new Client({
    url: new URL('/graphql', url).toString(),
    exchanges: [cacheExchange, fetchExchange],
    fetch: credentials ? createSigningFetch(credentials) : globalThis.fetch,
    // An unsigned GET must carry a CSRF preflight header (Apollo's CSRF prevention); a signed one
    // already does: its Signature headers cannot come from a form or a simple cross-site request.
    fetchOptions: credentials ? undefined : { headers: { 'apollo-require-preflight': 'true' } },
    // A trading client wants the server's answer, not a cached one.
    requestPolicy: 'network-only',
  });
}

/** A step's outcome: data, or the code and reason of a GraphQL error (also of a 401/429/503). */
function outcome(result) {
  if (!result.error) return { data: result.data };
  const status = result.error.response ? result.error.response.status : undefined;
  if (result.error.graphQLErrors.length > 0) return errorOutcome(status, result.error.graphQLErrors);
  return { status, error: { message: result.error.message } };
}

async function main(env) {
  const url = env.SIGNET_URL || 'http://127.0.0.1:4000';
  report('public', outcome(await createSignetUrqlClient(url, null).query(gql(MARKETS), {}).toPromise()));
  const client = createSignetUrqlClient(url, credentialsFromEnv(env));
  report('read', outcome(await client.query(gql(ME), {}).toPromise()));
  const fetchOptions = { headers: { 'idempotency-key': randomUUID() } };
  report('order', outcome(await client.mutation(gql(PLACE_ORDER), { input: ORDER_INPUT }, { fetchOptions }).toPromise()));
}

module.exports = { createSignetUrqlClient };
if (require.main === module) main(process.env).catch((error) => { console.error(error); process.exitCode = 1; });
