/**
 * The `client` section of the config: where the trading CLI commands (`signet balances`,
 * `signet order place`, …) send requests and which key signs them. Parsed with the rest of the
 * environment in `parseConfig` (only `main.ts` reads the environment); every field is optional.
 */

/** Where client commands send requests when neither `--url` nor SIGNET_URL says otherwise: what `npm start` serves. */
export const DEFAULT_CLIENT_URL = 'http://127.0.0.1:4000';

/** Server and credentials for the client commands. Messages never echo key material. */
export interface ClientConfig {
  /** Server URL (`SIGNET_URL`, http or https). Null: DEFAULT_CLIENT_URL. */
  readonly url: string | null;
  /** API key id (`SIGNET_KEY_ID`). Null: pass `--credentials`. */
  readonly keyId: string | null;
  /** Ed25519 private key, base64 PKCS#8 DER as `keys create` prints it (`SIGNET_PRIVATE_KEY`). */
  readonly privateKey: string | null;
  /** HMAC-SHA256 secret, base64, at least 32 bytes (`SIGNET_SECRET`). */
  readonly secret: string | null;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses SIGNET_URL, SIGNET_KEY_ID, SIGNET_PRIVATE_KEY and SIGNET_SECRET, pushing one problem per bad variable. */
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
  const keyId = env.SIGNET_KEY_ID || null;
  if (keyId !== null && !/^[A-Za-z0-9._-]{1,128}$/.test(keyId)) problems.push('SIGNET_KEY_ID must be a key id such as key_0123456789abcdef01234567');
  const privateKey = env.SIGNET_PRIVATE_KEY || null;
  if (privateKey !== null && !BASE64.test(privateKey)) problems.push('SIGNET_PRIVATE_KEY must be the base64 PKCS#8 key printed by `signet keys create`');
  const secret = env.SIGNET_SECRET || null;
  if (secret !== null && (!BASE64.test(secret) || Buffer.from(secret, 'base64').length < 32)) {
    problems.push('SIGNET_SECRET must be the base64 HMAC secret printed by `signet keys create` (32 bytes or more)');
  }
  if (privateKey !== null && secret !== null) problems.push('set SIGNET_PRIVATE_KEY (ed25519) or SIGNET_SECRET (hmac-sha256), not both');
  return Object.freeze({ url, keyId, privateKey, secret });
}
