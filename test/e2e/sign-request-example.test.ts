import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DomainServices } from '../../src/domain';
import { freePort } from '../helpers/ports';
import { openEmbeddedSignet, type EmbeddedSignet, type RunningSignet } from '../helpers/signet-server';

const run = promisify(execFile);
const SCRIPT = join(__dirname, '..', '..', 'examples', 'sign-request.js');
/** A run that must fail: its exit code and output (execFile rejects with them). */
const runFailing = (env: NodeJS.ProcessEnv) =>
  run(process.execPath, [SCRIPT], { env }).then(() => { throw new Error('expected the script to fail'); }, (error: { code: number; stdout: string; stderr: string }) => error);

describe('the README signing script (examples/sign-request.js)', () => {
  let fixture: EmbeddedSignet;
  let services: DomainServices;
  let server: RunningSignet;
  let accountId: string;
  beforeAll(async () => {
    fixture = await openEmbeddedSignet({ USD: '42' }, 'script');
    ({ services, server, accountId } = fixture);
  });
  afterAll(async () => fixture?.close());

  test.each(['ed25519', 'hmac-sha256'] as const)('signs a me query with an %s key using only node:crypto', async (algorithm) => {
    const created = await services.apiKeys.createApiKey(accountId, { label: 'script', scopes: ['READ'], algorithm });
    if (!created.ok) throw new Error('key creation failed');
    const env = {
      PATH: process.env.PATH ?? '', SIGNET_URL: server.url, SIGNET_KEY_ID: created.value.apiKey.id,
      ...(created.value.privateKey ? { SIGNET_PRIVATE_KEY: created.value.privateKey } : { SIGNET_SECRET: created.value.secret as string }),
    };
    const { stdout } = await run(process.execPath, [SCRIPT, '{ me { id balances { asset available } } }'], { env });
    const [status, ...rest] = stdout.trim().split(' ');
    expect(status).toBe('200');
    const json = JSON.parse(rest.join(' '));
    expect(json.data.me.id).toBe(accountId);
    expect(json.data.me.balances).toContainEqual({ asset: 'USD', available: '42' });
  });

  test('without a key it prints its usage and exits 2; an unreachable server is named, not a stack trace', async () => {
    const missing = await runFailing({ PATH: process.env.PATH ?? '', SIGNET_URL: server.url });
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/^usage: SIGNET_KEY_ID=key_… SIGNET_PRIVATE_KEY=/);
    const port = await freePort();
    const env = { PATH: process.env.PATH ?? '', SIGNET_URL: `http://127.0.0.1:${port}`, SIGNET_KEY_ID: 'key_000000000000000000000000', SIGNET_SECRET: Buffer.alloc(32).toString('base64') };
    const down = await runFailing(env);
    expect(down).toMatchObject({ code: 1, stdout: '', stderr: `sign-request: connect ECONNREFUSED 127.0.0.1:${port}\n` });
  });

  test('a refusal is printed and exits 1: a 400 for a document that does not validate, a 200 with FORBIDDEN', async () => {
    const created = await services.apiKeys.createApiKey(accountId, { label: 'script-read', scopes: ['READ'], algorithm: 'ed25519' });
    if (!created.ok) throw new Error('key creation failed');
    const env = { PATH: process.env.PATH ?? '', SIGNET_URL: server.url, SIGNET_KEY_ID: created.value.apiKey.id, SIGNET_PRIVATE_KEY: created.value.privateKey as string };
    const invalid = await run(process.execPath, [SCRIPT, '{ me { nope } }'], { env }).then(() => { throw new Error('expected the script to fail'); }, (error: { code: number; stdout: string }) => error);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/^400 .*GRAPHQL_VALIDATION_FAILED/);
    const forbidden = await run(process.execPath, [SCRIPT, 'mutation { cancelAllOrders { orders { id } } }'], { env }).then(() => { throw new Error('expected the script to fail'); }, (error: { code: number; stdout: string }) => error);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stdout).toMatch(/^200 .*"FORBIDDEN"/);
  });

  test('places a keyed order with SIGNET_IDEMPOTENCY_KEY, covered by the signature; the same key again replays', async () => {
    const created = await services.apiKeys.createApiKey(accountId, { label: 'script-trade', scopes: ['TRADE'], algorithm: 'ed25519' });
    if (!created.ok) throw new Error('key creation failed');
    const env = {
      PATH: process.env.PATH ?? '', SIGNET_URL: server.url, SIGNET_KEY_ID: created.value.apiKey.id,
      SIGNET_PRIVATE_KEY: created.value.privateKey as string, SIGNET_IDEMPOTENCY_KEY: 'script-order-1',
    };
    const place = 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) { order { id } userErrors { code } } }';
    const answers = [];
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run(process.execPath, [SCRIPT, place], { env });
      const [status, ...rest] = stdout.trim().split(' ');
      expect(status).toBe('200');
      answers.push(JSON.parse(rest.join(' ')));
    }
    expect(answers[0].errors).toBeUndefined();
    expect(answers[1].data).toEqual(answers[0].data);
    expect((await services.orders.listOrders(accountId, { limit: 10 })).items).toHaveLength(1);
  });
});
