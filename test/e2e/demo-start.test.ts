import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { main } from '../../src/main';
import { signRequest } from '@signet/http-message-signatures';
import { nodeCrypto } from '@signet/http-message-signatures/node';
import { spawnSignet, type SignetProcess } from '../helpers/processes';

describe('npm start on a fresh machine (embedded default)', () => {
  let dataDir: string;
  let server: SignetProcess;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-demo-'));
    server = await spawnSignet({ SIGNET_DATA_DIR: dataDir });
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('serves /graphql with no other service and says it is single-instance', async () => {
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ markets { symbol } }' }) });
    expect((await res.json()).data.markets).toHaveLength(2);
    expect(server.output()).toMatch(/single instance/);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  test('the printed demo credentials (also saved with mode 0600) sign a me query that returns alice\'s balances', async () => {
    const file = join(dataDir, 'demo-credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { credentials } = JSON.parse(readFileSync(file, 'utf8')) as { credentials: Array<{ name: string; keyId: string; privateKey: string; accountId: string }> };
    const alice = credentials.find((c) => c.name === 'alice')!;
    expect(server.output()).toContain(alice.privateKey);
    expect(server.output()).toMatch(/"demoSeed":true,"reason":"new embedded database and SIGNET_DEMO_SEED on"/);
    const body = JSON.stringify({ query: '{ me { id name balances { asset available } } }' });
    const signed = signRequest(nodeCrypto, {
      method: 'POST', authority: new URL(server.url).host, path: '/graphql', body, keyId: alice.keyId, algorithm: 'ed25519',
      privateKey: createPrivateKey({ key: Buffer.from(alice.privateKey, 'base64'), format: 'der', type: 'pkcs8' }),
    });
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...signed.headers }, body });
    const json = await res.json();
    expect(json.errors).toBeUndefined();
    expect(json.data.me).toMatchObject({ id: alice.accountId, name: 'alice' });
    expect(json.data.me.balances).toEqual(expect.arrayContaining([{ asset: 'USD', available: '100000' }, { asset: 'BTC', available: '10' }]));
  });

  test('signet call signs a request with the demo credentials file', async () => {
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
    try {
      const file = join(dataDir, 'demo-credentials.json');
      const code = await main(['node', 'signet', 'call', '--credentials', file, '--as', 'bob', '--url', server.url, '--query', '{ me { name } }'], {});
      expect(code).toBe(0);
      expect(JSON.parse(out.join(''))).toEqual({ data: { me: { name: 'bob' } } });
    } finally {
      write.mockRestore();
    }
  });

  test('signet call --idempotency-key sends a covered key: the same call twice places one order', async () => {
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
    try {
      const file = join(dataDir, 'demo-credentials.json');
      const place = 'mutation { placeOrder(input: { market: "BTC-USD", side: BUY, price: "100", quantity: "0.01" }) { order { id } userErrors { code } } }';
      const args = ['node', 'signet', 'call', '--credentials', file, '--as', 'bob', '--url', server.url, '--query', place, '--idempotency-key', 'cli-call-1'];
      expect(await main(args, {})).toBe(0);
      expect(await main(args, {})).toBe(0);
      const [first, second] = out.join('').trim().split('\n').map((line) => JSON.parse(line));
      expect(first.errors).toBeUndefined();
      expect(first.data.placeOrder.order.id).toEqual(expect.any(String));
      expect(second.data).toEqual(first.data);
      expect(second.extensions.idempotentReplay).toEqual({ placeOrder: true });
    } finally {
      write.mockRestore();
    }
  });

  test('SIGTERM shuts down gracefully and releases the data directory', async () => {
    expect(await server.stop()).toBe(0);
    expect(server.output()).toMatch(/"msg":"stopped"/);
    expect(() => statSync(join(dataDir, 'signet.lock'))).toThrow();
    // A second start reuses the database and does not seed or print credentials again.
    const again = await spawnSignet({ SIGNET_DATA_DIR: dataDir });
    try {
      expect(again.output()).not.toMatch(/Demo accounts created/);
      expect(again.output()).toMatch(/"demoSeed":false,"reason":"the embedded database already existed"/);
    } finally {
      await again.stop();
    }
  }, 60_000);
});
