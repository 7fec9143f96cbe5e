/**
 * A stale signature or an Idempotency-Key the signature does not cover is the client's own
 * mistake, decided before any crypto and free to make with made-up key ids: logged at info, not
 * warn (it is still counted in signet_signature_checks_total). A guess at a signature stays a
 * warning: the failed-signature guard bounds those per source.
 */
import { captureLogger } from '../../helpers/logger';
import { memoryStores, openSigningAccount, signedRequest, startSignet, type RunningSignet, type SigningAccount } from '../../helpers/signet-server';

const ME = { query: '{ me { id } }' };

describe('signature refusals for client mistakes are logged at info', () => {
  let account: SigningAccount;
  let server: RunningSignet;
  const log = captureLogger('debug');
  beforeAll(async () => {
    account = await openSigningAccount({ USD: '10' }, 'client-mistake-logs');
    server = await startSignet(account.services, memoryStores(), { logger: log.logger });
  });
  afterAll(async () => {
    await server?.close();
    await account?.db.close();
  });

  const rejection = (reason: string) => log.lines().filter((l) => l.event === 'signature_rejected' && l.reason === reason);
  const counted = async (reason: string) => (await server.metrics.signatureChecks.get()).values.find((v) => v.labels.outcome === reason)?.value;

  test('a signature created too long ago is logged at info, and counted', async () => {
    const answer = await signedRequest(server, account.key, ME, { sign: { created: Math.floor(Date.now() / 1000) - 600 } });
    expect(answer.json.errors[0].extensions.reason).toBe('SIGNATURE_EXPIRED');
    expect(rejection('SIGNATURE_EXPIRED').map((l) => l.level)).toEqual([30]);
    expect(await counted('SIGNATURE_EXPIRED')).toBe(1);
  });

  test('an Idempotency-Key the signature does not cover is logged at info, and counted', async () => {
    const answer = await signedRequest(server, account.key, ME, { headers: { 'idempotency-key': 'uncovered-1' }, sign: { headers: {} } });
    expect(answer.json.errors[0].extensions.reason).toBe('IDEMPOTENCY_KEY_NOT_COVERED');
    expect(rejection('IDEMPOTENCY_KEY_NOT_COVERED').map((l) => l.level)).toEqual([30]);
    expect(await counted('IDEMPOTENCY_KEY_NOT_COVERED')).toBe(1);
  });

  test('a signature that does not verify is still a warning', async () => {
    const answer = await signedRequest(server, account.key, ME, { body: JSON.stringify(ME), sign: { body: JSON.stringify({ query: '{ serverTime }' }) } });
    expect(answer.status).toBe(401);
    const { reason } = answer.json.errors[0].extensions;
    expect(['DIGEST_MISMATCH', 'SIGNATURE_INVALID']).toContain(reason);
    expect(rejection(reason).map((l) => l.level)).toEqual([40]);
  });
});
