import { readFileSync } from 'node:fs';
import { CliError } from './cli-error';

/** A key to sign with, as `keys create --json` prints it or as `demo-credentials.json` lists it. */
export interface Credential { name?: string; keyId: string; algorithm: 'ed25519' | 'hmac-sha256'; privateKey?: string; secret?: string }

/** Reads one credential from a file: a single object, or `{ credentials: [...] }` picked by `--as NAME`. */
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
  const list = (parsed as { credentials?: Credential[] }).credentials ?? [parsed as Credential];
  const credential = name ? list.find((c) => c.name === name) : list[0];
  if (!credential?.keyId || !(credential.privateKey || credential.secret)) {
    throw new CliError(`No usable credential${name ? ` named "${name}"` : ''} in ${path} (need keyId and privateKey or secret).`, 2);
  }
  return { ...credential, algorithm: credential.algorithm ?? (credential.secret ? 'hmac-sha256' : 'ed25519') };
}
