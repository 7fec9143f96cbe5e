#!/usr/bin/env node
// Apollo Client 4 (core, no React) against Signet: signing plugs in as HttpLink's `fetch`.
// Usage (after `npm run build`, with `npm start` running):
//   SIGNET_URL=http://127.0.0.1:4000 SIGNET_KEY_ID=key_… SIGNET_PRIVATE_KEY=<base64 PKCS#8> node examples/clients/apollo-client.js
// HttpLink sends `Accept: application/graphql-response+json,application/json;q=0.9`, so a 401 or
// 429 arrives as a GraphQL error with extensions.code and reason, not just "status code 401".
'use strict';
const { randomUUID } = require('node:crypto');
const { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache, ServerError, gql } = require('@apollo/client');
const { createSigningFetch, credentialsFromEnv } = require('./signing-fetch');
const { MARKETS, ME, ORDER_INPUT, PLACE_ORDER, errorOutcome, report } = require('./operations');

/** An Apollo Client for Signet; with credentials every request is signed. */
function createSignetApolloClient(url, credentials) {
  const link = new HttpLink({ uri: new URL('/graphql', url).toString(), fetch: credentials ? createSigningFetch(credentials) : globalThis.fetch });
  // no-cache: a trading client wants the server's answer, not a cached one. errorPolicy 'all':
  // Signet answers a failing field with null and its error while its siblings still arrive (a
  // balance's valueUsd while the price source is down); Apollo's default ('none') would throw the
  // whole result away.
  return new ApolloClient({
    link, cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: 'no-cache', errorPolicy: 'all' }, mutate: { fetchPolicy: 'no-cache', errorPolicy: 'all' } },
  });
}

/** A step's outcome: its data, and the code and reason of its first GraphQL error if any (also of a 401/429/503). */
async function attempt(operation) {
  try {
    const result = await operation();
    if (CombinedGraphQLErrors.is(result.error)) return { data: result.data, ...errorOutcome(undefined, result.error.errors) };
    if (ServerError.is(result.error)) return { status: result.error.statusCode, error: { message: result.error.message } };
    if (result.error) throw result.error;
    return { data: result.data };
  } catch (error) {
    if (CombinedGraphQLErrors.is(error)) return errorOutcome(undefined, error.errors);
    if (ServerError.is(error)) return { status: error.statusCode, error: { message: error.message } };
    throw error;
  }
}

async function main(env) {
  const url = env.SIGNET_URL || 'http://127.0.0.1:4000';
  const publicClient = createSignetApolloClient(url, null);
  report('public', await attempt(() => publicClient.query({ query: gql(MARKETS) })));
  const client = createSignetApolloClient(url, credentialsFromEnv(env));
  report('read', await attempt(() => client.query({ query: gql(ME) })));
  const idempotencyKey = randomUUID();
  report('order', await attempt(() => client.mutate({ mutation: gql(PLACE_ORDER), variables: { input: ORDER_INPUT }, context: { headers: { 'idempotency-key': idempotencyKey } } })));
}

module.exports = { createSignetApolloClient };
if (require.main === module) main(process.env).catch((error) => { console.error(error); process.exitCode = 1; });
