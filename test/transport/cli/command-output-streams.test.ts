import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'signet.js');
const run = promisify(execFile);
/**
 * Each run of the binary opens PGlite on the data directory (the first one creates it): 5-8 s each
 * on a slow 2-core host, so the test of six runs took 40 s alone there and over 60 s beside
 * another test file.
 */
const TIMEOUT = 150_000;

/**
 * A one-shot command's stdout is its output, which scripts parse (`--json`); whatever the runtime
 * logs while the command runs goes to stderr. The real binary, because pino writes to the file
 * descriptor itself, past any stand-in for `process.stdout`.
 */
describe('signet commands keep their logs off stdout', () => {
  /**
   * One data directory for the three tests: creating the database (the first command) is the
   * slowest run of the binary. The first test's command is that first run, on a new directory; the
   * other two work on accounts and keys of their own and ask nothing of the database's history (the
   * ledger stays clean: no test moves money), and the third opens the directory up again itself.
   */
  let dataDir: string;
  beforeAll(() => {
    // Open to other users: opening it logs a warning (the directory is closed to them).
    dataDir = mkdtempSync(join(tmpdir(), 'signet-streams-'));
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const signet = (...args: string[]) => run(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', SIGNET_DATA_DIR: dataDir } });

  it('accounts create --json prints one JSON document on stdout, and the start-up warning on stderr', async () => {
    const { stdout, stderr } = await signet('accounts', 'create', '--name', 'dora', '--json');
    expect(JSON.parse(stdout)).toMatchObject({ name: 'dora' });
    expect(stderr).toContain('the data directory was open to other users; closed to them');
  }, TIMEOUT);

  it('with master.key lost, keys list and keys revoke still run (with a warning), so the lost key\'s HMAC keys can be retired', async () => {
    const account = JSON.parse((await signet('accounts', 'create', '--name', 'erin', '--json')).stdout);
    const key = JSON.parse((await signet('keys', 'create', '--account', 'erin', '--scopes', 'read', '--alg', 'hmac-sha256', '--json')).stdout);
    rmSync(join(dataDir, 'master.key'));
    const listed = await signet('keys', 'list', '--account', account.id, '--json');
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ keyId: key.keyId, revokedAt: null })]);
    expect(listed.stderr).toContain('HMAC keys can be listed and revoked, not created or used');
    await signet('keys', 'revoke', key.keyId);
    // No live HMAC key needs the lost master key any more: the next command makes a new one.
    expect((await signet('accounts', 'create', '--name', 'frank', '--json')).stderr).toContain('a new master key was generated');
  }, TIMEOUT);

  it('reconcile --json prints its report alone on stdout', async () => {
    // A check needs a database (it creates none): one command makes it, then the directory is opened up again.
    await signet('accounts', 'create', '--name', 'gina', '--json');
    chmodSync(dataDir, 0o755);
    const { stdout, stderr } = await signet('reconcile', '--json');
    expect(JSON.parse(stdout)).toMatchObject({ clean: true });
    expect(stderr).toContain('closed to them');
  }, TIMEOUT);
});
