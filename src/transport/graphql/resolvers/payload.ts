import type { DomainResult } from '../../../domain';

/** Maps a domain result onto a mutation payload: the entity under `key`, or null plus user errors. */
export function payload<K extends string, T>(key: K, result: DomainResult<T>): { [P in K]: T | null } & { userErrors: Array<{ code: string; message: string; field: string[] | null }> } {
  const userErrors = result.ok ? [] : result.errors.map((e) => ({ code: e.code, message: e.message, field: e.field ? [...e.field] : null }));
  return { [key]: result.ok ? result.value : null, userErrors } as { [P in K]: T | null } & { userErrors: typeof userErrors };
}
