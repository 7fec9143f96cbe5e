/**
 * Every log line about a request names it the way Fastify's own line for it does (`reqId`), and
 * its client the way that line's `req` does (`remoteAddress`), so one query finds every line of a
 * request, or of a client. The request's last line names the verified key, its account and the
 * operation it ran: the request log alone answers "which key did what, from where".
 */
import { captureLogger } from '../../helpers/logger';
import { memoryStores, openSigningAccount, signedRequest, startSignet, type RunningSignet, type SigningAccount } from '../../helpers/signet-server';

const PLACE = 'mutation Place { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) { order { id } } }';

describe('log lines name a request and its client with one field each', () => {
  let account: SigningAccount;
  let server: RunningSignet;
  const log = captureLogger('debug');
  beforeAll(async () => {
    account = await openSigningAccount({ USD: '1000' }, 'log-fields');
    server = await startSignet(account.services, memoryStores(), { logger: log.logger, directives: { logger: log.logger } });
  });
  afterAll(async () => {
    await server?.close();
    await account?.db.close();
  });

  test('lines about a request use reqId and remoteAddress, as the access line does', async () => {
    // An order, then its idempotent replay: the directive's line.
    const placed = await signedRequest(server, account.key, { query: PLACE }, { headers: { 'idempotency-key': 'log-fields-1' } });
    expect(placed.json.data.placeOrder.order.id).toEqual(expect.any(String));
    const replay = await signedRequest(server, account.key, { query: PLACE }, { headers: { 'idempotency-key': 'log-fields-1' } });
    expect(replay.json.extensions?.idempotentReplay?.placeOrder).toBe(true);
    // A signature that does not verify (the signature check's line), and a replayed nonce (the admission's).
    expect((await signedRequest(server, account.key, { query: '{ me { id } }' }, { sign: { body: '{}' } })).status).toBe(401);
    const first = await signedRequest(server, account.key, { query: '{ me { id } }' });
    const again = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...first.signed.headers }, body: JSON.stringify({ query: '{ me { id } }' }) });
    expect(again.status).toBe(401);
    // A failing key store (a refused connection, as Node raises it): the 503's line.
    const spy = jest.spyOn(account.services.apiKeys, 'loadVerificationMaterial').mockRejectedValueOnce(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect((await signedRequest(server, account.key, { query: '{ me { id } }' })).status).toBe(503);
    spy.mockRestore();

    const lines = log.lines();
    const access = new Map(lines.filter((l) => l.msg === 'request completed').map((l) => [l.reqId as string, l]));
    // Lines that name a request (by either field) or report an event; not the start-up lines.
    const events = lines.filter((l) => l.msg !== 'request completed' && l.msg !== 'incoming request' && ('reqId' in l || 'requestId' in l || 'event' in l));
    for (const event of ['idempotent_replay', 'signature_rejected', 'dependency_error']) expect(events.map((l) => l.event)).toContain(event);
    expect(events.filter((l) => l.event === 'signature_rejected').map((l) => l.reason).sort()).toEqual(['DIGEST_MISMATCH', 'NONCE_REUSED']);
    for (const line of events) {
      expect(line).not.toHaveProperty('requestId');
      expect(line).not.toHaveProperty('ip');
      // Every line about a request names one the access log has.
      expect([line.msg, line.reqId, access.has(line.reqId as string)]).toEqual([line.msg, line.reqId, true]);
      const address = (access.get(line.reqId as string)?.req as { remoteAddress?: string }).remoteAddress;
      if ('remoteAddress' in line || line.event === 'signature_rejected') expect(line.remoteAddress).toBe(address);
    }
  });

  test('the access line of a signed request names its key, account and operation', async () => {
    const placed = await signedRequest(server, account.key, { query: PLACE }, { headers: { 'idempotency-key': 'log-fields-2' } });
    const reqId = placed.headers.get('x-request-id');
    const line = log.lines().find((l) => l.msg === 'request completed' && l.reqId === reqId);
    expect(line).toMatchObject({ keyId: account.key.keyId, accountId: account.accountId, operation: { type: 'mutation', name: 'Place', fields: ['placeOrder'] } });
    expect(JSON.stringify(line)).not.toContain('log-fields-2');
  });
});
