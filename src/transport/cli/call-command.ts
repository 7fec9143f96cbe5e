import type { Command } from 'commander';
import { Kind, parse } from 'graphql';
import { DEFAULT_TIMEOUT_MS, attemptSignal, importSigningKey, provesNotSent, redirectText, sendSigned, signRequestWebCrypto, type SendSignedOptions, type SignedAnswer } from '@signet/sdk';
import { DEFAULT_CLIENT_URL, type ClientConfig } from '../../client-config';
import { CliError, EXIT, describeGraphQLError, exitCodeFor, retryHint } from './cli-error';
import { credentialFor, type Credential } from './credentials';
import { TIMEOUT_FLAG_HELP, endpointFor, interruptible, interrupted, progressReporter, timeoutOf } from './trade-client';

/** True when the document holds a mutation (one that does not parse is refused before anything runs). */
function isMutation(query: string): boolean {
  try {
    return parse(query).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'mutation');
  } catch {
    return false;
  }
}

/** How to learn the outcome of a mutation sent with `call`: its key is the caller's, in a flag or in the document. */
function callRetryHint(idempotencyKey: string | undefined): string {
  return idempotencyKey !== undefined
    ? retryHint(idempotencyKey)
    : 'outcome unknown: it may have taken effect. Send it again with the same @idempotent(key:) to get its original outcome (it never runs twice); a mutation without a key may run again.';
}

/**
 * Ctrl-C during `call`, reported as the trading commands report it ({@link interrupted}). `inFlight`:
 * an attempt had left and its answer was not in, so a mutation's outcome is unknown; otherwise the
 * interrupt came before the first send or in a wait after a refusal that ran nothing: "refused". A
 * mutation without `--idempotency-key` still reports its outcome (its key, if any, is in the document).
 */
function interruptedCall(mutation: boolean, idempotencyKey: string | undefined, inFlight: boolean, sent: number): CliError {
  const keyed = mutation && idempotencyKey !== undefined ? { idempotencyKey } : undefined;
  const error = interrupted(keyed, inFlight ? undefined : sent === 0 ? 'before anything was sent' : 'while waiting to retry: nothing ran');
  if (!mutation || keyed) return error;
  return inFlight
    ? new CliError(`${error.message}\n${callRetryHint(undefined)}`, error.exitCode, { ...error.details, outcome: 'unknown' })
    : new CliError(error.message, error.exitCode, { ...error.details, outcome: 'refused' });
}

/**
 * The credential's key, imported and checked as the SDK checks it for the trading commands (an
 * Ed25519 PKCS#8 key, an HMAC secret of at least 32 bytes): bad material is a usage error (exit 2)
 * before anything is sent, never a crypto library's message nor a request the server must refuse.
 */
async function signingKeyOf(credential: Credential): Promise<Awaited<ReturnType<typeof importSigningKey>>> {
  try {
    return await importSigningKey(credential.algorithm === 'hmac-sha256'
      ? { alg: 'hmac-sha256', secret: credential.secret ?? '' }
      : { alg: 'ed25519', privateKey: credential.privateKey ?? '' });
  } catch (error) {
    throw new CliError(`The credential's key cannot sign: ${error instanceof Error ? error.message : String(error)}`, EXIT.USAGE);
  }
}

/** How much of an answer that is not JSON `call --json` shows on stderr (a proxy's error page can be long). */
const NON_JSON_ANSWER_SHOWN = 2_000;

/** The start of an answer that is not JSON, as one block of lines, saying how much was left out. */
function shownText(text: string): string {
  const shown = text.length <= NON_JSON_ANSWER_SHOWN ? text : `${text.slice(0, NON_JSON_ANSWER_SHOWN)}… (${text.length - NON_JSON_ANSWER_SHOWN} more characters)`;
  return shown.endsWith('\n') ? shown : `${shown}\n`;
}

/**
 * The failure an answer reports, or undefined for a clean one: GraphQL `errors`, any root
 * payload's `userErrors` (a refusal like any other), or a non-2xx status. Exit codes as for the
 * trading commands: 3 when a mutation ran or may have (a root payload without userErrors beside
 * the errors, an unexpected error, a 5xx or an answer that is not GraphQL), else 2 when every
 * code refuses an argument's form, else 1. `notRun`: the answer is a whole-request refusal that
 * says nothing ran (503 REPLAY_PROTECTION_RECOVERING or SHUTTING_DOWN, its retries spent), a
 * definite refusal whatever its code. A mutation's definite refusal says `outcome: "refused"`.
 */
