/**
 * The one place the example tests sign requests: with `@signet/http-message-signatures`' signer
 * over its node:crypto provider, covering the Idempotency-Key when one is sent.
 */
import type { KeyObject } from 'node:crypto';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';

/** A client's signing key: its id on the server and the Ed25519 private key. */
export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

/** The headers that sign a POST of `body` to `url` (Content-Digest, Signature-Input, Signature). */
export function signatureHeaders(url: string, body: string, key: SigningKey, headers: Readonly<Record<string, string>> = {}): Record<string, string> {
  const target = new URL(url);
  const signed = signRequest(nodeCrypto, {
    method: 'POST',
    authority: target.host,
    path: target.pathname,
    body,
    keyId: key.keyId,
    algorithm: 'ed25519',
    privateKey: key.privateKey,
    headers,
  });
  return { ...signed.headers };
}
