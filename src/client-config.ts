/**
 * The `client` section of the config: where the trading CLI commands (`signet balances`,
 * `signet order place`, …) send requests and which key signs them. Parsed with the rest of the
 * environment in `parseConfig` (only `main.ts` reads the environment); every field is optional.
 * The key variables are checked only when a command signs with them ({@link environmentKey}):
 * a command that needs no key (`serve`, `book`, the operator commands) never fails on them.
 */
import { createPrivateKey } from 'node:crypto';

/** Where client commands send requests when neither `--url` nor SIGNET_URL says otherwise: what `npm start` serves. */
export const DEFAULT_CLIENT_URL = 'http://127.0.0.1:4000';

/** Server and credentials for the client commands, as set. Messages never echo key material. */
export interface ClientConfig {
  /** Server URL (`SIGNET_URL`, http or https). Null: DEFAULT_CLIENT_URL. */
  readonly url: string | null;
  /** API key id (`SIGNET_KEY_ID`). Null: pass `--credentials`. Checked by {@link environmentKey}. */
  readonly keyId: string | null;
  /** Ed25519 private key, base64 PKCS#8 DER as `keys create` prints it (`SIGNET_PRIVATE_KEY`). Checked by {@link environmentKey}. */
  readonly privateKey: string | null;
  /** HMAC-SHA256 secret, base64, at least 32 bytes (`SIGNET_SECRET`). Checked by {@link environmentKey}. */
  readonly secret: string | null;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses SIGNET_URL, SIGNET_KEY_ID, SIGNET_PRIVATE_KEY and SIGNET_SECRET, pushing a problem for a bad SIGNET_URL. */
export function parseClientConfig(env: Readonly<Record<string, string | undefined>>, problems: string[]): ClientConfig {
  let url: string | null = null;
  if (env.SIGNET_URL) {
    try {
      const parsed = new URL(env.SIGNET_URL);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
      url = env.SIGNET_URL;
    } catch {
      problems.push('SIGNET_URL must be an http:// or https:// URL, e.g. http://127.0.0.1:4000');
    }
  }
  return Object.freeze({ url, keyId: env.SIGNET_KEY_ID || null, privateKey: env.SIGNET_PRIVATE_KEY || null, secret: env.SIGNET_SECRET || null });
}

/** True for base64 PKCS#8 DER that holds an Ed25519 private key. */
function isEd25519PrivateKey(text: string): boolean {
  if (!BASE64.test(text)) return false;
  try {
    return createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' }).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

/**
 * The key SIGNET_KEY_ID with SIGNET_PRIVATE_KEY or SIGNET_SECRET names: `none` when none of the
 * three is set, `incomplete` when a key id or its material is missing, `refused` with one problem
 * per variable the configuration refuses (never echoing its value), else the key.
 */
export type EnvironmentKey =
  | { readonly kind: 'none' }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'refused'; readonly problems: readonly string[] }
  | { readonly kind: 'key'; readonly keyId: string; readonly algorithm: 'ed25519'; readonly privateKey: string }
  | { readonly kind: 'key'; readonly keyId: string; readonly algorithm: 'hmac-sha256'; readonly secret: string };

/** Checks the key variables of `config`; called only by a command that signs with them. */
export function environmentKey(config: ClientConfig): EnvironmentKey {
  const { keyId, privateKey, secret } = config;
  if (keyId === null && privateKey === null && secret === null) return { kind: 'none' };
  const problems: string[] = [];
  if (keyId !== null && !/^[A-Za-z0-9._-]{1,128}$/.test(keyId)) problems.push('SIGNET_KEY_ID must be a key id such as key_0123456789abcdef01234567');
  if (privateKey !== null && secret !== null) problems.push('set SIGNET_PRIVATE_KEY (ed25519) or SIGNET_SECRET (hmac-sha256), not both');
  else if (privateKey !== null && !isEd25519PrivateKey(privateKey)) problems.push('SIGNET_PRIVATE_KEY must be the base64 PKCS#8 Ed25519 key printed by `signet keys create`');
  else if (secret !== null && (!BASE64.test(secret) || Buffer.from(secret, 'base64').length < 32)) {
    problems.push('SIGNET_SECRET must be the base64 HMAC secret printed by `signet keys create` (32 bytes or more)');
  }
  if (problems.length > 0) return { kind: 'refused', problems };
  if (keyId === null) return { kind: 'incomplete' };
  if (privateKey !== null) return { kind: 'key', keyId, algorithm: 'ed25519', privateKey };
  if (secret !== null) return { kind: 'key', keyId, algorithm: 'hmac-sha256', secret };
  return { kind: 'incomplete' };
}
