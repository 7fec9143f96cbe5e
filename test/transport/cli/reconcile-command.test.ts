import { Command } from 'commander';
import { parseConfig } from '../../../src/config';
import type { Runtime, RuntimeOptions } from '../../../src/runtime';
import { registerAdminCommands } from '../../../src/transport/cli/admin-commands';
import type { CliDeps } from '../../../src/transport/cli/cli-deps';
import { runCli } from '../../../src/transport/cli/program';
import { silentLogger } from '../../helpers/logger';

/**
 * `signet reconcile` sums whole tables: on PostgreSQL it opens its runtime with a statement timeout
 * long enough for a large ledger, not the 5 s that bounds a request.
 */
test('reconcile opens its runtime with a long statement timeout and runs the ledger check', async () => {
  const opened: Array<RuntimeOptions | undefined> = [];
  let checked = 0;
  const runtime = {
    services: { uow: { repo: { reconcile: async () => { checked += 1; return { balanceMismatches: [], unbalancedAssets: [], heldMismatches: [], orderMismatches: [] }; } } } },
    close: async () => undefined,
  } as unknown as Runtime;
  const deps: CliDeps = { openRuntime: async (_config, _logger, options) => { opened.push(options); return runtime; }, createLogger: () => silentLogger };
  const program = new Command().exitOverride();
  registerAdminCommands(program, parseConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', SIGNET_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') }), deps);
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'signet', 'reconcile', '--json']);
  } finally {
    write.mockRestore();
  }
  expect(checked).toBe(1);
  expect(opened).toEqual([{ statementTimeoutMs: expect.any(Number), masterKeyMismatch: 'warn' }]);
  expect(opened[0]!.statementTimeoutMs).toBeGreaterThanOrEqual(10 * 60_000);
});

/**
 * A monitor reads exit 1 as "the ledger does not add up". When the check could not run (the
 * database unreachable, a statement cut off, the embedded data directory in use) nothing is known
 * about the ledger: exit 4, and with --json the usual error object.
 */
test.each([
  ['the database cannot be reached', (): CliDeps['openRuntime'] => async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:5432'); }],
  ['a statement of the check fails', (): CliDeps['openRuntime'] => async () => ({
    services: { uow: { repo: { reconcile: async () => { throw new Error('canceling statement due to statement timeout'); } } } },
    close: async () => undefined,
  }) as unknown as Runtime],
])('when %s, reconcile exits 4 (not checked), never 1 (a mismatch)', async (_name, openRuntime) => {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; });
  let code: number;
  try {
    code = await runCli(['node', 'signet', 'reconcile', '--json'], parseConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', SIGNET_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') }),
      { openRuntime: openRuntime(), createLogger: () => silentLogger });
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  expect(code).toBe(4);
  expect(JSON.parse(out.join(''))).toEqual({ error: { code: 'RECONCILIATION_NOT_RUN', message: expect.stringMatching(/^RECONCILIATION_NOT_RUN: the ledger was not checked: (connect ECONNREFUSED|canceling statement)/) } });
  expect(err.join('')).toMatch(/^signet: RECONCILIATION_NOT_RUN: /);
});

/**
 * Closing the database comes after the check: a failure there must neither turn a finished check
 * into "not checked" (exit 4) nor hide the check's own outcome. It is a warning on stderr.
 */
test.each([
  ['a clean ledger', 0, { balanceMismatches: [], unbalancedAssets: [], heldMismatches: [], orderMismatches: [] }],
  ['a mismatch', 1, { balanceMismatches: [{ accountId: 'a', asset: 'USD', stored: '1', ledger: '0', bucket: 'available' }], unbalancedAssets: [], heldMismatches: [], orderMismatches: [] }],
])('when closing fails after the check found %s, reconcile still reports it (exit %i)', async (_name, exitCode, report) => {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; });
  let code: number;
  try {
    const runtime = {
      services: { uow: { repo: { reconcile: async () => report } } },
      close: async () => { throw new Error('connection terminated unexpectedly'); },
    } as unknown as Runtime;
    code = await runCli(['node', 'signet', 'reconcile', '--json'], parseConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', SIGNET_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') }),
      { openRuntime: async () => runtime, createLogger: () => silentLogger });
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  expect(code).toBe(exitCode);
  expect(JSON.parse(out.join(''))).toEqual({ clean: exitCode === 0, ...report });
  expect(err.join('')).toContain('signet: warning: closing the database failed after the command: connection terminated unexpectedly');
});

test('when the check fails and closing fails too, the check\'s error is the one reported', async () => {
  const out: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let code: number;
  try {
    const runtime = {
      services: { uow: { repo: { reconcile: async () => { throw new Error('canceling statement due to statement timeout'); } } } },
      close: async () => { throw new Error('connection terminated unexpectedly'); },
    } as unknown as Runtime;
    code = await runCli(['node', 'signet', 'reconcile', '--json'], parseConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', SIGNET_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') }),
      { openRuntime: async () => runtime, createLogger: () => silentLogger });
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  expect(code).toBe(4);
  expect(JSON.parse(out.join('')).error.message).toBe('RECONCILIATION_NOT_RUN: the ledger was not checked: canceling statement due to statement timeout');
});
