import { AsyncLocalStorage } from 'node:async_hooks';

/** What every layer of one HTTP request may need without threading it through arguments. */
/** What a request ran, for its access line: the operation's type, its name (cut short: the client's text) and root fields (schema names). */
export interface OperationSummary {
  readonly type: string;
  readonly name?: string;
  readonly fields: readonly string[];
}

export interface RequestScope {
  readonly requestId: string;
  /** Told the operation once GraphQL resolved it (the HTTP layer puts it on the request's access line). */
  readonly onOperation?: (operation: OperationSummary) => void;
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

/** Tells the current request's scope which operation it runs (nothing outside a request). */
export function noteOperation(operation: OperationSummary): void {
  requestScope.getStore()?.onOperation?.(operation);
}
