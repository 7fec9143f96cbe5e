import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { DEFAULT_CLIENT_URL, type ClientConfig } from '../../client-config';
import { CliError } from './cli-error';

/** A key to sign with, as `keys create --json` prints it or as `demo-credentials.json` lists it. */
interface Credential { name?: string; keyId: string; algorithm: 'ed25519' | 'hmac-sha256'; privateKey?: string; secret?: string }

/** Reads one credential from a file: a single object, or `{ credentials: [...] }` picked by `--as NAME`. */
export function readCredential(path: string, name?: string): Credential {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`Cannot read credentials from ${path}: ${(error as Error).message}`, 2);
  }
  const list = (parsed as { credentials?: Credential[] }).credentials ?? [parsed as Credential];
  const credential = name ? list.find((c) => c.name === name) : list[0];
  if (!credential?.keyId || !(credential.privateKey || credential.secret)) {
    throw new CliError(`No usable credential${name ? ` named "${name}"` : ''} in ${path} (need keyId and privateKey or secret).`, 2);
  }
  return { ...credential, algorithm: credential.algorithm ?? (credential.secret ? 'hmac-sha256' : 'ed25519') };
}

/** `signet call`: sends one GraphQL request signed per the RFC 9421 profile and prints the JSON answer. */
export function registerCallCommand(program: Command, client: ClientConfig): void {
  program.command('call').description('Send a signed GraphQL request (RFC 9421) and print the response.')
    .requiredOption('--credentials <file>', 'JSON with keyId and privateKey (ed25519) or secret (hmac-sha256); demo-credentials.json works')
    .option('--as <name>', 'which credential of a file that lists several (e.g. alice)')
    .requiredOption('--query <graphql>', 'the GraphQL document')
    .option('--variables <json>', 'variables as JSON', '{}')
    .option('--url <url>', `server URL; its host:port is the signed @authority (default: SIGNET_URL, else ${DEFAULT_CLIENT_URL})`)
    .option('--idempotency-key <key>', 'send this Idempotency-Key (covered by the signature); reuse it to retry a mutation safely')
    .action(async (opts: { credentials: string; as?: string; query: string; variables: string; url?: string; idempotencyKey?: string }) => {
      const credential = readCredential(opts.credentials, opts.as);
      let variables: unknown;
      try {
        variables = JSON.parse(opts.variables);
      } catch {
        throw new CliError('--variables must be JSON', 2);
      }
      const url = new URL('/graphql', opts.url ?? client.url ?? DEFAULT_CLIENT_URL);
      const body = JSON.stringify({ query: opts.query, variables });
      // A quoted sf-string, as the Idempotency-Key draft specifies; the server checks the key itself.
      const keyed: Record<string, string> = opts.idempotencyKey === undefined ? {} : { 'idempotency-key': JSON.stringify(opts.idempotencyKey) };
      const signed = signRequest(nodeCrypto, {
        method: 'POST', authority: url.host, path: url.pathname, body, keyId: credential.keyId, algorithm: credential.algorithm,
        privateKey: credential.privateKey ? createPrivateKey({ key: Buffer.from(credential.privateKey, 'base64'), format: 'der', type: 'pkcs8' }) : undefined,
        secret: credential.secret ? Buffer.from(credential.secret, 'base64') : undefined,
        headers: keyed,
      });
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...keyed, ...signed.headers }, body });
      } catch (error) {
        // Node's fetch says "fetch failed" and keeps the reason (ECONNREFUSED, DNS, reset) in its cause.
        const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { message?: unknown } };
        throw new CliError(`cannot reach ${url.origin}: ${String(cause?.message ?? message ?? error)}`, 1);
      }
      const text = await response.text();
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      if (!response.ok) throw new CliError(`HTTP ${response.status}`, 1);
    });
}
