// A fetch that signs every request with the Signet SDK's RFC 9421 signer: hand it to any GraphQL
// client that accepts a custom fetch (Apollo Client's HttpLink, urql, graphql-request, …).
// It signs exactly the method, URL and body bytes it then sends, so GET queries (urql's default)
// are signed too, with their query string covered as @query.
'use strict';
const { importSigningKey, signRequestWebCrypto } = require('@signet/sdk');

/**
 * createSigningFetch({ keyId, privateKey } | { keyId, secret }, { authority?, fetch? }) → fetch
 * privateKey: base64 PKCS#8 Ed25519 key (as `signet keys create` prints it); secret: base64 HMAC secret.
 * authority: the server's public host[:port] when it differs from the URL's (behind a proxy).
 */
function createSigningFetch(credentials, options = {}) {
  const alg = credentials.secret ? 'hmac-sha256' : 'ed25519';
  const keyPromise = importSigningKey(alg === 'ed25519' ? { alg, privateKey: credentials.privateKey } : { alg, secret: credentials.secret });
  const baseFetch = options.fetch || globalThis.fetch;
  return async function signingFetch(input, init) {
    const request = new Request(input, init);
    const body = new Uint8Array(await request.arrayBuffer());
    // The request's own headers go to the signer: an Idempotency-Key among them is covered, as the server requires.
    const signed = await signRequestWebCrypto({
      method: request.method, url: request.url, authority: options.authority, body, keyId: credentials.keyId, alg, key: await keyPromise,
      headers: Object.fromEntries(request.headers),
    });
    const headers = new Headers(request.headers);
    for (const [name, value] of Object.entries(signed.headers)) headers.set(name, value);
    // The same bytes that were digested and signed, never a re-serialization.
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    return baseFetch(request.url, { method: request.method, headers, body: hasBody ? body : undefined, signal: request.signal });
  };
}

/** The credentials of the environment (SIGNET_KEY_ID with SIGNET_PRIVATE_KEY or SIGNET_SECRET), or null. */
function credentialsFromEnv(env) {
  if (!env.SIGNET_KEY_ID) return null;
  return env.SIGNET_SECRET ? { keyId: env.SIGNET_KEY_ID, secret: env.SIGNET_SECRET } : { keyId: env.SIGNET_KEY_ID, privateKey: env.SIGNET_PRIVATE_KEY };
}

module.exports = { createSigningFetch, credentialsFromEnv };
