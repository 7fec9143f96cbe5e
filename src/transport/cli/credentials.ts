import { readFileSync } from 'node:fs';
import { environmentKey, type ClientConfig } from '../../client-config';
import { ConfigError } from '../../config';
import { CliError, EXIT } from './cli-error';

/** A key to sign with, as `keys create --json` prints it or as `demo-credentials.json` lists it. */
export interface Credential { name?: string; keyId: string; algorithm: 'ed25519' | 'hmac-sha256'; privateKey?: string; secret?: string }

/**
 * Reads one credential from a file: a single object, or `{ credentials: [...] }` picked by
 * `--as NAME` (required when the list has several: the first one by default acted for whichever
 * account happened to be listed first).
 */
export function readCredential(path: string, name?: string): Credential {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read credentials from ${path}: ${(error as Error).message}`, 2);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text around the error, which may be part of a secret.
    throw new CliError(`Cannot read credentials from ${path}: not JSON (as \`keys create --json\` prints it)`, 2);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(`Cannot read credentials from ${path}: not a JSON object (as \`keys create --json\` prints it)`, EXIT.USAGE);
  }
  const listed = (parsed as { credentials?: unknown }).credentials;
  const list = (Array.isArray(listed) ? listed : listed === undefined ? [parsed] : [])
    .filter((c): c is Credential => c !== null && typeof c === 'object');
  const names = list.map((c) => c.name).filter((n): n is string => typeof n === 'string');
  const named = names.length > 0 ? ` (it has: ${names.map((n) => JSON.stringify(n)).join(', ')})` : '';
  if (!name && list.length > 1) {
    throw new CliError(`${path} lists ${list.length} credentials${named}: pass --as NAME to pick the one to act as.`, EXIT.USAGE);
  }
  const credential = name ? list.find((c) => c.name === name) : list[0];
  if (!credential?.keyId || !(credential.privateKey || credential.secret)) {
    throw new CliError(`No usable credential${name ? ` named "${name}"` : ''} in ${path}${name ? named : ''} (need keyId and privateKey or secret).`, EXIT.USAGE);
  }
  return { ...credential, algorithm: credential.algorithm ?? (credential.secret ? 'hmac-sha256' : 'ed25519') };
}

/**
 * Which credentials a client command reads. `required`: `--credentials FILE [--as NAME]`, else
 * the environment's key, else a usage error. `optional` (`call`, whose document may be public):
 * the same, but unsigned when neither names a key. `explicit` (public market data, `book`): only
 * `--credentials`; the environment is neither read nor checked, so a key set there for the other
 * commands, even one the configuration refuses, cannot stop a command that needs none.
 */
export type CredentialSource = 'required' | 'optional' | 'explicit';

/**
 * The credential a client command signs with, or null to send unsigned (see {@link CredentialSource}).
 * A key variable the configuration refuses is CONFIG_ERROR (exit 2), as main.ts reports the others.
 */
export function credentialFor(flags: { credentials?: string; as?: string }, config: ClientConfig, source: CredentialSource = 'required'): Credential | null {
  if (flags.credentials) return readCredential(flags.credentials, flags.as);
  // Without a file, --as named nothing: the environment's key (whoever it is) would act instead.
  if (flags.as !== undefined) {
    throw new CliError(`--as ${JSON.stringify(flags.as)} picks a credential of a --credentials FILE, and none was given: pass --credentials FILE --as NAME, or drop --as to sign with SIGNET_KEY_ID's key.`, EXIT.USAGE);
  }
  if (source === 'explicit') return null;
  const key = environmentKey(config);
  if (key.kind === 'refused') throw new CliError(new ConfigError(key.problems).message, EXIT.USAGE, { code: 'CONFIG_ERROR' });
  if (key.kind === 'key') {
    const { kind: _kind, ...credential } = key;
    return credential;
  }
  if (key.kind === 'none' && source === 'optional') return null;
  // No key for a command that signs, or half of one: a key id without its key is a mistake, never a wish to send unsigned.
  throw new CliError('No credentials: pass --credentials FILE [--as NAME] (e.g. .signet/demo-credentials.json --as alice), or set SIGNET_KEY_ID with SIGNET_PRIVATE_KEY or SIGNET_SECRET.', EXIT.USAGE);
}
