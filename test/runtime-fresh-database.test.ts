/**
 * `freshDatabase`, the demo seed's cue: true only on the start that created the embedded database
 * (every migration applied by it). A start that upgrades an existing database (some migrations
 * applied) is not fresh: read as fresh, a development start after an upgrade would seed funded,
 * all-scope demo keys into a real database. A mutation testing review found it unpinned.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config';
import { openRuntime } from '../src/runtime';
import { silentLogger } from './helpers/logger';

describe('a start creates, reopens or upgrades the embedded database', () => {
  jest.setTimeout(60_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'signet-fresh-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));
  const open = () => openRuntime(parseConfig({ SIGNET_DATA_DIR: dataDir }), silentLogger);

  test('fresh on the start that created it; not on a restart, nor on a start that upgraded it', async () => {
    let runtime = await open();
    expect(runtime.freshDatabase).toBe(true);
    // As an older release left it: the last migration not applied.
    await runtime.driver.query('ALTER TABLE api_keys DROP COLUMN created_by_api_key_id, DROP COLUMN revoked_by_api_key_id');
    await runtime.driver.query('DELETE FROM schema_migrations WHERE version = 10');
    await runtime.close();
    runtime = await open();
    expect(runtime.freshDatabase).toBe(false);
    await runtime.close();
    runtime = await open();
    expect(runtime.freshDatabase).toBe(false);
    await runtime.close();
  });
});
