import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fsyncTree } from './fsync-tree';

/** Directories this process holds: the pid lock alone cannot stop a second opener in the same process. */
const heldHere = new Set<string>();

/** The embedded data directory: PGlite files, the generated master key, a lock. */
export interface PgliteDataDir {
  /** Where PGlite keeps its files. */
  readonly pgdataPath: string;
  /**
   * The master key read from `master.key` (mode 0600), or generated into it when this open creates
   * the database. Null when the file is missing beside an existing database: its HMAC secrets may
   * be sealed under the lost key, which the caller checks before `createMasterKey`.
   */
  readonly masterKey: Buffer | null;
  /** Generates a new master key into `master.key` (never over an existing file), flushed to disk with the directory. */
  createMasterKey(): Buffer;
  /**
   * The new key of a master key rotation that did not finish (`master.key.next`, written and
   * flushed before the database changes); null when none. Whether it is the database's key now
   * is the database's to say: the caller then promotes or discards it.
   */
  readonly stagedMasterKey: Buffer | null;
  /** A rotation's first step: writes `key` to `master.key.next` (mode 0600), flushed to disk with the directory. */
  stageMasterKey(key: Buffer): void;
  /**
   * A rotation's last step, once the database names the staged key: the database's files are
   * flushed to disk (PGlite runs with `fsync=off`, so its commit that names the key may be only
   * in the OS's cache), then `master.key.next` replaces `master.key` (one rename, flushed).
   */
  promoteStagedMasterKey(): void;
  /** Removes `master.key.next`: the database does not name it (the rotation did not commit). */
  discardStagedMasterKey(): void;
  /** The data directory's access for others that this open removed (`path: 755 → 750`), for a warning. */
  readonly closedToOthers: readonly string[];
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
 * Creates `path` holding this process's pid, atomically: written under a unique name, then
 * hard-linked into place (link fails if `path` exists), so no one ever reads it empty.
 * False when `path` already exists.
 */
function createPidFile(path: string): boolean {
  const draft = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(draft, String(process.pid), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

/** The pid a pid file names: null when the file is gone, NaN when it holds no pid. */
function readPid(path: string): number | null {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** A pid that names a live process other than this one (a lock holding this process's own pid is left from an earlier run, as pid 1 in a container). */
const heldBy = (pid: number): boolean => Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid);

/** Blocks this thread for `ms` (opening the data directory is synchronous). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** How many times an opener waits 10 ms for another one's takeover of a stale lock to finish. */
const TAKEOVER_WAITS = 200;

/**
 * Takes `lockPath` for this process, or throws `inUse(pid)` when a live process holds it. A
 * lock left by a dead process is stale: it is removed only under `<lock>.takeover` (created the
 * same atomic way), so between reading it stale and removing it no one else can remove it and
 * put a fresh lock in its place; exactly one of several openers racing on a stale lock wins.
 */
function acquireLock(lockPath: string, inUse: (pid: number) => Error, takeoverInterrupted: (pid: number) => Error): void {
  const guardPath = `${lockPath}.takeover`;
  for (let waits = 0; ; ) {
    if (createPidFile(lockPath)) return;
    const holder = readPid(lockPath);
    if (holder === null) continue; // released meanwhile
    if (heldBy(holder)) throw inUse(holder);
    if (!createPidFile(guardPath)) {
      const taker = readPid(guardPath);
      if (taker === null) continue;
      if (!heldBy(taker)) throw takeoverInterrupted(taker);
      if (++waits > TAKEOVER_WAITS) throw inUse(taker);
      sleepSync(10);
      continue;
    }
    try {
      // Under the guard: a stale lock read now is the one removed (a fresh lock cannot replace it,
      // `link` refuses while it exists). One found gone is left alone: another opener may take
      // the free lock without the guard at any moment, and removing "whatever is there" would
      // remove that fresh lock and let two openers in.
      const stale = readPid(lockPath);
      if (stale !== null) {
        if (heldBy(stale)) throw inUse(stale);
        rmSync(lockPath, { force: true });
      }
    } finally {
      rmSync(guardPath, { force: true });
    }
  }
}

/**
 * Closes `path` to other users (no access for "others"; the group's bits are the deployment's,
 * e.g. a Kubernetes fsGroup volume): PGlite writes its files readable and writable by everyone
 * (0666), so the directory is what keeps other local users from the ledger and the API keys
 * (PostgreSQL, likewise, refuses a data directory more open than 0750). Returns what changed.
 */
function closeToOthers(path: string, shown: string): string | null {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o007) === 0) return null;
  const closed = mode & ~0o007;
  try {
    chmodSync(path, closed);
  } catch (error) {
    throw new Error(`The data directory ${shown} is open to other users (mode ${mode.toString(8)}) and could not be closed to them (${(error as NodeJS.ErrnoException).code}): run \`chmod o-rwx ${shown}\` as its owner, or point SIGNET_DATA_DIR at a directory Signet's user owns.`);
  }
  return `${shown}: ${mode.toString(8)} → ${closed.toString(8)}`;
}

/** Whether `dataDir` holds an embedded database (PostgreSQL's mark of an initialised data directory), without creating anything. */
export function embeddedDatabaseExists(dataDir: string): boolean {
  return existsSync(join(dataDir, 'pgdata', 'PG_VERSION'));
}

/** Writes a new file (mode 0600, never over an existing one) and flushes it to disk before returning. */
function writeDurably(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory's entries (a file created, renamed or removed in it) to disk. */
function syncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** How openPgliteDataDir reaches the disk. */
export interface PgliteDataDirOptions {
  /** Flushes every file and directory of the PGlite data directory (`pgdata`) to disk. Default fsyncTree. */
  readonly flushPgdata?: (pgdataPath: string) => void;
}

/**
 * Opens the embedded data directory (created 0700; an existing one, and its pgdata, closed to
 * other users: closeToOthers). PGlite files must never be opened by two processes at
 * once (they would corrupt), so a pid lock refuses a second opener with a clear message.
 */
export function openPgliteDataDir(dataDir: string, options: PgliteDataDirOptions = {}): PgliteDataDir {
  const flushPgdata = options.flushPgdata ?? ((path: string) => { fsyncTree(path); });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dir = realpathSync(resolve(dataDir));
  const closed = closeToOthers(dir, dataDir);
  const inUse = (pid: number) => new Error(`The data directory ${dataDir} is in use by process ${pid} (a running Signet server?). Stop it, or point SIGNET_DATA_DIR elsewhere.`);
  if (heldHere.has(dir)) throw inUse(process.pid);
  const lockPath = join(dir, 'signet.lock');
  acquireLock(lockPath, inUse, (pid) => new Error(
    `Process ${pid} died while taking over the stale lock of ${dataDir}. If no Signet process uses that directory, remove ${lockPath}.takeover and start again.`,
  ));
  heldHere.add(dir);

  // PGlite would create pgdata with the process's umask (0755): created here 0700 instead (PGlite
  // initialises an empty directory), and one an earlier version left open is closed silently.
  const pgdataPath = join(dir, 'pgdata');
  // PostgreSQL's own mark of an initialised data directory (a volume's lost+found is not a database).
  const newDatabase = !existsSync(join(pgdataPath, 'PG_VERSION'));
  if (existsSync(pgdataPath)) closeToOthers(pgdataPath, pgdataPath);
  else mkdirSync(pgdataPath, { mode: 0o700 });

  const keyPath = join(dir, 'master.key');
  const stagedPath = join(dir, 'master.key.next');
  const createMasterKey = (): Buffer => {
    const key = randomBytes(32);
    // Flushed before the database seals anything under it: a database that outlives an OS crash
    // without its key has lost every HMAC secret.
    writeDurably(keyPath, key.toString('base64') + '\n');
    syncDirectory(dir);
    return key;
  };
  let masterKey: Buffer | null = null;
  if (existsSync(keyPath)) {
    masterKey = Buffer.from(readFileSync(keyPath, 'utf8').trim(), 'base64');
    if (masterKey.length !== 32) throw new Error(`${keyPath} does not hold a 32-byte base64 key`);
    chmodSync(keyPath, 0o600);
  } else if (newDatabase) {
    masterKey = createMasterKey();
  }
  let stagedMasterKey: Buffer | null = null;
  if (existsSync(stagedPath)) {
    const staged = Buffer.from(readFileSync(stagedPath, 'utf8').trim(), 'base64');
    // Torn by a crash while it was written: the database cannot name it (it changes only after
    // the file is flushed), so it is not a key anything needs.
    if (staged.length === 32) stagedMasterKey = staged;
    else rmSync(stagedPath);
  }
  return {
    pgdataPath,
    get masterKey() {
      return masterKey;
    },
    createMasterKey,
    get stagedMasterKey() {
      return stagedMasterKey;
    },
    stageMasterKey(key) {
      if (key.length !== 32) throw new Error('the master key must be exactly 32 bytes');
      rmSync(stagedPath, { force: true });
      writeDurably(stagedPath, key.toString('base64') + '\n');
      syncDirectory(dir);
      stagedMasterKey = Buffer.from(key);
    },
    promoteStagedMasterKey() {
      if (!stagedMasterKey) throw new Error('no staged master key to promote');
      // The commit that names the staged key on disk before the rename does: otherwise an OS crash
      // could bring back a database still sealed under the old key, which the rename removed.
      flushPgdata(pgdataPath);
      renameSync(stagedPath, keyPath);
      syncDirectory(dir);
      masterKey = stagedMasterKey;
      stagedMasterKey = null;
    },
    discardStagedMasterKey() {
      rmSync(stagedPath, { force: true });
      syncDirectory(dir);
      stagedMasterKey = null;
    },
    closedToOthers: closed === null ? [] : [closed],
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
