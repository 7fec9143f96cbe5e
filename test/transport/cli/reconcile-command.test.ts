import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { parseConfig } from '../../../src/config';
import { createLogger, openRuntime } from '../../../src/runtime';
import type { Runtime, RuntimeOptions } from '../../../src/runtime';
import { registerAdminCommands } from '../../../src/transport/cli/admin-commands';
import type { CliDeps } from '../../../src/transport/cli/cli-deps';
import { runCli } from '../../../src/transport/cli/program';
import { capturedRun } from '../../helpers/cli';
import { silentLogger } from '../../helpers/logger';
import { describeWithPostgres } from '../../helpers/services';

const CONFIG = parseConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', SIGNET_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') });
const CLEAN = { balanceMismatches: [], unbalancedAssets: [], heldMismatches: [], orderMismatches: [], feeMismatches: [], depositMismatches: [], volumeMismatches: [] };

/** A runtime whose ledger check and close do what they are given. */
const runtimeWith = (reconcile: () => Promise<unknown>, close: () => Promise<void> = async () => undefined) => ({ services: { uow: { repo: { reconcile } } }, close }) as unknown as Runtime;

/** `signet reconcile --json` over `openRuntime`: its exit code and what it printed. */
const reconcileWith = (openRuntime: CliDeps['openRuntime']) => capturedRun(() => runCli(['node', 'signet', 'reconcile', '--json'], CONFIG, { openRuntime, createLogger: () => silentLogger }));

/**
 * `signet reconcile` sums whole tables: on PostgreSQL it opens its runtime with a statement timeout
 * long enough for a large ledger, not the 5 s that bounds a request.
 */
test('reconcile opens its runtime with a long statement timeout and runs the ledger check', async () => {
  const opened: Array<RuntimeOptions | undefined> = [];
  let checked = 0;
  const runtime = runtimeWith(async () => {
    checked += 1;
    return CLEAN;
  });
  const deps: CliDeps = { openRuntime: async (_config, _logger, options) => { opened.push(options); return runtime; }, createLogger: () => silentLogger };
  const program = new Command().exitOverride();
  registerAdminCommands(program, CONFIG, deps);
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'signet', 'reconcile', '--json']);
  } finally {
    write.mockRestore();
  }
  expect(checked).toBe(1);
  expect(opened).toEqual([{ statementTimeoutMs: expect.any(Number), masterKeyMismatch: 'warn', schema: 'existing' }]);
  expect(opened[0]!.statementTimeoutMs).toBeGreaterThanOrEqual(10 * 60_000);
});

/**
 * A monitor reads exit 1 as "the ledger does not add up". When the check could not run (the
 * database unreachable, a statement cut off, the embedded data directory in use) nothing is known
 * about the ledger: exit 4, and with --json the usual error object.
 */
test.each([
  ['the database cannot be reached', (): CliDeps['openRuntime'] => async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:5432'); }],
  ['a statement of the check fails', (): CliDeps['openRuntime'] => async () => runtimeWith(async () => { throw new Error('canceling statement due to statement timeout'); })],
])('when %s, reconcile exits 4 (not checked), never 1 (a mismatch)', async (_name, openRuntime) => {
  const run = await reconcileWith(openRuntime());
  expect(run.code).toBe(4);
  expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'RECONCILIATION_NOT_RUN', message: expect.stringMatching(/^RECONCILIATION_NOT_RUN: the ledger was not checked: (connect ECONNREFUSED|canceling statement)/) } });
  expect(run.stderr).toMatch(/^signet: RECONCILIATION_NOT_RUN: /);
});

/**
 * Closing the database comes after the check: a failure there must neither turn a finished check
 * into "not checked" (exit 4) nor hide the check's own outcome. It is a warning on stderr.
 */
const closeFails = async () => { throw new Error('connection terminated unexpectedly'); };

test.each([
  ['a clean ledger', 0, CLEAN],
  ['a mismatch', 1, { ...CLEAN, balanceMismatches: [{ accountId: 'a', asset: 'USD', stored: '1', ledger: '0', bucket: 'available' }] }],
])('when closing fails after the check found %s, reconcile still reports it (exit %i)', async (_name, exitCode, report) => {
  const run = await reconcileWith(async () => runtimeWith(async () => report, closeFails));
  expect(run.code).toBe(exitCode);
  expect(JSON.parse(run.stdout)).toEqual({ clean: exitCode === 0, ...report });
  expect(run.stderr).toContain('signet: warning: closing the database failed after the command: connection terminated unexpectedly');
});

test('when the check fails and closing fails too, the check\'s error is the one reported', async () => {
  const run = await reconcileWith(async () => runtimeWith(async () => { throw new Error('canceling statement due to statement timeout'); }, closeFails));
  expect(run.code).toBe(4);
  expect(JSON.parse(run.stdout).error.message).toBe('RECONCILIATION_NOT_RUN: the ledger was not checked: canceling statement due to statement timeout');
});

/**
 * A check changes nothing: pointed at a database that is not Signet's (a typo, an empty one) or at
 * another release's schema, reconcile used to create and migrate it and report it clean.
 */
describeWithPostgres('reconcile against a database it must not change', (url) => {
  const name = `signet_empty_${randomBytes(4).toString('hex')}`;
  const target = new URL(url);
  target.pathname = `/${name}`;
  let admin: Client;
  const reconcileReal = () => capturedRun(() => runCli(['node', 'signet', 'reconcile', '--json'],
    parseConfig({ DATABASE_URL: target.href, SIGNET_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') }), { openRuntime, createLogger: () => silentLogger }));
  const tablesIn = async () => {
    const client = new Client({ connectionString: target.href });
    await client.connect();
    try {
      return (await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows.map((r) => r.tablename);
    } finally {
      await client.end();
    }
  };
  beforeAll(async () => {
    admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin?.end();
  });

  test('an empty database: exit 4, not checked, and no table created', async () => {
    const run = await reconcileReal();
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout).error.message).toMatch(/^RECONCILIATION_NOT_RUN: the ledger was not checked: The database has no Signet schema/);
    expect(await tablesIn()).toEqual([]);
  });

  test('a schema short of this release\'s last migration: exit 4, and it is not migrated', async () => {
    const config = parseConfig({ DATABASE_URL: target.href, SIGNET_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') });
    const runtime = await openRuntime(config, createLogger('silent'));
    const [{ latest }] = await runtime.driver.query<{ latest: number }>('SELECT max(version) AS latest FROM schema_migrations');
    await runtime.driver.query('DELETE FROM schema_migrations WHERE version = $1', [latest]);
    await runtime.close();
    const run = await reconcileReal();
    expect(run.code).toBe(4);
    expect(JSON.parse(run.stdout).error.message).toMatch(new RegExp(`lacks migration ${latest} of this release`));
    const client = new Client({ connectionString: target.href });
    await client.connect();
    try {
      expect((await client.query('SELECT max(version) AS v FROM schema_migrations')).rows[0].v).toBe(latest - 1);
      // A newer release's schema: the check would not know it (a server runs on it; a check does not).
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1), (99)', [latest]);
      const newer = await reconcileReal();
      expect(newer.code).toBe(4);
      expect(JSON.parse(newer.stdout).error.message).toMatch(/has migration 99, and this release of Signet knows migrations up to \d+: a newer release upgraded it/);
    } finally {
      await client.end();
    }
  });
});
