import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteDataDir } from '../../../src/stores/postgres/pglite-data-dir';

/**
 * PGlite writes its files readable and writable by everyone (0666): the data directory is what
 * keeps other local users from the ledger and the API keys, so it is made private whatever mode
 * it had (a mounted volume or a hand-made /var/lib/signet is usually 0755).
 */
describe('the embedded data directory is private', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'signet-datadir-mode-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const mode = (path: string) => statSync(path).mode & 0o777;

  test('an existing directory open to others, and its pgdata, become 0700', () => {
    const dir = join(root, 'existing');
    mkdirSync(join(dir, 'pgdata'), { recursive: true });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'pgdata'), 0o777);
    const opened = openPgliteDataDir(dir);
    try {
      expect(mode(dir)).toBe(0o700);
      expect(mode(opened.pgdataPath)).toBe(0o700);
    } finally {
      opened.release();
    }
  });

  test('a new directory is created 0700', () => {
    const dir = join(root, 'new', 'data');
    openPgliteDataDir(dir).release();
    expect(mode(dir)).toBe(0o700);
  });
});
