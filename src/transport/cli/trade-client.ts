import { SignetRequestError, createSignetClient, type SignetClient, type SignetResult, type SignetRetryInfo } from '@signet/sdk';
import { DEFAULT_CLIENT_URL, type ClientConfig } from '../../client-config';
import { readCredential } from './call-command';
import { CliError, exitCodeFor } from './cli-error';

/** Options every trading command takes. */
export interface ClientFlags {
  credentials?: string;
  as?: string;
  url?: string;
  json?: boolean;
}

/**
 * The SDK client for a command: credentials from `--credentials file [--as NAME]`, else from
 * SIGNET_KEY_ID with SIGNET_PRIVATE_KEY or SIGNET_SECRET (parsed into the config by main.ts).
 * `credentials: 'optional'` (public market data) sends unsigned requests when none are given.
 */
export function clientFor(flags: ClientFlags, config: ClientConfig, { credentials = 'required' }: { credentials?: 'required' | 'optional' } = {}): SignetClient {
  const url = flags.url ?? config.url ?? DEFAULT_CLIENT_URL;
  if (flags.credentials) {
    const credential = readCredential(flags.credentials, flags.as);
    return createSignetClient({ url, keyId: credential.keyId, alg: credential.algorithm, privateKey: credential.privateKey, secret: credential.secret });
  }
  if (!config.keyId || !(config.privateKey || config.secret)) {
    if (credentials === 'optional' && !config.keyId && !config.privateKey && !config.secret) return createSignetClient({ url });
    throw new CliError('No credentials: pass --credentials FILE [--as NAME] (e.g. .signet/demo-credentials.json --as alice), or set SIGNET_KEY_ID with SIGNET_PRIVATE_KEY or SIGNET_SECRET.', 2);
  }
  return config.privateKey
    ? createSignetClient({ url, keyId: config.keyId, alg: 'ed25519', privateKey: config.privateKey })
    : createSignetClient({ url, keyId: config.keyId, alg: 'hmac-sha256', secret: config.secret as string });
}

/** Retry progress on stderr, only for a person watching a terminal (scripts read stdout and exit codes). */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): (info: SignetRetryInfo) => void {
  return (info) => {
    if (!stream.isTTY) return;
    stream.write(`… ${info.reason}: retrying in ${(info.delayMs / 1000).toFixed(1)} s (attempt ${info.attempt + 1} of ${info.maxAttempts})\n`);
  };
}

/**
 * Runs one SDK call the way every command does: Ctrl-C cancels a retry wait, transport failures
 * and aborts become CLI errors with a code.
 */
export async function call<T>(work: (signal: AbortSignal) => Promise<SignetResult<T>>): Promise<SignetResult<T>> {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once('SIGINT', onInterrupt);
  try {
    return await work(controller.signal);
  } catch (error) {
    if (error instanceof SignetRequestError) throw new CliError(`${error.code}: ${error.message}`);
    if (error instanceof Error && error.name === 'AbortError') throw new CliError('ABORTED: interrupted; an in-flight mutation may still complete (retry with the same --idempotency-key to find out)', 130);
    if (error instanceof TypeError) throw new CliError(error.message, 2);
    throw error;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

/**
 * The data of a result, or a CliError listing each GraphQL error and user error as `CODE: message`
 * (security codes carry their reason, e.g. `UNAUTHENTICATED (SIGNATURE_EXPIRED)`).
 */
export function unwrapResult<T>(result: SignetResult<T>): T {
  const lines = [
    ...result.errors.map((e) => {
      const code = e.extensions?.code ?? 'ERROR';
      return `${e.extensions?.reason ? `${code} (${e.extensions.reason})` : code}: ${e.message}`;
    }),
    ...result.userErrors.map((e) => `${e.code}: ${e.message}`),
  ];
  const codes = [...result.errors.map((e) => String(e.extensions?.code ?? 'ERROR')), ...result.userErrors.map((e) => e.code)];
  if (lines.length > 0 || result.data === null) throw new CliError(lines.length > 0 ? lines.join('\n') : `HTTP ${result.status}: no data`, exitCodeFor(codes));
  return result.data;
}