export function refusalOf(status: number, text: string, mutation: boolean, idempotencyKey?: string, { notRun = false, headers }: { notRun?: boolean; headers?: Headers } = {}): CliError | undefined {
  let answer: { data?: unknown; errors?: unknown } | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) answer = parsed;
  } catch {
    answer = undefined;
  }
  const described = (Array.isArray(answer?.errors) ? (answer.errors as unknown[]) : []).map(describeGraphQLError);
  const lines = described.map((e) => e.line);
  const codes = described.map((e) => e.code);
  const fields = described.flatMap((e) => e.fields);
  const roots = typeof answer?.data === 'object' && answer.data !== null ? Object.values(answer.data) : [];
  for (const payload of roots) {
    const userErrors = (payload as { userErrors?: unknown } | null)?.userErrors;
    for (const e of Array.isArray(userErrors) ? (userErrors as Array<{ code?: unknown; message?: unknown }>) : []) {
      const code = typeof e?.code === 'string' ? e.code : 'ERROR';
      codes.push(code);
      lines.push(`${code}${e?.message === undefined ? '' : `: ${String(e.message)}`}`);
    }
  }
  const ok = status >= 200 && status < 300;
  if (lines.length === 0 && ok && answer) return undefined;
  // `--json` prints the server's answer inside the error object: one document on stdout, with the refused arguments beside the code.
  const shown = { ...(fields.length > 0 ? { fields } : {}), ...(answer ? { response: answer } : {}) };
  const refused = mutation ? { outcome: 'refused' as const, idempotencyKey } : {};
  if (notRun) return new CliError(`${lines.join('\n')}\nnothing ran: the server kept refusing it; send it again later`, EXIT.FAILED, { code: codes[0], ...refused, ...shown });
  // A root mutation whose payload came back without userErrors ran, whatever failed beside it or
  // below it (a nested field's error, another root field's refusal): never "nothing changed".
  const ran = roots.some((payload) => typeof payload === 'object' && payload !== null
    && !(Array.isArray((payload as { userErrors?: unknown }).userErrors) && ((payload as { userErrors: unknown[] }).userErrors).length > 0));
  const unknown = mutation && (ran || exitCodeFor(codes, { mutation }) === EXIT.OUTCOME_UNKNOWN || (lines.length === 0 && (ok || status >= 500)));
  if (unknown) {
    const summary = lines.length > 0 ? lines.join('\n') : `BAD_RESPONSE: HTTP ${status}${answer ? '' : ', not a GraphQL response'}`;
    return new CliError(`${summary}\n${callRetryHint(idempotencyKey)}`, EXIT.OUTCOME_UNKNOWN, { code: codes[0] ?? 'BAD_RESPONSE', outcome: 'unknown', idempotencyKey, ...shown });
  }
  const redirect = headers ? redirectText({ status, headers }) : undefined;
  if (lines.length === 0) return new CliError(`HTTP ${status}${redirect ? `: ${redirect} (--url)` : answer ? '' : ': not a GraphQL response'}`, EXIT.FAILED, { code: 'BAD_RESPONSE', ...refused, ...shown });
  return new CliError(lines.join('\n'), exitCodeFor(codes), { code: codes[0], ...refused, ...shown });
}

/** What `call` waits with between attempts; tests run it on a virtual clock (see CliDeps). */
export type CallTiming = Pick<SendSignedOptions, 'clock' | 'sleep' | 'random'>;

/**
 * `signet call`: sends one GraphQL request to the endpoint the other client commands use, signed per
 * the RFC 9421 profile with the key they would use (`--credentials`, else the environment's; unsigned
 * when neither names one, for the public queries), and prints the JSON answer. A refusal that ran
 * nothing (a restarted server's replay protection, a server shutting down) is signed again and
 * re-sent after the wait it asks for, as the SDK does (`sendSigned`).
 */
