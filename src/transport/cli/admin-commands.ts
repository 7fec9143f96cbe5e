import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import type { SignetConfig } from '../../config';
import { ALL_SCOPES, CommitOutcomeUnknownError, MAX_DEPOSIT_REFERENCE_LENGTH, canonicalKeyId, canonicalUuid, isDepositReference, type ApiKey, type Deposit, type DepositOutcome, type DomainResult, type KeyAlgorithm, type ReconciliationReport, type Scope } from '../../domain';
import type { Runtime, RuntimeOptions } from '../../runtime';
import { MasterKeyRotationRefused, type MasterKeyRotationResult } from '../../master-key-rotation';
import type { CliDeps } from './cli-deps';
import { classifyInfrastructureFailure } from '../graphql/infrastructure-errors';
import { CliError, EXIT, exitCodeFor } from './cli-error';

/**
 * A credentials file for `keys create --out`, created now (it must not exist: never overwritten)
 * with mode 0600 and written once the key exists; removed if nothing was written to it.
 */
function openCredentialFile(path: string): { readonly path: string; write(credential: Record<string, unknown>): void; close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`--out ${path}: ${code === 'EEXIST' ? 'the file exists already (it is never overwritten); choose another path' : (error as Error).message}. No key was created.`, EXIT.USAGE);
  }
  let written = false;
  return {
    path,
    write(credential) {
      writeSync(fd, JSON.stringify(credential, null, 2) + '\n');
      written = true;
    },
    close() {
      closeSync(fd);
      if (!written) rmSync(path, { force: true });
    },
  };
}

