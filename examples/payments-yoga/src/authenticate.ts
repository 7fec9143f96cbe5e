/**
 * The signature check of every request, before yoga parses it: RFC 9421 verification with the
 * nonce claimed in the nonce store (`@signet/http-message-signatures`). A verified request
 * carries its principal into the context; a refused one is answered by the plugin and never
 * executes.
 */
import type { KeyObject } from 'node:crypto';
import { createSignatureVerifier, type NonceStore } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import type { KeyRegistry } from './keys';
import type { Authenticate } from './request-plugin';

/** How old a signature may be, in seconds. */
export const MAX_SIGNATURE_AGE_SECONDS = 300;

/** What the check needs. */
export interface AuthenticatorOptions {
  readonly keys: KeyRegistry;
  readonly nonces: NonceStore;
  /** This server's public `host:port` (the signature covers `@authority`). */
  readonly authority: string;
  readonly now: () => number;
}

/** The plugin's check: the verified caller, null when unsigned, or the refusal to answer. */
export function authenticator(options: AuthenticatorOptions): Authenticate {
  const verify = createSignatureVerifier<KeyObject>({
    crypto: nodeCrypto,
    authority: options.authority,
    scheme: 'http',
    maxAgeSeconds: MAX_SIGNATURE_AGE_SECONDS,
    now: options.now,
    resolveKey: (keyId) => options.keys.resolve(keyId),
    nonces: options.nonces,
  });

  return async (request) => {
    const result = await verify(request);
    switch (result.status) {
      case 'absent':
        return { principal: null };
      case 'verified':
        return { principal: { keyId: result.keyId, account: result.accountId, scopes: result.scopes } };
      case 'unproven':
        return {
          refusal: {
            status: 503,
            message: 'Replay protection is recovering from a data loss; sign the request again shortly.',
            extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'REPLAY_PROTECTION_RECOVERING', retryable: true, retryAfterMs: result.retryAfterMs },
          },
        };
      case 'rejected':
        return { refusal: { status: 401, message: `The request signature was refused: ${result.reason}.`, extensions: { code: 'UNAUTHENTICATED', reason: result.reason } } };
    }
  };
}