export function registerCallCommand(program: Command, client: ClientConfig, timing: CallTiming = {}): void {
  program.command('call').description('Send a GraphQL request, signed (RFC 9421) with your key as the other client commands are (unsigned without one: public queries), and print the response.')
    .option('--credentials <file>', 'JSON with keyId and privateKey (ed25519) or secret (hmac-sha256); demo-credentials.json works. Default: SIGNET_KEY_ID + SIGNET_PRIVATE_KEY / SIGNET_SECRET, else unsigned (public queries)')
    .option('--as <name>', 'which credential of a file that lists several (e.g. alice)')
    .requiredOption('--query <graphql>', 'the GraphQL document')
    .option('--variables <json>', 'variables as JSON', '{}')
    .option('--url <url>', `server URL, /graphql when it has no path; its host:port is the signed @authority (default: SIGNET_URL, else ${DEFAULT_CLIENT_URL})`)
    .option('--idempotency-key <key>', 'send this Idempotency-Key (covered by the signature); reuse it to retry a mutation safely')
    .option('--timeout <ms>', TIMEOUT_FLAG_HELP)
    .option('--json', 'stdout holds one JSON document: the answer, or on failure the error object with the answer in "response" (an answer that is not JSON goes to stderr)')
    .action(async (opts: { credentials?: string; as?: string; query: string; variables: string; url?: string; idempotencyKey?: string; timeout?: string; json?: boolean }) => {
      const timeoutMs = timeoutOf(opts.timeout) ?? DEFAULT_TIMEOUT_MS;
      const credential = credentialFor(opts, client, 'optional');
      let variables: unknown;
      try {
        variables = JSON.parse(opts.variables);
      } catch {
        throw new CliError('--variables must be JSON', 2);
      }
      const url = endpointFor(opts, client);
      const body = JSON.stringify({ query: opts.query, variables });
      // A quoted sf-string, as the Idempotency-Key draft specifies; the server checks the key itself.
      const keyed: Record<string, string> = opts.idempotencyKey === undefined ? {} : { 'idempotency-key': JSON.stringify(opts.idempotencyKey) };
      const signingKey = credential ? await signingKeyOf(credential) : undefined;
      // Where a Ctrl-C finds the call: an attempt whose answer is not in yet, or between attempts.
      let inFlight = false;
      let sent = 0;
      // Whether the last attempt ran out of time (its timer covers the answer's body too).
      let timedOut = () => false;
      const report = progressReporter();
      /** One attempt: signed afresh (new nonce, `created` on the server's clock) when there is a key, then sent under `signal`. */
      const attempt = (signal: AbortSignal) => async (created: number) => {
        let signature: Record<string, string> | undefined;
        try {
          signature = credential && signingKey ? (await signRequestWebCrypto({
            method: 'POST', url, body, keyId: credential.keyId, alg: credential.algorithm, key: signingKey, headers: keyed, created,
          })).headers : undefined;
        } catch (error) {
          // A value the signer refuses (a key id it cannot carry): not a network failure, and nothing was sent.
          throw new CliError(error instanceof Error ? error.message : String(error), EXIT.USAGE);
        }
        // In flight until its body is read too (sendSigned reads it next): only a wait announced by onRetry ends it.
        inFlight = true;
        sent += 1;
        const limited = attemptSignal(signal, timeoutMs);
        timedOut = limited.timedOut;
        // A redirect is never followed: it would hand the signed request (a fresh nonce, for this
        // target) to whatever the redirect names, which could replay it here or answer for us.
        // 'manual': a redirect is an answer to report (where it points), not a failure to retry.
        return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...keyed, ...signature }, body, signal: limited.signal, redirect: 'manual' });
      };
      const mutation = isMutation(opts.query);
      let answer: SignedAnswer;
      try {
        answer = await interruptible(async (signal) => {
          try {
            return await sendSigned(attempt(signal), {
              ...timing,
              signal,
              onRetry: (info) => {
                // The last answer said nothing ran: until the next attempt leaves, nothing is in flight.
                inFlight = false;
                report(info);
              },
            });
          } catch (error) {
            if (signal.aborted) throw interruptedCall(mutation, opts.idempotencyKey, inFlight, sent);
            throw error;
          }
        });
      } catch (error) {
        if (error instanceof CliError) throw error;
        // Node's fetch says "fetch failed" and keeps the reason (ECONNREFUSED, DNS, reset) in its cause.
        const { message, cause } = (error ?? {}) as { message?: unknown; cause?: { message?: unknown; code?: unknown } };
        const failure = timedOut()
          ? `no answer from ${url.origin} within ${timeoutMs} ms (--timeout)`
          : `cannot reach ${url.origin}: ${String(cause?.message ?? message ?? error)}`;
        // A refused connection or an unresolved name carried nothing (the SDK's rule); any other failure may have lost the answer to a mutation that ran.
        if (!mutation || provesNotSent(error)) {
          throw new CliError(failure, EXIT.FAILED, { code: 'NETWORK_ERROR', ...(mutation ? { outcome: 'refused' as const, idempotencyKey: opts.idempotencyKey } : {}) });
        }
        throw new CliError(`${failure}\n${callRetryHint(opts.idempotencyKey)}`, EXIT.OUTCOME_UNKNOWN, { code: 'NETWORK_ERROR', outcome: 'unknown', idempotencyKey: opts.idempotencyKey });
      }
      const refusal = refusalOf(answer.status, answer.text, mutation, opts.idempotencyKey, { notRun: answer.notRun, headers: answer.headers });
      // With --json a failure's one document is the error object, which holds the answer. One that is
      // not JSON (a proxy's HTML error page) cannot go there: it is shown on stderr, cut short.
      if (!(opts.json && refusal)) process.stdout.write(answer.text.endsWith('\n') ? answer.text : `${answer.text}\n`);
      else if (refusal.details.response === undefined && answer.text !== '') process.stderr.write(shownText(answer.text));
      if (refusal) throw refusal;
    });
}
