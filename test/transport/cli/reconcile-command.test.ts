import { Command } from 'commander';
import { parseConfig } from '../../../src/config';
import type { Runtime } from '../../../src/runtime';
import { registerAdminCommands } from '../../../src/transport/cli/admin-commands';
import type { CliDeps } from '../../../src/transport/cli/cli-deps';
import { silentLogger } from '../../helpers/logger';

/**
 * `signet reconcile` sums whole tables: on PostgreSQL it opens its runtime with a statement timeout
 * long enough for a large ledger, not the 5 s that bounds a request.
 */
test('reconcile opens its runtime with a long statement timeout and runs the ledger check', async () => {
  const opened: Array<{ statementTimeoutMs?: number } | undefined> = [];
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
  expect(opened).toEqual([{ statementTimeoutMs: expect.any(Number) }]);
  expect(opened[0]!.statementTimeoutMs).toBeGreaterThanOrEqual(10 * 60_000);
});
