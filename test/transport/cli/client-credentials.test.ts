/**
 * Which key signs a client command and where it is sent, seen from a server that records what it
 * gets. `call` takes its key as the trading commands do (`--credentials`, else SIGNET_KEY_ID with
 * SIGNET_PRIVATE_KEY or SIGNET_SECRET, else unsigned) and sends to the endpoint they use (`--url`'s
 * path kept). A key variable the configuration refuses is a CONFIG_ERROR for a command that signs
 * with it, and nothing at all to `book`, which needs no key and reads none from the environment.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentKey } from '../../../src/client-config';
import { parseConfig } from '../../../src/config';
import { signet } from '../../helpers/cli';

/** What the server got: the path, and the key id that signed it (null: unsigned). */
interface Received { path: string; keyId: string | null }

/** Answers every request with data that fits each command's document (`me`, `orderBook`, `markets`). */
const ANSWER = JSON.stringify({ data: { me: { id: 'acct', balances: [] }, orderBook: { market: 'BTC-USD', sequence: 1, bids: [], asks: [] }, markets: [] } });

async function recordingServer(): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const keyId = /;keyid="([^"]+)"/.exec(String(req.headers['signature-input'] ?? ''))?.[1] ?? null;
      received.push({ path: req.url ?? '', keyId: req.headers.signature ? keyId : null });
      res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received, server };
}

const ED_KEY_ID = `key_${'e'.repeat(24)}`;
const HMAC_KEY_ID = `key_${'h'.repeat(24)}`;
const FILE_KEY_ID = `key_${'f'.repeat(24)}`;
const privateKey = generateKeyPairSync('ed25519').privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
const secret = randomBytes(32).toString('base64');

