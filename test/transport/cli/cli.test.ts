import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config';
import { createLogger, openRuntime, type Runtime } from '../../../src/runtime';
import { seedDemo, type DemoCredential } from '../../../src/transport/cli/demo-seed';
import { signet, type CliRun } from '../../helpers/cli';

/** What one `signet …` invocation printed and returned. */

/** Parses a successful `--json` run; fails with what the CLI said otherwise. */
function json(run: CliRun): Record<string, any> {
  if (run.code !== 0) throw new Error(`signet exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** True when any file of the PGlite data holds `needle` byte for byte. */
function pgdataContains(dataDir: string, needle: Buffer): boolean {
  return filesUnder(join(dataDir, 'pgdata')).some((file) => readFileSync(file).includes(needle));
}

const mode = (path: string) => statSync(path).mode & 0o777;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIMEOUT = 60_000;

describe('signet CLI on an embedded data directory', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let carolId: string;
  const openOn = (): Promise<Runtime> => openRuntime(parseConfig(env), createLogger('silent'));
  /** Runs `work` on a runtime over the CLI's database, closed after it whatever happens. */
  const withRuntime = async (work: (runtime: Runtime) => Promise<void>): Promise<void> => {
    const runtime = await openOn();
    try {
      await work(runtime);
    } finally {
      await runtime.close();
    }
  };

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-cli-'));
    env = { SIGNET_DATA_DIR: dataDir };
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  describe('accounts', () => {
    test('accounts create opens a funded account and prints it as JSON', async () => {
      const run = await signet(env, 'accounts', 'create', '--name', 'carol', '--deposit', 'USD:1000,BTC:1', '--json');
      const account = json(run);
      expect(account).toEqual({ id: expect.stringMatching(UUID), name: 'carol', balances: { USD: '1000', BTC: '1', ETH: '0' } });
      expect(run.stderr).toBe('');
      carolId = account.id;
    }, TIMEOUT);

    test('the generated master.key is readable by its owner only (0600)', () => {
      expect(mode(join(dataDir, 'master.key'))).toBe(0o600);
      expect(Buffer.from(readFileSync(join(dataDir, 'master.key'), 'utf8').trim(), 'base64')).toHaveLength(32);
    });

    test('a second account with a taken name fails with ACCOUNT_NAME_TAKEN (with --json, as a JSON error on stdout)', async () => {
      const run = await signet(env, 'accounts', 'create', '--name', 'carol', '--json');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('ACCOUNT_NAME_TAKEN');
      expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'ACCOUNT_NAME_TAKEN', message: expect.stringMatching(/^ACCOUNT_NAME_TAKEN: /) } });
    }, TIMEOUT);

    test('accounts deposit funds an account found by name, and says that without --reference a repeat credits again', async () => {
      const run = await signet(env, 'accounts', 'deposit', '--account', 'carol', '--asset', 'USD', '--amount', '250.50', '--json');
      expect(json(run)).toEqual({
        status: 'posted', journalId: expect.stringMatching(UUID), account: carolId, asset: 'USD', amount: '250.5', reference: null,
        createdAt: expect.any(String), available: '1250.5', held: '0',
      });
      expect(run.stderr).toContain('This deposit has no --reference: running the command again would credit the account again.');
    }, TIMEOUT);

    test('accounts deposit funds an account found by id (asset in any case)', async () => {
      const run = await signet(env, 'accounts', 'deposit', '--account', carolId, '--asset', 'btc', '--amount', '0.5', '--json');
      expect(json(run)).toMatchObject({ status: 'posted', account: carolId, asset: 'BTC', amount: '0.5', available: '1.5', held: '0' });
    }, TIMEOUT);

    test('accounts deposit --reference run twice credits once: the second run reports the original deposit as replayed', async () => {
      const first = json(await signet(env, 'accounts', 'deposit', '--account', 'carol', '--asset', 'ETH', '--amount', '2', '--reference', 'wire-2026-0001', '--json'));
      expect(first).toEqual({
        status: 'posted', journalId: expect.stringMatching(UUID), account: carolId, asset: 'ETH', amount: '2', reference: 'wire-2026-0001',
        createdAt: expect.any(String), available: '2', held: '0',
      });
      const again = await signet(env, 'accounts', 'deposit', '--account', carolId, '--asset', 'eth', '--amount', '2.0', '--reference', 'wire-2026-0001', '--json');
      expect(json(again)).toEqual({ ...first, status: 'replayed' });
      expect(again.stderr).toContain(`Reference wire-2026-0001 was already posted at ${first.createdAt}: nothing was credited again.`);
      const people = await signet(env, 'accounts', 'deposit', '--account', 'carol', '--asset', 'ETH', '--amount', '2', '--reference', 'wire-2026-0001');
      expect(people.code).toBe(0);
      expect(people.stdout).toMatch(/^status +replayed$/m);
      await withRuntime(async (runtime) => {
        expect((await runtime.services.accounts.listBalances(carolId)).find((b) => b.asset === 'ETH')).toEqual({ asset: 'ETH', available: '2', held: '0' });
        expect(await runtime.services.uow.repo.reconcile()).toMatchObject({ balanceMismatches: [], unbalancedAssets: [], depositMismatches: [], volumeMismatches: [] });
      });
    }, TIMEOUT);

    test('accounts find-deposit shows the deposit posted with a reference; none posted is exit 1, a malformed reference exit 2', async () => {
      const found = await signet(env, 'accounts', 'find-deposit', '--reference', 'wire-2026-0001', '--json');
      expect(json(found)).toEqual({
        journalId: expect.stringMatching(UUID), account: carolId, asset: 'ETH', amount: '2', reference: 'wire-2026-0001', createdAt: expect.any(String),
      });
      const missing = await signet(env, 'accounts', 'find-deposit', '--reference', 'wire-2026-0002');
      expect({ code: missing.code, stdout: missing.stdout }).toEqual({ code: 1, stdout: '' });
      expect(missing.stderr).toContain('No deposit with reference wire-2026-0002 was posted. Running the deposit with --reference wire-2026-0002 posts it once.');
      const malformed = await signet(env, 'accounts', 'find-deposit', '--reference', 'wire 1', '--json');
      expect(malformed.code).toBe(2);
      expect(JSON.parse(malformed.stdout)).toEqual({ error: { code: 'INVALID_REFERENCE', message: expect.stringContaining('no deposit can have this reference') } });
    }, TIMEOUT);

    test('a reference already posted with another amount is refused (exit 1, DEPOSIT_REFERENCE_MISMATCH naming the original) and credits nothing', async () => {
      const run = await signet(env, 'accounts', 'deposit', '--account', 'carol', '--asset', 'ETH', '--amount', '20', '--reference', 'wire-2026-0001', '--json');
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'DEPOSIT_REFERENCE_MISMATCH', message: expect.stringContaining('was already posted as deposit') } });
      expect(run.stderr).toContain('2 ETH to account');
      await withRuntime(async (runtime) => {
        expect((await runtime.services.accounts.listBalances(carolId)).find((b) => b.asset === 'ETH')).toEqual({ asset: 'ETH', available: '2', held: '0' });
      });
    }, TIMEOUT);

    test('a malformed --reference is a bad argument: exit 2 with INVALID_REFERENCE, nothing posted', async () => {
      const run = await signet(env, 'accounts', 'deposit', '--account', 'carol', '--asset', 'USD', '--amount', '1', '--reference', 'wire 7');
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('INVALID_REFERENCE: A reference is 1-128 ASCII letters') });
      const long = await signet(env, 'accounts', 'deposit', '--account', 'carol', '--asset', 'USD', '--amount', '1', '--reference', 'w'.repeat(129));
      expect({ code: long.code, stderr: long.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('INVALID_REFERENCE') });
      await withRuntime(async (runtime) => {
        expect((await runtime.services.accounts.listBalances(carolId)).find((b) => b.asset === 'USD')).toEqual({ asset: 'USD', available: '1250.5', held: '0' });
      });
    }, TIMEOUT);

    test('a deposit to an unknown account names the account it could not find', async () => {
      const run = await signet(env, 'accounts', 'deposit', '--account', 'nobody', '--asset', 'USD', '--amount', '1');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('No account with id or name "nobody"');
    }, TIMEOUT);

    test('a malformed --deposit exits 2 with the expected syntax, before creating the account', async () => {
      const run = await signet(env, 'accounts', 'create', '--name', 'mallory', '--deposit', 'USD=1000');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--deposit takes ASSET:AMOUNT pairs separated by commas, e.g. USD:1000,BTC:1 (got "USD=1000")');
      expect(run.stdout).toBe('');
      await withRuntime(async (runtime) => {
        expect(await runtime.services.accounts.findAccountByName('mallory')).toBeNull();
      });
    }, TIMEOUT);

    test('a --deposit with an unknown asset is a bad argument (exit 2, UNKNOWN_ASSET, as transfer --asset DOGE is) and creates nothing', async () => {
      const run = await signet(env, 'accounts', 'create', '--name', 'dave', '--deposit', 'USD:1000,DOGE:1', '--json');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('UNKNOWN_ASSET');
      expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'UNKNOWN_ASSET', message: expect.stringContaining('Unknown asset') } });
      await withRuntime(async (runtime) => {
        expect(await runtime.services.accounts.findAccountByName('dave')).toBeNull();
      });
    }, TIMEOUT);
  });

  describe('keys', () => {
    let ed25519: Record<string, any>;
    let hmac: Record<string, any>;

    test('keys create prints an Ed25519 key id and its private key once', async () => {
      const run = await signet(env, 'keys', 'create', '--account', 'carol', '--scopes', 'read,trade', '--json');
      ed25519 = json(run);
      expect(ed25519).toEqual({
        keyId: expect.stringMatching(/^key_[0-9a-f]{24}$/), accountId: carolId, algorithm: 'ed25519', scopes: ['READ', 'TRADE'],
        privateKey: expect.any(String),
      });
      const key = createPrivateKey({ key: Buffer.from(ed25519.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
      expect(key.asymmetricKeyType).toBe('ed25519');
    }, TIMEOUT);

    test('keys create --alg hmac-sha256 prints a 32-byte secret and no private key', async () => {
      const run = await signet(env, 'keys', 'create', '--account', carolId, '--scopes', 'read', '--alg', 'hmac-sha256', '--json');
      hmac = json(run);
      expect(hmac).toEqual({ keyId: expect.stringMatching(/^key_/), accountId: carolId, algorithm: 'hmac-sha256', scopes: ['READ'], secret: expect.any(String) });
      expect(Buffer.from(hmac.secret, 'base64')).toHaveLength(32);
    }, TIMEOUT);

    test('without --json the key is printed for people, with a warning that it is shown once', async () => {
      const run = await signet(env, 'keys', 'create', '--account', 'carol', '--scopes', 'read');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^keyId +key_[0-9a-f]{24}$/m);
      expect(run.stdout).toMatch(/^privateKey +\S+$/m);
      expect(run.stderr).toContain('it is not shown again');
    }, TIMEOUT);

    test('keys create --out writes the credential to a new file only its owner can read, usable with --credentials, and prints no key (CLI review: `--json > file` left it 0644)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'signet-keys-out-'));
      try {
        const file = join(dir, 'carol.json');
        const run = await signet(env, 'keys', 'create', '--account', 'carol', '--scopes', 'read', '--out', file, '--json');
        expect(run.code).toBe(0);
        const printed = json(run);
        expect(printed).toEqual({ keyId: expect.stringMatching(/^key_[0-9a-f]{24}$/), accountId: carolId, algorithm: 'ed25519', scopes: ['READ'], credentials: file });
        expect(mode(file)).toBe(0o600);
        const written = JSON.parse(readFileSync(file, 'utf8'));
        expect(written).toEqual({ name: 'carol', keyId: printed.keyId, accountId: carolId, algorithm: 'ed25519', scopes: ['READ'], privateKey: expect.any(String) });
        expect(run.stdout + run.stderr).not.toContain(written.privateKey);
        // Never overwritten, and then no key is created.
        const again = await signet(env, 'keys', 'create', '--account', 'carol', '--scopes', 'read', '--out', file, '--json');
        expect(again.code).toBe(2);
        expect(JSON.parse(again.stdout).error.message).toContain('the file exists already');
        expect(JSON.parse(readFileSync(file, 'utf8')).keyId).toBe(printed.keyId);
        // A refused creation leaves no empty file behind.
        const refused = await signet(env, 'keys', 'create', '--account', 'nobody-such', '--scopes', 'read', '--out', join(dir, 'none.json'));
        expect(refused.code).not.toBe(0);
        expect(existsSync(join(dir, 'none.json'))).toBe(false);
        await withRuntime(async (runtime) => {
          const listed = await runtime.services.apiKeys.listApiKeys(carolId);
          expect(listed.filter((k) => k.id === printed.keyId)).toHaveLength(1);
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, TIMEOUT);

    test('the database keeps the public key and an encrypted secret, never the private key or the plain secret', async () => {
      const privateDer = Buffer.from(ed25519.privateKey, 'base64');
      const secret = Buffer.from(hmac.secret, 'base64');
      await withRuntime(async (runtime) => {
        const rows = await runtime.driver.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = ANY($1::text[]) ORDER BY algorithm', [[ed25519.keyId, hmac.keyId]]);
        expect(rows).toHaveLength(2);
        const [edRow, hmacRow] = rows;
        const publicKey = createPublicKey(createPrivateKey({ key: privateDer, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }).toString('base64');
        expect(edRow).toMatchObject({ id: ed25519.keyId, algorithm: 'ed25519', public_key: publicKey, secret_ciphertext: null });
        expect(hmacRow).toMatchObject({ id: hmac.keyId, algorithm: 'hmac-sha256', public_key: null, secret_ciphertext: expect.any(String) });
        const stored = JSON.stringify(rows);
        expect(stored).not.toContain(ed25519.privateKey);
        expect(stored).not.toContain(hmac.secret);
        // The secret still opens with master.key in a later process.
        const material = await runtime.services.apiKeys.loadVerificationMaterial(hmac.keyId);
        expect(material?.secret?.equals(secret)).toBe(true);
      });
      // Nor anywhere on disk: the private key's 32-byte seed ends its PKCS#8 DER encoding.
      expect(pgdataContains(dataDir, Buffer.from(ed25519.keyId))).toBe(true);
      expect(pgdataContains(dataDir, Buffer.from(ed25519.privateKey))).toBe(false);
      expect(pgdataContains(dataDir, privateDer.subarray(-32))).toBe(false);
      expect(pgdataContains(dataDir, Buffer.from(hmac.secret))).toBe(false);
      expect(pgdataContains(dataDir, secret)).toBe(false);
    }, TIMEOUT);

    test('keys create with an unknown scope exits 2 and names it', async () => {
      const run = await signet(env, 'keys', 'create', '--account', 'carol', '--scopes', 'read,fly');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--scopes takes a comma list of read, trade, transfer, manage_keys (unknown: FLY)');
    });

    test('keys create with an unknown algorithm exits 2', async () => {
      const run = await signet(env, 'keys', 'create', '--account', 'carol', '--scopes', 'read', '--alg', 'rsa');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--alg must be ed25519 or hmac-sha256');
    });

    test('keys revoke revokes a key; revoking it again fails with API_KEY_ALREADY_REVOKED', async () => {
      const before = Date.now();
      const revoked = json(await signet(env, 'keys', 'revoke', ed25519.keyId, '--json'));
      expect(revoked).toEqual({ keyId: ed25519.keyId, revokedAt: expect.any(String) });
      expect(Date.parse(revoked.revokedAt)).toBeGreaterThanOrEqual(before - 1000);

      const again = await signet(env, 'keys', 'revoke', ed25519.keyId);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('API_KEY_ALREADY_REVOKED');
    }, TIMEOUT);

    test('keys revoke of an unknown key says so', async () => {
      const run = await signet(env, 'keys', 'revoke', 'key_000000000000000000000000');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('No API key "key_000000000000000000000000"');
    }, TIMEOUT);

    test('keys list shows an account\'s keys (revoked ones with the time), the Ed25519 public key, and never a private key or secret', async () => {
      const listed = JSON.parse((await signet(env, 'keys', 'list', '--account', 'carol', '--json')).stdout) as Array<Record<string, unknown>>;
      expect(listed.map((k) => k.keyId)).toEqual(expect.arrayContaining([ed25519.keyId, hmac.keyId]));
      const revokedKey = listed.find((k) => k.keyId === ed25519.keyId);
      expect(revokedKey).toEqual({
        keyId: ed25519.keyId, accountId: carolId, algorithm: 'ed25519', scopes: ['READ', 'TRADE'], label: 'cli',
        publicKey: expect.any(String), createdAt: expect.any(String), lastUsedAt: null, revokedAt: expect.any(String),
        // Made and revoked by the operator's commands: no key did either.
        createdByApiKeyId: null, revokedByApiKeyId: null,
      });
      const publicKey = createPublicKey(createPrivateKey({ key: Buffer.from(ed25519.privateKey, 'base64'), format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' }).toString('base64');
      expect(revokedKey?.publicKey).toBe(publicKey);
      expect(listed.find((k) => k.keyId === hmac.keyId)).toMatchObject({ algorithm: 'hmac-sha256', publicKey: null, revokedAt: null });
      const text = JSON.stringify(listed);
      expect(text).not.toContain(ed25519.privateKey);
      expect(text).not.toContain(hmac.secret);
      expect(text).not.toMatch(/secret/i);

      const people = await signet(env, 'keys', 'list', '--account', carolId);
      expect(people.code).toBe(0);
      expect(people.stdout).toMatch(new RegExp(`^keyId +${hmac.keyId}$`, 'm'));
      expect(people.stdout).not.toContain(hmac.secret);
    }, TIMEOUT);

    test('keys list of an unknown account says so', async () => {
      const run = await signet(env, 'keys', 'list', '--account', 'nobody');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('No account with id or name "nobody"');
    }, TIMEOUT);

    test('a value the domain refuses for its form (amount, asset, name, label) is a bad argument: exit 2 with its code', async () => {
      const amount = await signet(env, 'accounts', 'deposit', '--account', 'carol', '--asset', 'USD', '--amount', '1e5');
      expect({ code: amount.code, stderr: amount.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('INVALID_AMOUNT') });
      const asset = await signet(env, 'accounts', 'deposit', '--account', 'carol', '--asset', 'DOGE', '--amount', '1');
      expect({ code: asset.code, stderr: asset.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/^signet: UNKNOWN_ASSET: /) });
      const name = await signet(env, 'accounts', 'create', '--name', 'bad/name');
      expect({ code: name.code, stderr: name.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('INVALID_NAME') });
      const label = await signet(env, 'keys', 'create', '--account', 'carol', '--scopes', 'read', '--label', '');
      expect({ code: label.code, stderr: label.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('INVALID_LABEL') });
    }, TIMEOUT);
  });

  describe('usage and environment errors', () => {
    test('an unknown command exits 2 with usage on stderr', async () => {
      const run = await signet(env, 'frobnicate');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("unknown command 'frobnicate'");
      expect(run.stderr).toContain('Usage: signet');
      expect(run.stdout).toBe('');
    });

    test('a configuration the environment gets wrong exits 2; with --json, as a CONFIG_ERROR on stdout (nothing was printed there)', async () => {
      const run = await signet({ ...env, NODE_ENV: 'staging' }, 'reconcile', '--json');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('NODE_ENV');
      expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'CONFIG_ERROR', message: expect.stringContaining('NODE_ENV') } });
      expect((await signet({ ...env, NODE_ENV: 'staging' }, 'reconcile')).stdout).toBe('');
    });

    test('a missing required option exits 2 and names the option', async () => {
      const run = await signet(env, 'accounts', 'create');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("required option '--name <name>' not specified");
      const json = await signet(env, 'accounts', 'create', '--json');
      expect(json.code).toBe(2);
      expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'USAGE_ERROR', message: "required option '--name <name>' not specified" } });
    });

    test('an invalid environment (PORT=abc) exits 2 with the problem on stderr', async () => {
      const run = await signet({ ...env, PORT: 'abc' }, 'accounts', 'create', '--name', 'zed');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('signet: Invalid configuration');
      expect(run.stderr).toContain('PORT must be an integer from 0 to 65535 (got "abc")');
      expect(run.stdout).toBe('');
    });
  });

  describe('demo seed', () => {
    test('writes demo-credentials.json with mode 0600, and every private key matches its stored public key', async () => {
      const runtime = await openOn();
      let credentials: DemoCredential[];
      try {
        const seeded = await seedDemo(runtime.services, dataDir);
        credentials = seeded.credentials;
        expect(seeded.path).toBe(join(dataDir, 'demo-credentials.json'));
        expect(mode(seeded.path)).toBe(0o600);
        expect(JSON.parse(readFileSync(seeded.path, 'utf8'))).toEqual({ credentials });
        expect(credentials.map((c) => c.name)).toEqual(['alice', 'bob']);

        const data = Buffer.from('GET /graphql signet demo');
        for (const credential of credentials) {
          const stored = await runtime.services.uow.repo.findApiKey(credential.keyId);
          expect(stored).toMatchObject({ accountId: credential.accountId, algorithm: 'ed25519', revokedAt: null });
          const publicKey = createPublicKey({ key: Buffer.from(stored?.publicKey ?? '', 'base64'), format: 'der', type: 'spki' });
          const privateKey = createPrivateKey({ key: Buffer.from(credential.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
          const signature = sign(null, data, privateKey);
          expect(verify(null, data, publicKey, signature)).toBe(true);
          expect(verify(null, Buffer.from('tampered'), publicKey, signature)).toBe(false);
        }
        // Each key verifies only its own account's signatures.
        const alice = await runtime.services.uow.repo.findApiKey(credentials[0].keyId);
        const bobSignature = sign(null, data, createPrivateKey({ key: Buffer.from(credentials[1].privateKey, 'base64'), format: 'der', type: 'pkcs8' }));
        expect(verify(null, data, createPublicKey({ key: Buffer.from(alice?.publicKey ?? '', 'base64'), format: 'der', type: 'spki' }), bobSignature)).toBe(false);
      } finally {
        await runtime.close();
      }
    }, TIMEOUT);
  });

  describe('reconcile', () => {
    test('a clean ledger: exit 0, and with --json the report with nothing in it', async () => {
      const text = await signet(env, 'reconcile');
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^clean: every balance equals its ledger/);
      expect(json(await signet(env, 'reconcile', '--json'))).toEqual({ clean: true, balanceMismatches: [], unbalancedAssets: [], heldMismatches: [], orderMismatches: [], feeMismatches: [], depositMismatches: [], volumeMismatches: [] });
    }, TIMEOUT);

    test('a data directory with no database (a typo, the wrong working directory): exit 4, not checked, nothing created', async () => {
      const missing = join(dataDir, 'no-such-dir');
      const run = await signet({ SIGNET_DATA_DIR: missing }, 'reconcile', '--json');
      expect(run.code).toBe(4);
      expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'RECONCILIATION_NOT_RUN', message: expect.stringMatching(/^RECONCILIATION_NOT_RUN: the ledger was not checked: There is no Signet database in .*no-such-dir/) } });
      expect(existsSync(missing)).toBe(false);
    }, TIMEOUT);

    test('a balance that no longer equals its ledger: exit 1, the mismatch on stdout (one JSON report with --json)', async () => {
      await withRuntime(async (runtime) => {
        // What a bug or a hand edit could leave behind: a balance changed outside the ledger.
        await runtime.driver.query("UPDATE balances SET available = available + 1 WHERE account_id = $1 AND asset = 'USD'", [carolId]);
      });
      const text = await signet(env, 'reconcile');
      expect(text.code).toBe(1);
      expect(text.stdout).toContain(`balanceMismatches  {"accountId":"${carolId}","asset":"USD"`);
      expect(text.stderr).toMatch(/^signet: RECONCILIATION_FAILED: 1 mismatch/);
      const report = await signet(env, 'reconcile', '--json');
      expect(report.code).toBe(1);
      expect(JSON.parse(report.stdout)).toMatchObject({ clean: false, balanceMismatches: [{ accountId: carolId, asset: 'USD', bucket: 'available' }] });
    }, TIMEOUT);
  });

  describe('the data directory lock', () => {
    let holder: ChildProcess | undefined;
    afterEach(() => {
      if (holder && holder.exitCode === null && holder.signalCode === null) holder.kill();
      holder = undefined;
    });

    test('a command refuses a directory locked by another live process, and proceeds once that process is gone', async () => {
      holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      const pid = holder.pid as number;
      writeFileSync(join(dataDir, 'signet.lock'), String(pid));

      const refused = await signet(env, 'accounts', 'create', '--name', 'frank');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`is in use by process ${pid}`);

      const exited = new Promise((resolve) => holder?.once('exit', resolve));
      holder.kill();
      await exited;
      const run = await signet(env, 'accounts', 'create', '--name', 'frank', '--json');
      expect(json(run)).toMatchObject({ name: 'frank' });
    }, TIMEOUT);

    test('reconcile next to a runtime holding the directory did not check the ledger: exit 4, not a mismatch\'s 1; --json prints the error object', async () => {
      // The ledger is not clean (the previous describe changed a balance): had the check run, it would exit 1.
      await withRuntime(async (runtime) => {
        const run = await signet(env, 'reconcile', '--json');
        expect(run.code).toBe(4);
        expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'RECONCILIATION_NOT_RUN', message: expect.stringMatching(/^RECONCILIATION_NOT_RUN: the ledger was not checked: The data directory .* is in use/) } });
        expect(run.stderr).toMatch(/^signet: RECONCILIATION_NOT_RUN: /);
      });
      expect((await signet(env, 'reconcile')).code).toBe(1);
    }, TIMEOUT);

    test('while a runtime holds the directory, a command says it is in use; after close it succeeds', async () => {
      await withRuntime(async (runtime) => {
        const refused = await signet(env, 'accounts', 'create', '--name', 'grace');
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/data directory .* is in use/);
      });
      const run = await signet(env, 'accounts', 'create', '--name', 'grace', '--json');
      expect(json(run)).toMatchObject({ name: 'grace' });
    }, TIMEOUT);
  });
});
