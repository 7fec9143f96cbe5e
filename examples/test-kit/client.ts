/**
 * A bare GraphQL-over-HTTP client for the example tests: POSTs exact bytes (so a captured request
 * can be re-sent as is) and signs them when given a key.
 */
import { signatureHeaders, type SigningKey } from './sign';

/** A GraphQL request as the tests send it. */
export interface Operation {
  readonly query: string;
  readonly variables?: Readonly<Record<string, unknown>>;
}

/** The bytes of one request: what a client sends and what an attacker who captured it can re-send. */
export interface WireRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What came back. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // The tests read whatever the operation selected.
  readonly json: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
}

/** The request for `operation`, signed with `key` when one is given. */
export function buildRequest(url: string, operation: Operation, options: { key?: SigningKey; idempotencyKey?: string } = {}): WireRequest {
  const body = JSON.stringify(operation);
  const extra: Record<string, string> = options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey };
  const signed = options.key === undefined ? {} : signatureHeaders(url, body, options.key, extra);
  return { url, body, headers: { 'content-type': 'application/json', ...extra, ...signed } };
}

/** Sends the exact bytes of `request`. */
export async function send(request: WireRequest): Promise<Answer> {
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  return { status: response.status, headers: response.headers, json: await response.json() as Answer['json'] };
}

/** The first error's `extensions.code`, if any. */
export function errorCode(answer: Answer): string | undefined {
  return answer.json.errors?.[0]?.extensions?.code as string | undefined;
}