/** Prints JSON for scripts, or a few aligned `label value` lines for people. */
function output(json: boolean, value: Record<string, unknown>): void {
  if (json) {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
    return;
  }
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  for (const [k, v] of Object.entries(value)) process.stdout.write(`${k.padEnd(width)}  ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
}

function unwrap<T>(result: DomainResult<T>): T {
  if (result.ok) return result.value;
  throw new CliError(result.errors.map((e) => `${e.code}: ${e.message}`).join('\n'), exitCodeFor(result.errors.map((e) => e.code)), { code: result.errors[0]?.code });
}

/** What `keys list` shows of a key: never its secret (only the ciphertext is stored, and that is not shown either). */
function describeKey(key: ApiKey): Record<string, unknown> {
  return {
    keyId: key.id, accountId: key.accountId, algorithm: key.algorithm, scopes: key.scopes, label: key.label,
    publicKey: key.publicKey, createdAt: key.createdAt.toISOString(), lastUsedAt: key.lastUsedAt?.toISOString() ?? null, revokedAt: key.revokedAt?.toISOString() ?? null,
    createdByApiKeyId: key.createdByApiKeyId, revokedByApiKeyId: key.revokedByApiKeyId,
  };
}

/** What `accounts deposit` and `accounts find-deposit` show of a deposit. */
function describeDeposit(deposit: Deposit): Record<string, unknown> {
  return {
    journalId: deposit.journalId, account: deposit.accountId, asset: deposit.asset, amount: deposit.amount,
    reference: deposit.reference, createdAt: deposit.createdAt.toISOString(),
  };
}

/** Parses "USD:1000,BTC:1" into pairs; rejects anything else with a clear message. */
export function parseDeposits(text: string): Array<[string, string]> {
  return text.split(',').filter(Boolean).map((part) => {
    const match = /^([A-Za-z]{2,10}):([0-9.]+)$/.exec(part.trim());
    if (!match) throw new CliError(`--deposit takes ASSET:AMOUNT pairs separated by commas, e.g. USD:1000,BTC:1 (got "${part}")`, 2);
    return [match[1].toUpperCase(), match[2]];
  });
}

/** Parses "read,trade" into scopes. */
export function parseScopes(text: string): Scope[] {
  const scopes = text.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const unknown = scopes.filter((s) => !ALL_SCOPES.includes(s as Scope));
  if (scopes.length === 0 || unknown.length > 0) throw new CliError(`--scopes takes a comma list of ${ALL_SCOPES.map((s) => s.toLowerCase()).join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`, 2);
  return scopes as Scope[];
}

/** How long one of reconcile's statements may run on PostgreSQL: each sums a whole table (a request's 5 s would stop it on a large ledger). */
const RECONCILE_STATEMENT_TIMEOUT_MS = 15 * 60_000;

/** `accounts create|deposit|find-deposit`, `keys create|list|revoke` and `reconcile`: operator commands that act on the database directly. */
export function registerAdminCommands(program: Command, config: SignetConfig, deps: CliDeps): void {
  const withRuntime = async <T>(work: (runtime: Runtime) => Promise<T>, options: RuntimeOptions = {}): Promise<T> => {
    // Warnings only, and on stderr: stdout is the command's output (`--json` is parsed by scripts).
    // A master key that is not the database's is a warning here (unless the command says otherwise):
    // `keys revoke` is how HMAC keys sealed under a lost one are retired.
    const runtime = await deps.openRuntime(config, deps.createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 'stderr'), { masterKeyMismatch: 'warn', ...options });
    // A failure to close comes after the work's outcome and must not replace it: a key created,
    // a deposit made or a ledger checked stays so (and is reported), and the work's own error wins.
    const closeReporting = async () => {
      try {
        await runtime.close();
      } catch (error) {
        process.stderr.write(`signet: warning: closing the database failed after the command: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    };
    let result: T;
    try {
      result = await work(runtime);
    } catch (error) {
      await closeReporting();
      throw error;
    }
    await closeReporting();
    return result;
  };
  const resolveAccount = async (runtime: Runtime, ref: string) => {
    const account = canonicalUuid(ref) !== null ? await runtime.services.accounts.findAccount(ref) : await runtime.services.accounts.findAccountByName(ref);
    if (!account) throw new CliError(`No account with id or name "${ref}".`);
    return account;
  };

  const accounts = program.command('accounts').description('Manage accounts.');
  accounts.command('create').description('Open an account, optionally funded from the external system.')
    .requiredOption('--name <name>', 'account name (unique)')
    .option('--deposit <pairs>', 'initial funding, e.g. USD:1000,BTC:1')
    .option('--json', 'machine-readable output')
    .action(async (opts: { name: string; deposit?: string; json?: boolean }) => {
      const deposits = opts.deposit ? parseDeposits(opts.deposit) : [];
      await withRuntime(async (runtime) => {
        // One transaction: a bad deposit leaves no half-made account behind.
        const account = await runtime.services.uow.transaction(async () => {
          const created = unwrap(await runtime.services.accounts.createAccount(opts.name));
          for (const [asset, amount] of deposits) unwrap(await runtime.services.accounts.deposit(created.id, asset, amount));
          return created;
        });
        const balances = await runtime.services.accounts.listBalances(account.id);
        output(!!opts.json, { id: account.id, name: account.name, balances: Object.fromEntries(balances.map((b) => [b.asset, b.available])) });
      });
    });
  accounts.command('deposit').description('Fund an account from the external system (recorded in the ledger). With --reference, posted once per reference: running it again returns the original deposit.')
    .requiredOption('--account <id-or-name>', 'account id or name')
    .requiredOption('--asset <asset>', 'USD, BTC or ETH')
    .requiredOption('--amount <amount>', 'positive decimal, e.g. 250.50')
    .option('--reference <text>', `the external system's id of this funding (1-${MAX_DEPOSIT_REFERENCE_LENGTH} ASCII letters, digits, - _ . : /); recommended: the same reference is never posted twice`)
    .option('--json', 'machine-readable output')
    .action(async (opts: { account: string; asset: string; amount: string; reference?: string; json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const account = await resolveAccount(runtime, opts.account);
        const reference = opts.reference ?? null;
        let outcome: DepositOutcome;
        try {
          outcome = unwrap(await runtime.services.accounts.deposit(account.id, opts.asset.toUpperCase(), opts.amount, { reference }));
        } catch (error) {
          if (!(error instanceof CommitOutcomeUnknownError)) throw error;
          throw new CliError(reference === null
            ? 'outcome unknown: the connection to the database was lost while the deposit committed, so it may have been posted. It has no reference: check the account\'s balance and ledger before running it again (a deposit with --reference can simply be run again).'
            : `outcome unknown: the connection to the database was lost while the deposit committed, so it may have been posted. Run the same command again (same --reference ${reference}): it posts the deposit if it was not, and reports the original (status "replayed") if it was.`,
          EXIT.OUTCOME_UNKNOWN, { code: 'COMMIT_OUTCOME_UNKNOWN', outcome: 'unknown' });
        }
        const { deposit, replayed, balance } = outcome;
        output(!!opts.json, { status: replayed ? 'replayed' : 'posted', ...describeDeposit(deposit), available: balance.available, held: balance.held });
        if (replayed) process.stderr.write(`Reference ${deposit.reference} was already posted at ${deposit.createdAt.toISOString()}: nothing was credited again.\n`);
        else if (reference === null) process.stderr.write('This deposit has no --reference: running the command again would credit the account again. Give the external system\'s id with --reference to make it safe to repeat.\n');
      });
    });

  accounts.command('find-deposit').description('Show the deposit posted with a reference (what a deposit whose answer was lost did); exit 1 when none was.')
    .requiredOption('--reference <text>', 'the reference the deposit was given')
    .option('--json', 'machine-readable output')
    .action(async (opts: { reference: string; json?: boolean }) => {
      if (!isDepositReference(opts.reference)) throw new CliError(`INVALID_REFERENCE: no deposit can have this reference (1-${MAX_DEPOSIT_REFERENCE_LENGTH} ASCII letters, digits, "-", "_", ".", ":" or "/", starting with a letter or digit).`, EXIT.USAGE, { code: 'INVALID_REFERENCE' });
      await withRuntime(async (runtime) => {
        const deposit = await runtime.services.accounts.findDeposit(opts.reference);
        if (!deposit) throw new CliError(`No deposit with reference ${opts.reference} was posted. Running the deposit with --reference ${opts.reference} posts it once.`);
        output(!!opts.json, describeDeposit(deposit));
      });
    });

  const keys = program.command('keys').description('Manage API keys.');
  keys.command('create').description('Create an API key; prints the private key or secret once.')
    .requiredOption('--account <id-or-name>', 'account id or name')
    .requiredOption('--scopes <list>', `comma list of ${ALL_SCOPES.map((s) => s.toLowerCase()).join(', ')}`)
    .option('--alg <algorithm>', 'ed25519 (recommended) or hmac-sha256', 'ed25519')
    .option('--label <label>', 'a name for the key', 'cli')
    .option('--out <file>', 'write the credential (with its private key or secret) to this new file, mode 0600, for --credentials; it is then not printed')
    .option('--json', 'machine-readable output')
    .action(async (opts: { account: string; scopes: string; alg: string; label: string; out?: string; json?: boolean }) => {
      if (opts.alg !== 'ed25519' && opts.alg !== 'hmac-sha256') throw new CliError('--alg must be ed25519 or hmac-sha256', 2);
      const scopes = parseScopes(opts.scopes);
      // Opened before the key exists: a file that is there already (or a folder that is not) stops
      // the command with nothing created, rather than a key whose secret had nowhere to go.
      const out = opts.out === undefined ? null : openCredentialFile(opts.out);
      try {
        await withRuntime(async (runtime) => {
          const account = await resolveAccount(runtime, opts.account);
          const created = unwrap(await runtime.services.apiKeys.createApiKey(account.id, { label: opts.label, scopes, algorithm: opts.alg as KeyAlgorithm }));
          const described = { keyId: created.apiKey.id, accountId: account.id, algorithm: created.apiKey.algorithm, scopes: created.apiKey.scopes };
          const material = { ...(created.privateKey ? { privateKey: created.privateKey } : {}), ...(created.secret ? { secret: created.secret } : {}) };
          if (out) {
            out.write({ name: account.name, ...described, ...material });
            output(!!opts.json, { ...described, credentials: out.path });
            return;
          }
          output(!!opts.json, { ...described, ...material });
          if (!opts.json) process.stderr.write('Store the private key or secret now: it is not shown again (--out FILE writes it to a file only you can read).\n');
        });
      } finally {
        out?.close();
      }
    });
  keys.command('list').description('List an account\'s API keys, oldest first: id, algorithm, scopes, label, times, Ed25519 public key (never a private key or secret).')
    .requiredOption('--account <id-or-name>', 'account id or name')
    .option('--json', 'machine-readable output')
    .action(async (opts: { account: string; json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const account = await resolveAccount(runtime, opts.account);
        const listed = (await runtime.services.apiKeys.listApiKeys(account.id)).map(describeKey);
        if (opts.json) {
          process.stdout.write(JSON.stringify(listed, null, 2) + '\n');
          return;
        }
        if (listed.length === 0) process.stdout.write(`No API keys for account ${account.id}.\n`);
        for (const [index, key] of listed.entries()) {
          if (index > 0) process.stdout.write('\n');
          output(false, key);
        }
      });
    });
  keys.command('revoke <keyId>').description('Revoke an API key at once.')
    .option('--json', 'machine-readable output')
    .action(async (keyId: string, opts: { json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const id = canonicalKeyId(keyId);
        const key = id === null ? null : await runtime.services.uow.repo.findApiKey(id);
        if (!key) throw new CliError(`No API key "${keyId}".`);
        let result: Awaited<ReturnType<typeof runtime.services.apiKeys.revokeApiKey>>;
        try {
          result = await runtime.services.apiKeys.revokeApiKey(key.accountId, key.id);
        } catch (error) {
          // The revocation tells the servers through Redis before it writes: Redis down, it writes nothing.
          if (classifyInfrastructureFailure(error)?.dependency !== 'redis') throw error;
          throw new CliError(`Redis (REDIS_URL) did not answer, so nothing was revoked: the servers are told of a revocation through Redis before it is written. While Redis is down the servers refuse every signed request, this key's too. Run this again once Redis answers; or, if it stays down, run it without REDIS_URL: the revocation is then written at once, and once Redis is back the servers refuse the key's mutations at once and its reads within 60 s.`);
        }
        const revoked = unwrap(result);
        output(!!opts.json, { keyId: revoked.id, revokedAt: revoked.revokedAt?.toISOString() });
        // Servers on PostgreSQL + Redis cache key rows, told of a revocation through Redis only.
        if (runtime.config.databaseUrl && runtime.security.kind !== 'redis') {
          process.stderr.write('Without REDIS_URL, servers that share a Redis see this revocation within 60 s, not at once; set it (as the servers have it, a redis+cluster:// URL for a cluster) to revoke at once.\n');
        }
      });
    });

  const masterKey = program.command('master-key').description('The master key that seals HMAC secrets at rest (SIGNET_MASTER_KEY, or master.key in the data directory).');
  masterKey.command('adopt').description('Make the configured master key this database\'s, replacing the one it was set up with; refused while a live HMAC key\'s secret does not open under it (revoke those first). Every server must then run with this key.')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await withRuntime(async () => {
        output(!!opts.json, { masterKey: config.masterKey ? 'SIGNET_MASTER_KEY' : `${config.dataDir}/master.key`, adopted: true });
      }, { masterKeyMismatch: 'adopt' });
    });
  masterKey.command('rotate').description('Re-seal every HMAC secret under a new master key and make it the database\'s, in one transaction (nothing changes if any step fails). Stop every server first (refused on PostgreSQL while one runs). Embedded: a new key is generated into master.key (or SIGNET_NEW_MASTER_KEY is used), and a crash at any step leaves master.key the key the database names. With SIGNET_MASTER_KEY: the new key is SIGNET_NEW_MASTER_KEY; start every server with it as SIGNET_MASTER_KEY.')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await withRuntime(async (runtime) => {
        let result: MasterKeyRotationResult;
        try {
          result = await runtime.rotateMasterKey();
        } catch (error) {
          if (error instanceof MasterKeyRotationRefused) throw new CliError(`master key not rotated: ${error.message}`);
          throw error;
        }
        const newKey = result.newKey === 'master.key' ? `${config.dataDir}/master.key` : 'SIGNET_NEW_MASTER_KEY';
        const from = config.masterKey ? 'SIGNET_MASTER_KEY' : `${config.dataDir}/master.key`;
        switch (result.kind) {
          case 'not the database key':
            throw new CliError(`master key not rotated: ${from} is not this database's master key; nothing was changed. Run it with the database's key`);
          case 'unopened':
            throw new CliError(`master key not rotated: ${from} does not open the secrets of these live HMAC keys: ${result.unopened.join(', ')} (sealed under another key, or damaged; they fail on every request); revoke them first (signet keys revoke ID). Nothing was changed`);
          case 'already':
            output(!!opts.json, { rotated: false, masterKey: newKey, reason: 'the database already names this key' });
            break;
          case 'rotated':
            output(!!opts.json, { rotated: true, masterKey: newKey, resealed: result.resealed, ...(result.left.length > 0 ? { leftUnderAnotherKey: result.left } : {}) });
            break;
        }
        const next = result.newKey === 'master.key'
          ? 'start the server (it reads the new master.key); a backup of the data directory from before this holds the old master.key with it'
          : 'start every server with SIGNET_MASTER_KEY set to the new key, and keep the old key as long as backups of the database from before this rotation: they need it';
        process.stderr.write(`The database's master key is now ${newKey}: ${next}.\n`);
      }, { excludeServers: true, masterKeyMismatch: 'warn' });
    });

  program.command('reconcile').description('Check the ledger: every balance equals its ledger entries, every asset sums to zero, every hold equals its live orders\' holds and covers what they have left, every order agrees with its fills and every fill with its order, no book is crossed, fees equal what the fee account received, every deposit record agrees with its journal, every market\'s minute volume totals agree with its trades. Exit 1 on any mismatch, 4 when the check could not run.')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      let report: ReconciliationReport;
      try {
        // `existing`: a check changes nothing. A missing database or another release's schema is
        // "not checked" (exit 4), never created, migrated and reported clean.
        report = await withRuntime((runtime) => runtime.services.uow.repo.reconcile(), { statementTimeoutMs: RECONCILE_STATEMENT_TIMEOUT_MS, schema: 'existing' });
      } catch (error) {
        // The database could not be opened (a data directory in use, a server unreachable) or read: nothing is
        // known about the ledger, which a monitor must not take for a mismatch (exit 1).
        const cause = error instanceof Error ? error.message : String(error);
        throw new CliError(`RECONCILIATION_NOT_RUN: the ledger was not checked: ${cause}`, EXIT.NOT_CHECKED, { code: 'RECONCILIATION_NOT_RUN' });
      }
      const problems = Object.values(report).reduce((n, list) => n + list.length, 0);
      if (opts.json) process.stdout.write(JSON.stringify({ clean: problems === 0, ...report }, null, 2) + '\n');
      else if (problems === 0) process.stdout.write('clean: every balance equals its ledger, every asset sums to zero, every hold equals its live orders\' holds and covers what they have left, every order agrees with its fills and every fill with its order, no book is crossed, fees equal what the fee account received, every deposit record agrees with its journal, every market\'s minute volume totals agree with its trades\n');
      else for (const [check, list] of Object.entries(report)) for (const item of list) process.stdout.write(`${check}  ${JSON.stringify(item)}\n`);
      if (problems > 0) throw new CliError(`RECONCILIATION_FAILED: ${problems} mismatch(es); the list is on stdout`, EXIT.FAILED, { code: 'RECONCILIATION_FAILED', answered: true });
    });
}
