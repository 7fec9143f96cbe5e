import { randomUUID } from 'node:crypto';
import { DEFAULT_TIMEOUT_MS, SignetRequestError, createSignetClient, type SignetClient, type SignetResult, type SignetRetryInfo } from '@signet/sdk';
import { DEFAULT_CLIENT_URL, type ClientConfig } from '../../client-config';
import { credentialFor, type CredentialSource } from './credentials';
import { CliError, EXIT, describeGraphQLError, exitCodeFor, retryHint, type FieldProblem } from './cli-error';

/** Options every trading command takes. */
export interface ClientFlags {
  credentials?: string;
  as?: string;
  url?: string;
  json?: boolean;
  /** `--timeout <ms>`, as typed (see {@link timeoutOf}). */
  timeout?: string;
}

/** The help of `--timeout`, for every command that sends requests. */
export const TIMEOUT_FLAG_HELP = `milliseconds to wait for each attempt's answer, 0 for no limit (default ${DEFAULT_TIMEOUT_MS})`;

/** `--timeout <ms>`: a whole number of milliseconds, 0 for no limit; undefined when not given. */
export function timeoutOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new CliError(`--timeout must be a whole number of milliseconds, 0 for no limit (got "${value.slice(0, 32)}")`, EXIT.USAGE);
  return Number(value);
}

/**
 * The GraphQL endpoint of a client command: `--url`, else SIGNET_URL, else DEFAULT_CLIENT_URL; a
 * URL with no path gets `/graphql` (the SDK's rule, SignetClientOptions.url), any other path is
 * kept (a server behind a proxy's prefix). Every client command, `call` included, sends here.
 */
export function endpointFor(flags: Pick<ClientFlags, 'url'>, config: ClientConfig): URL {
  const given = flags.url ?? config.url ?? DEFAULT_CLIENT_URL;
  const url = URL.canParse(given) ? new URL(given) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new CliError(`--url must be an http:// or https:// URL, e.g. ${DEFAULT_CLIENT_URL} (got "${given.slice(0, 64)}")`, EXIT.USAGE);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/graphql';
  return url;
}

/**
 * The SDK client for a command: its endpoint ({@link endpointFor}) and the credential
 * {@link credentialFor} finds for `source`; unsigned when there is none.
 */
export function clientFor(flags: ClientFlags, config: ClientConfig, { credentials = 'required' }: { credentials?: CredentialSource } = {}): SignetClient {
  const timeoutMs = timeoutOf(flags.timeout);
  const common = { url: endpointFor(flags, config).href, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
  const credential = credentialFor(flags, config, credentials);
  if (!credential) return createSignetClient(common);
  return createSignetClient({ ...common, keyId: credential.keyId, alg: credential.algorithm, privateKey: credential.privateKey, secret: credential.secret });
}

/** Retry progress on stderr, only for a person watching a terminal (scripts read stdout and exit codes). */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): (info: SignetRetryInfo) => void {
  return (info) => {
    if (!stream.isTTY) return;
    stream.write(`… ${info.reason}: retrying in ${(info.delayMs / 1000).toFixed(1)} s (attempt ${info.attempt + 1} of ${info.maxAttempts})\n`);
  };
}

/** A mutation about to be sent: its idempotency key is chosen before sending, so every failure can name it. */
export interface KeyedMutation {
  readonly idempotencyKey: string;
  /** Given with `--idempotency-key`: this run may be the retry of an earlier one with the same key, which may have run. */
  readonly given?: boolean;
}

/**
 * The key of one mutation command: `--idempotency-key` when given, else a new UUID. Generated
 * here rather than in the SDK, because a key the SDK picks is lost with the error of a failed call.
 */
export function keyedMutation(given: string | undefined): KeyedMutation {
  return given === undefined ? { idempotencyKey: randomUUID() } : { idempotencyKey: given, given: true };
}

/**
 * A failure after which a mutation may have run: exit `exitCode` with the key to retry with. A read
 * changed nothing, so it is a plain failure (exit 1; 130 for Ctrl-C).
 */
function unknownOutcome(code: string, text: string, exitCode: number, keyed: KeyedMutation | undefined, fields: readonly FieldProblem[] = []): CliError {
  const refused = fields.length > 0 ? { fields } : {};
  if (!keyed) return new CliError(text, exitCode === EXIT.INTERRUPTED ? exitCode : EXIT.FAILED, { code, ...refused });
  return new CliError(`${text}\n${retryHint(keyed.idempotencyKey)}`, exitCode, { code, ...refused, outcome: 'unknown', idempotencyKey: keyed.idempotencyKey });
}

/** An answer without the payload it must carry (and no error saying why): for a mutation, what ran is unknown. */
export function missingPayload(what: string, keyed?: KeyedMutation): CliError {
  return unknownOutcome('BAD_RESPONSE', `BAD_RESPONSE: ${what}`, EXIT.OUTCOME_UNKNOWN, keyed);
}

const nameOf = (value: unknown): unknown => (value as { name?: unknown } | null | undefined)?.name;

/**
 * Ctrl-C as a CliError (exit 130, code ABORTED). `nothingRan` says when it came, if nothing can
 * have run then (`before anything was sent`): a mutation's outcome is "refused". Otherwise a
 * mutation's outcome is unknown and the message names the key to retry with; a read changed nothing.
 */
