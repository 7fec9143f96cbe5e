import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Directories this process holds: the pid lock alone cannot stop a second opener in the same process. */
const heldHere = new Set<string>();

/** The embedded data directory: PGlite files, the generated master key, a lock. */
export interface PgliteDataDir {
  /** Where PGlite keeps its files. */
  readonly pgdataPath: string;
  /** The master key read from (or generated into) `master.key`, mode 0600. */
  readonly masterKey: Buffer;
  /** Removes the lock; call when the database is closed. */
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Opens the embedded data directory. PGlite files must never be opened by two processes at
 * once (they would corrupt), so a pid lock refuses a second opener with a clear message.
 */
export function openPgliteDataDir(dataDir: string): PgliteDataDir {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dir = realpathSync(resolve(dataDir));
  const inUse = (pid: number) => new Error(`The data directory ${dataDir} is in use by process ${pid} (a running Signet server?). Stop it, or point SIGNET_DATA_DIR elsewhere.`);
  if (heldHere.has(dir)) throw inUse(process.pid);
  const lockPath = join(dir, 'signet.lock');
  try {
    // 'wx' makes taking the lock atomic between two processes starting at once.
    writeFileSync(lockPath, String(process.pid), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    // A lock left by a dead process (or by an earlier run that had our pid, as pid 1 in a container) is stale.
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw inUse(pid);
    writeFileSync(lockPath, String(process.pid), { mode: 0o600 });
  }
  heldHere.add(dir);

  const keyPath = join(dir, 'master.key');
  let masterKey: Buffer;
  if (existsSync(keyPath)) {
    masterKey = Buffer.from(readFileSync(keyPath, 'utf8').trim(), 'base64');
    if (masterKey.length !== 32) throw new Error(`${keyPath} does not hold a 32-byte base64 key`);
  } else {
    masterKey = randomBytes(32);
    writeFileSync(keyPath, masterKey.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  chmodSync(keyPath, 0o600);
  return {
    pgdataPath: join(dir, 'pgdata'),
    masterKey,
    release() {
      heldHere.delete(dir);
      try {
        if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) rmSync(lockPath);
      } catch {
        // already gone
      }
    },
  };
}
