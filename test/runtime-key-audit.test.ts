/**
 * Backup review: a database restored from a backup forgets the revocations made since it was
 * taken, and nothing outside it said which keys those were. Each key created or revoked is now
 * logged once it committed (never its material), the record a restore does not take back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { openRuntime } from '../src/runtime';
import { captureLogger } from './helpers/logger';
import { requestScope } from '../src/transport/request-scope';

jest.setTimeout(60_000);

test('a key created and a key revoked are logged with their ids, once committed; a refused or rolled-back change and the key material are not', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'signet-audit-'));
  const { logger, lines, text } = captureLogger('info');
  const runtime = await openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir }), logger);
  try {
    const account = await runtime.services.accounts.createAccount('audit');
    if (!account.ok) throw new Error('no account');
    const accountId = account.value.id;
    const created = await runtime.services.apiKeys.createApiKey(accountId, { label: 'bot', scopes: ['TRADE', 'READ'], algorithm: 'hmac-sha256' });
    if (!created.ok) throw new Error('no key');
    const keyId = created.value.apiKey.id;
    const minted = await runtime.services.apiKeys.createApiKey(accountId, { label: 'minted', scopes: ['READ'], algorithm: 'ed25519' }, ['READ'], keyId);
    if (!minted.ok) throw new Error('no key');
    expect((await runtime.services.apiKeys.revokeApiKey(accountId, minted.value.apiKey.id, keyId)).ok).toBe(true);
    expect((await runtime.services.apiKeys.revokeApiKey(accountId, minted.value.apiKey.id, keyId)).ok).toBe(false); // already revoked
    // Inside an enclosing transaction that then rolls back (as an @idempotent call's does when its
    // record cannot be saved): nothing committed, nothing is logged.
    const rolledBack = new Error('the enclosing transaction rolls back');
    await expect(runtime.services.uow.transaction(async () => {
      expect((await runtime.services.apiKeys.createApiKey(accountId, { label: 'never', scopes: ['READ'], algorithm: 'ed25519' })).ok).toBe(true);
      expect((await runtime.services.apiKeys.revokeApiKey(accountId, keyId)).ok).toBe(true);
      throw rolledBack;
    })).rejects.toBe(rolledBack);
    expect(await runtime.services.apiKeys.listApiKeys(accountId)).toHaveLength(2);
    const events = lines().filter((line) => typeof line.event === 'string' && String(line.event).startsWith('api_key_'));
    expect(events.map(({ event, keyId: id, accountId: owner, scopes, by }) => ({ event, id, owner, scopes, by }))).toEqual([
      { event: 'api_key_created', id: keyId, owner: accountId, scopes: ['READ', 'TRADE'], by: null },
      { event: 'api_key_created', id: minted.value.apiKey.id, owner: accountId, scopes: ['READ'], by: keyId },
      { event: 'api_key_revoked', id: minted.value.apiKey.id, owner: accountId, scopes: undefined, by: keyId },
    ]);
    // Made while serving a request, the line names that request (reqId, as its access line does), so
    // an incident can tie a key to the address and key that made it.
    await requestScope.run({ requestId: 'req-audit-1' }, () => runtime.services.apiKeys.revokeApiKey(accountId, keyId));
    expect(lines().filter((line) => line.event === 'api_key_revoked' && line.keyId === keyId).map((line) => line.reqId)).toEqual(['req-audit-1']);
    expect(events.every((line) => line.reqId === undefined)).toBe(true);
    expect(text()).not.toContain(created.value.secret as string);
    expect(text()).not.toContain(minted.value.privateKey as string);
  } finally {
    await runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
