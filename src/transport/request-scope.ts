import { AsyncLocalStorage } from 'node:async_hooks';

/** What every layer of one HTTP request may need without threading it through arguments. */
export interface RequestScope { readonly requestId: string }

/** Holds the current request's scope for the duration of its handling (Apollo's formatError has no context). */
export const requestScope = new AsyncLocalStorage<RequestScope>();

/** The current request id, or undefined outside a request. */
export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}
