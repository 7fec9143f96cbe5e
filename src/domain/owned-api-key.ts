import { canonicalKeyId } from './ids';
import type { TradingRepository } from './ports';
import type { ApiKey } from './types';

/**
 * The account's API key that an `ID` argument names, revoked keys included; null when the text is
 * not a key id or names no key of the account. Another account's key is answered as an unknown
 * one, so a key id is not an oracle (revokeApiKey, cancelAllOrders' `apiKeyId`).
 */
export async function findOwnedApiKey(repo: Pick<TradingRepository, 'findApiKey'>, accountId: string, keyIdText: string): Promise<ApiKey | null> {
  const keyId = canonicalKeyId(keyIdText);
  const key = keyId === null ? null : await repo.findApiKey(keyId);
  return key !== null && key.accountId === accountId ? key : null;
}
