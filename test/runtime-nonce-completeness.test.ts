/**
 * Clock review (M2): without Redis the nonce store is in memory and starts empty with every
 * process, complete only since its start. Read from the clock alone, a clock set back across a
 * restart made it complete since before requests the previous process admitted: their captured
 * bytes, fresh again on the clock set back, ran a second time. The start now reads the latest key
 * use the database recorded, and the store is complete only since then when that is later.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { MAX_KEY_USE_AHEAD_MS, openRuntime, type Runtime } from '../src/runtime';
import { captureLogger, silentLogger } from './helpers/logger';

describe('the memory nonce store at start-up', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-nonces-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));
  const open = (logger = silentLogger) => openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir }), logger);

  /** A key whose last use the previous process recorded `aheadMs` after this process's clock. */
  async function keyUsedAhead(runtime: Runtime, aheadMs: number): Promise<{ keyId: string; usedAtMs: number }> {
    const account = await runtime.services.accounts.createAccount('clock');
    if (!account.ok) throw new Error('no account');
    const key = await runtime.services.apiKeys.createApiKey(account.value.id, { label: 'bot', scopes: ['TRADE'], algorithm: 'ed25519' });
    if (!key.ok) throw new Error('no key');
    const usedAtMs = Date.now() + aheadMs;
    await runtime.services.uow.repo.touchApiKeys(new Map([[key.value.apiKey.id, new Date(usedAtMs)]]));
    return { keyId: key.value.apiKey.id, usedAtMs };
  }

  test('after a clock set back across a restart, a signature that could have been used before it is unproven, not claimed', async () => {
    let runtime = await open();
    // The previous process admitted a request at its clock, 60 s ahead of the clock this start reads.
    const { keyId, usedAtMs } = await keyUsedAhead(runtime, 60_000);
    await runtime.close();
    runtime = await open();
    try {
      // The captured signature, created when it was used: on the clock set back it is fresh again.
      const claim = await runtime.security.nonces.claim(keyId, 'captured-nonce-0001', { ttlMs: 35_000, notBeforeMs: usedAtMs - 5_000, createdMs: usedAtMs });
      expect(claim).toEqual({ status: 'unproven', completeSinceMs: usedAtMs + 1 });
    } finally {
      await runtime.close();
    }
  });

  test('with every recorded use behind the clock, the store is complete since the start, as before', async () => {
    let runtime = await open();
    const { keyId } = await keyUsedAhead(runtime, -60_000);
    await runtime.close();
    const startedAt = Date.now();
    runtime = await open();
    try {
      const created = Date.now() + 6_000;
      expect((await runtime.security.nonces.claim(keyId, 'new-nonce-00000001', { ttlMs: 35_000, notBeforeMs: created - 5_000, createdMs: created })).status).toBe('claimed');
      const earlier = await runtime.security.nonces.claim(keyId, 'old-nonce-00000001', { ttlMs: 35_000, notBeforeMs: startedAt - 1_000, createdMs: startedAt + 4_000 });
      expect(earlier.status).toBe('unproven');
    } finally {
      await runtime.close();
    }
  });

  test('a use recorded far ahead (a clock that was wrong by a day) is not waited for: the start names the keys to revoke and serves', async () => {
    let runtime = await open();
    const { keyId } = await keyUsedAhead(runtime, 86_400_000);
    // The clock put right, later uses do not lower the record (GREATEST).
    await runtime.services.uow.repo.touchApiKeys(new Map([[keyId, new Date()]]));
    await runtime.close();
    const { logger, lines } = captureLogger('warn');
    runtime = await open(logger);
    try {
      const created = Date.now() + 6_000;
      expect((await runtime.security.nonces.claim(keyId, 'fresh-nonce-0000001', { ttlMs: 35_000, notBeforeMs: created - 5_000, createdMs: created })).status).toBe('claimed');
      expect(lines()).toContainEqual(expect.objectContaining({ level: 50, keysUsedAhead: [keyId] }));
    } finally {
      await runtime.close();
    }
  });

  test('a use recorded up to the bound ahead is waited for', async () => {
    let runtime = await open();
    const { keyId, usedAtMs } = await keyUsedAhead(runtime, MAX_KEY_USE_AHEAD_MS - 60_000);
    await runtime.close();
    runtime = await open();
    try {
      const claim = await runtime.security.nonces.claim(keyId, 'captured-nonce-0002', { ttlMs: 35_000, notBeforeMs: usedAtMs - 5_000, createdMs: usedAtMs });
      expect(claim).toEqual({ status: 'unproven', completeSinceMs: usedAtMs + 1 });
    } finally {
      await runtime.close();
    }
  });
});
