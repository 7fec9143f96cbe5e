import type { Logger } from 'pino';
import type { DomainServices } from '../../domain';

/**
 * Start-up check of stored Ed25519 keys: each active key whose public key would be refused today
 * (small order: it would accept a forged R = identity, S = 0 signature for any message) is logged
 * at warn, by key id and problem only, never key material. Such keys already never authenticate
 * (the key service answers for them as for unknown keys); the line tells the operator to revoke
 * them. Returns how many were found.
 */
export async function warnAboutWeakKeys(services: DomainServices, logger: Logger): Promise<number> {
  const weak = await services.apiKeys.findWeakKeys();
  for (const { keyId, problem } of weak) {
    logger.warn({ event: 'weak_api_key', keyId, problem }, `API key ${keyId} has a weak Ed25519 public key (${problem}): it is refused on every request; revoke it (signet keys revoke ${keyId})`);
  }
  return weak.length;
}