export function interrupted(keyed: KeyedMutation | undefined, nothingRan?: string): CliError {
  if (nothingRan !== undefined) {
    return new CliError(`ABORTED: interrupted ${nothingRan}`, EXIT.INTERRUPTED, { code: 'ABORTED', ...(keyed ? { outcome: 'refused' as const, idempotencyKey: keyed.idempotencyKey } : {}) });
  }
  return unknownOutcome('ABORTED', keyed ? 'ABORTED: interrupted; the call may still complete' : 'ABORTED: interrupted', EXIT.INTERRUPTED, keyed);
}

/**
 * What a rejected SDK call means to the user, as a CliError with a code and an exit code. With
 * no answer (`NETWORK_ERROR`, a timeout included, or `BAD_RESPONSE`) or after Ctrl-C, a mutation's
 * outcome is unknown: exit 3 (130 for Ctrl-C) and the message names the key to retry with, unless
 * the SDK proved nothing was sent (`outcome: 'not-sent'`).
 */
export function failureOf(error: unknown, keyed?: KeyedMutation): unknown {
  if (error instanceof SignetRequestError) {
    // The SDK proved no attempt left this machine (connection refused, name not resolved): nothing changed.
    if (error.outcome === 'not-sent') return new CliError(`${error.code}: ${error.message}`, EXIT.FAILED, { code: error.code, ...(keyed ? { outcome: 'refused' as const, idempotencyKey: keyed.idempotencyKey } : {}) });
    return unknownOutcome(error.code, `${error.code}: ${error.message}`, EXIT.OUTCOME_UNKNOWN, keyed);
  }
  // Duck-typed: an AbortError is a DOMException, which may come from another realm (a test runner's VM).
  if (nameOf(error) === 'AbortError') {
    // The SDK's SignetAbortError says whether an attempt had left: before the first send nothing can run.
    return interrupted(keyed, (error as { outcome?: unknown }).outcome === 'not-sent' ? 'before anything was sent' : undefined);
  }
  // The SDK's checks of the arguments (a malformed idempotency key, a bad URL): nothing was sent.
  if (error instanceof TypeError) return new CliError(error.message, EXIT.USAGE);
  return error;
}

/**
 * Runs `work` with a signal that Ctrl-C aborts, so a command can say what the interrupt left
 * ({@link interrupted}) instead of dying mid-call; SIGINT is listened for only while it runs.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once('SIGINT', onInterrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

/**
 * Runs one SDK call the way every command does: Ctrl-C cancels a retry wait, transport failures
 * and aborts become CLI errors with a code ({@link failureOf}); `keyed` names a mutation's key.
 */
export async function call<T>(work: (signal: AbortSignal) => Promise<SignetResult<T>>, keyed?: KeyedMutation): Promise<SignetResult<T>> {
  try {
    return await interruptible(work);
  } catch (error) {
    throw failureOf(error, keyed);
  }
}

/**
 * The data of a result, or a CliError listing each GraphQL error and user error as `CODE: message`
 * (security codes carry their reason, e.g. `UNAUTHENTICATED (SIGNATURE_EXPIRED)`; a refused argument
 * its field and why, also under `fields` for `--json`: {@link describeGraphQLError}). For a keyed
 * mutation the error says whether its outcome is unknown (exit 3, with the key: an error that leaves
 * it open, or a refusal of a retry after an attempt that may have run, `mayHaveRun`) or a refusal.
 */
export function unwrapResult<T>(result: SignetResult<T>, keyed?: KeyedMutation): T {
  const described = result.errors.map(describeGraphQLError);
  const lines = [...described.map((e) => e.line), ...result.userErrors.map((e) => `${e.code}: ${e.message}`)];
  const codes = [...described.map((e) => e.code), ...result.userErrors.map((e) => e.code)];
  const fields = described.flatMap((e) => e.fields);
  if (lines.length === 0 && result.data !== null) return result.data;
  // A GraphQL answer with neither data nor errors breaks the protocol: what ran is unknown.
  if (lines.length === 0) throw unknownOutcome('BAD_RESPONSE', `BAD_RESPONSE: HTTP ${result.status} with no data`, EXIT.OUTCOME_UNKNOWN, keyed);
  // An earlier attempt's answer was lost (or left it open) and this retry was refused before running
  // (a 429, say): that refusal says nothing about the first attempt, which may have run. The same
  // holds for a field limit's refusal of a run with a given key: an earlier run with that key may have
  // run (the server replays a completed key behind a spent limit, except when only its database still
  // knows the outcome), and the way to learn it is the same key again, after the wait.
  const refusedBeforeItsKey = keyed?.given === true && !result.replayed && codes.length > 0 && codes.every((code) => code === 'RATE_LIMITED');
  const exitCode = keyed !== undefined && (result.mayHaveRun || refusedBeforeItsKey) ? EXIT.OUTCOME_UNKNOWN : exitCodeFor(codes, { mutation: keyed !== undefined });
  if (exitCode === EXIT.OUTCOME_UNKNOWN) throw unknownOutcome(codes[0], lines.join('\n'), exitCode, keyed, fields);
  throw new CliError(lines.join('\n'), exitCode, { code: codes[0], ...(fields.length > 0 ? { fields } : {}), ...(keyed ? { outcome: 'refused' as const, idempotencyKey: keyed.idempotencyKey } : {}) });
}
