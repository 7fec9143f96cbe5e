#!/usr/bin/env node
// graphql-request 7 against Signet: signing plugs in as the GraphQLClient's `fetch`.
// Usage (after `npm run build`, with `npm start` running):
//   SIGNET_URL=http://127.0.0.1:4000 SIGNET_KEY_ID=key_… SIGNET_PRIVATE_KEY=<base64 PKCS#8> node examples/clients/graphql-request.js
'use strict';
const { randomUUID } = require('node:crypto');
// graphql-request 7 is an ES module; Node 20.19+ loads it with require().
const { ClientError, GraphQLClient } = require('graphql-request');
const { createSigningFetch, credentialsFromEnv } = require('./signing-fetch');
const { MARKETS, ME, ORDER_INPUT, PLACE_ORDER, errorOutcome, report } = require('./operations');

/** A graphql-request client for Signet; with credentials every request is signed. */
function createSignetRequestClient(url, credentials) {
  return new GraphQLClient(new URL('/graphql', url).toString(), { fetch: credentials ? createSigningFetch(credentials) : globalThis.fetch });
}

/** A step's outcome: data, or the code and reason of a GraphQL error (also of a 401/429/503). */
async function attempt(operation) {
  try {
    return { data: await operation() };
  } catch (error) {
    if (error instanceof ClientError) return errorOutcome(error.response.status, error.response.errors);
    throw error;
  }
}

async function main(env) {
  const url = env.SIGNET_URL || 'http://127.0.0.1:4000';
  report('public', await attempt(() => createSignetRequestClient(url, null).request(MARKETS)));
  const client = createSignetRequestClient(url, credentialsFromEnv(env));
  report('read', await attempt(() => client.request(ME)));
  report('order', await attempt(() => client.request(PLACE_ORDER, { input: ORDER_INPUT }, { 'idempotency-key': randomUUID() })));
}

module.exports = { createSignetRequestClient };
if (require.main === module) main(process.env).catch((error) => { console.error(error); process.exitCode = 1; });
