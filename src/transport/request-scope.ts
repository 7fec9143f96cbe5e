import { AsyncLocalStorage } from 'node:async_hooks';

/** What every layer of one HTTP request may need without threading it through arguments. */
export interface RequestScope {
  readonly requestId: string;
  /** The codes of the errors the request's answer carries, appended as GraphQL formats each (counted by the HTTP layer once sent). */
  readonly errorCodes?: string[];
}

/** Holds the current request's scope for the duration of its handling (Apollo's formatError has no context). */
export const requestScope = new AsyncLocalStorage<RequestScope>();

/** The current request id, or undefined outside a request. */
export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}

/** Notes the code of an error the current request's answer carries; outside a request (or without a list) nothing. */
export function noteErrorCode(code: string): void {
  requestScope.getStore()?.errorCodes?.push(code);
}