/** Key variables the configuration refuses, and the variable each problem names. */
const REFUSED: Array<[string, NodeJS.ProcessEnv, string]> = [
  ['a SIGNET_PRIVATE_KEY that is base64 but no key', { SIGNET_KEY_ID: ED_KEY_ID, SIGNET_PRIVATE_KEY: 'garbage' }, 'SIGNET_PRIVATE_KEY'],
  ['a SIGNET_PRIVATE_KEY that is not base64', { SIGNET_KEY_ID: ED_KEY_ID, SIGNET_PRIVATE_KEY: '%%%' }, 'SIGNET_PRIVATE_KEY'],
  ['an Ed25519 public key as SIGNET_PRIVATE_KEY', { SIGNET_KEY_ID: ED_KEY_ID, SIGNET_PRIVATE_KEY: generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64') }, 'SIGNET_PRIVATE_KEY'],
  ['a short SIGNET_SECRET', { SIGNET_KEY_ID: HMAC_KEY_ID, SIGNET_SECRET: randomBytes(8).toString('base64') }, 'SIGNET_SECRET'],
  ['a SIGNET_KEY_ID with spaces', { SIGNET_KEY_ID: 'key with spaces', SIGNET_SECRET: secret }, 'SIGNET_KEY_ID'],
  ['both SIGNET_PRIVATE_KEY and SIGNET_SECRET', { SIGNET_KEY_ID: ED_KEY_ID, SIGNET_PRIVATE_KEY: privateKey, SIGNET_SECRET: secret }, 'not both'],
];

describe('the key and the endpoint of the client commands', () => {
  let front: Awaited<ReturnType<typeof recordingServer>>;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    front = await recordingServer();
    dir = mkdtempSync(join(tmpdir(), 'signet-client-credentials-'));
    file = join(dir, 'creds.json');
    writeFileSync(file, JSON.stringify({ keyId: FILE_KEY_ID, algorithm: 'ed25519', privateKey }));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => front.server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    front.received.length = 0;
  });

  test('call is sent where balances is: --url\'s path kept (a proxy\'s prefix), /graphql when it has none', async () => {
    const signed = { SIGNET_KEY_ID: ED_KEY_ID, SIGNET_PRIVATE_KEY: privateKey };
    expect((await signet(signed, 'call', '--url', `${front.url}/prefix/graphql`, '--query', '{ me { id } }')).code).toBe(0);
    expect((await signet(signed, 'balances', '--url', `${front.url}/prefix/graphql`)).code).toBe(0);
    expect((await signet({ ...signed, SIGNET_URL: `${front.url}/env-prefix/graphql` }, 'call', '--query', '{ me { id } }')).code).toBe(0);
    expect((await signet(signed, 'call', '--url', front.url, '--query', '{ me { id } }')).code).toBe(0);
    expect(front.received.map((r) => r.path)).toEqual(['/prefix/graphql', '/prefix/graphql', '/env-prefix/graphql', '/graphql']);
    // The path signed is the path sent: every one of them was signed with the environment's key.
    expect(front.received.map((r) => r.keyId)).toEqual([ED_KEY_ID, ED_KEY_ID, ED_KEY_ID, ED_KEY_ID]);
  });

  test('call signs with SIGNET_KEY_ID and SIGNET_PRIVATE_KEY or SIGNET_SECRET when no --credentials is given; --credentials overrides them', async () => {
    const ed = await signet({ SIGNET_URL: front.url, SIGNET_KEY_ID: ED_KEY_ID, SIGNET_PRIVATE_KEY: privateKey }, 'call', '--query', '{ me { id } }');
    expect(ed).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(ed.stdout).data.me.id).toBe('acct');
    const hmac = await signet({ SIGNET_URL: front.url, SIGNET_KEY_ID: HMAC_KEY_ID, SIGNET_SECRET: secret }, 'call', '--query', '{ me { id } }');
    expect(hmac.code).toBe(0);
    const fromFile = await signet({ SIGNET_URL: front.url, SIGNET_KEY_ID: HMAC_KEY_ID, SIGNET_SECRET: secret }, 'call', '--credentials', file, '--query', '{ me { id } }');
    expect(fromFile.code).toBe(0);
    expect(front.received.map((r) => r.keyId)).toEqual([ED_KEY_ID, HMAC_KEY_ID, FILE_KEY_ID]);
  });

  test('call with no key anywhere sends the request unsigned (a public query); a key id without its key is a usage error that sends nothing', async () => {
    const unsigned = await signet({ SIGNET_URL: front.url }, 'call', '--query', '{ markets { symbol } }');
    expect(unsigned).toMatchObject({ code: 0, stderr: '' });
    expect(front.received).toEqual([{ path: '/graphql', keyId: null }]);
    const half = await signet({ SIGNET_URL: front.url, SIGNET_KEY_ID: ED_KEY_ID }, 'call', '--query', '{ me { id } }', '--json');
    expect(half.code).toBe(2);
    expect(JSON.parse(half.stdout).error).toEqual({ code: 'USAGE_ERROR', message: expect.stringContaining('SIGNET_PRIVATE_KEY') });
    expect(front.received).toHaveLength(1);
  });

  test('call checks a credential file\'s key as the trading commands do: bad material is a usage error and nothing is sent (CLI review: a crypto library\'s message, exit 1, or a short HMAC secret sent)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-call-key-'));
    try {
      const cases: Array<[string, Record<string, string>]> = [
        ['not a PKCS#8 key', { keyId: ED_KEY_ID, privateKey: Buffer.from('not a key at all').toString('base64') }],
        ['a 5-byte HMAC secret', { keyId: HMAC_KEY_ID, secret: randomBytes(5).toString('base64') }],
      ];
      for (const [name, credential] of cases) {
        const path = join(dir, `${name.replace(/\W+/g, '-')}.json`);
        writeFileSync(path, JSON.stringify(credential));
        const run = await signet({ SIGNET_URL: front.url }, 'call', '--credentials', path, '--query', 'mutation { cancelAllOrders { userErrors { code } } }', '--json');
        expect({ name, code: run.code }).toEqual({ name, code: 2 });
        expect(JSON.parse(run.stdout).error).toEqual({ code: 'USAGE_ERROR', message: expect.stringMatching(/^The credential's key cannot sign: /) });
        expect(run.stdout + run.stderr).not.toContain(credential.privateKey ?? credential.secret);
        expect(run.stdout + run.stderr).not.toMatch(/asn1|routines/);
      }
      expect(front.received).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a mutation sent by call to a host name that does not resolve was never sent: refused (exit 1), not "outcome unknown" (CLI review)', async () => {
    const run = await signet({ SIGNET_URL: 'http://no-such-host.invalid:4000', SIGNET_KEY_ID: ED_KEY_ID, SIGNET_PRIVATE_KEY: privateKey }, 'call', '--query', 'mutation { cancelAllOrders { userErrors { code } } }', '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'NETWORK_ERROR', outcome: 'refused' });
  });

  test.each(REFUSED)('%s is a CONFIG_ERROR (exit 2) for balances and call, naming the variable, never its value; nothing is sent', async (_name, env, named) => {
    for (const args of [['balances'], ['call', '--query', '{ me { id } }']]) {
      const run = await signet({ ...env, SIGNET_URL: front.url }, ...args, '--json');
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'CONFIG_ERROR', message: expect.stringContaining(named) } });
      expect(run.stderr).toMatch(/^signet: Invalid configuration:\n {2}- /);
      for (const value of Object.values(env)) if (value && value.length >= 5) expect(run.stdout + run.stderr).not.toContain(value);
    }
    expect(front.received).toEqual([]);
  });

  test('book reads no key from the environment: one the configuration refuses, or half of one, cannot stop it, and it is sent unsigned', async () => {
    for (const [, env] of REFUSED) expect(await signet({ ...env, SIGNET_URL: front.url }, 'book', 'BTC-USD')).toMatchObject({ code: 0, stderr: '' });
    expect((await signet({ SIGNET_URL: front.url, SIGNET_KEY_ID: ED_KEY_ID }, 'book', 'BTC-USD')).code).toBe(0);
    expect((await signet({ SIGNET_URL: front.url, SIGNET_KEY_ID: ED_KEY_ID, SIGNET_PRIVATE_KEY: privateKey }, 'book', 'BTC-USD')).code).toBe(0);
    expect(front.received.map((r) => r.keyId)).toEqual(Array(REFUSED.length + 2).fill(null));
    // Asked for by name, a key signs it (the limit is then the account's, not the address's).
    expect((await signet({ SIGNET_URL: front.url }, 'book', 'BTC-USD', '--credentials', file)).code).toBe(0);
    expect(front.received.at(-1)?.keyId).toBe(FILE_KEY_ID);
  });

  test('the configuration refuses none of the key variables at start-up (serve and the operator commands never read them); environmentKey names each bad one', () => {
    for (const [, env, named] of REFUSED) {
      const key = environmentKey(parseConfig(env).client);
      expect(key).toEqual({ kind: 'refused', problems: [expect.stringContaining(named)] });
      for (const value of Object.values(env)) if (value && value.length >= 5) expect(JSON.stringify(key)).not.toContain(value);
    }
    expect(environmentKey(parseConfig({}).client)).toEqual({ kind: 'none' });
    expect(environmentKey(parseConfig({ SIGNET_PRIVATE_KEY: privateKey }).client)).toEqual({ kind: 'incomplete' });
    expect(environmentKey(parseConfig({ SIGNET_KEY_ID: HMAC_KEY_ID, SIGNET_SECRET: secret }).client)).toEqual({ kind: 'key', keyId: HMAC_KEY_ID, algorithm: 'hmac-sha256', secret });
  });
});
