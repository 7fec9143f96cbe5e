/**
 * The money review's case: `signet accounts deposit` whose COMMIT reached PostgreSQL but whose
 * answer was lost (the connection dropped). The operator cannot know whether the account was
 * credited. With --reference the command says to run it again, and running it again reports the
 * original deposit instead of crediting twice; without one it says to check before repeating.
 */
import { randomBytes } from 'node:crypto';
import { parseConfig } from '../../../src/config';
import { createLogger, openRuntime } from '../../../src/runtime';
import { runCli } from '../../../src/transport/cli/program';
import { capturedRun, signet, type CliRun } from '../../helpers/cli';
import { openScratchSchema, type ScratchSchema } from '../../helpers/database';
import { eventually } from '../../helpers/eventually';
import { describeWithPostgres } from '../../helpers/services';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy';

const TIMEOUT = 60_000;

describeWithPostgres('accounts deposit when the connection drops during its COMMIT', (url) => {
  let scratch: ScratchSchema;
  let proxy: TcpProxy;
  let env: Record<string, string>;
  let accountId: string;
  const usdCredits = async () => (await scratch.admin.query(
    `SELECT e.amount::text AS amount FROM ${scratch.schema}.ledger_entries e WHERE e.account_id = $1 AND e.asset = 'USD' ORDER BY e.id`, [accountId],
  )).rows.map((r) => String(Number(r.amount)));

  beforeAll(async () => {
    scratch = await openScratchSchema(url);
    const direct = new URL(url);
    proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    env = { DATABASE_URL: scratch.url, SIGNET_MASTER_KEY: randomBytes(32).toString('base64') };
    const runtime = await openRuntime(parseConfig(env), createLogger('silent'));
    try {
      const account = await runtime.services.accounts.createAccount('lost-commit');
      if (!account.ok) throw new Error(JSON.stringify(account.errors));
      accountId = account.value.id;
    } finally {
      await runtime.close();
    }
  }, TIMEOUT);
  afterAll(async () => {
    await proxy?.close();
    await scratch?.drop();
  });

  /** `signet accounts deposit <args>` through the proxy, which lets the deposit's COMMIT reach PostgreSQL and then drops the connection. */
  const depositLosingItsCommit = (...args: string[]): Promise<CliRun> => {
    const viaProxy = new URL(scratch.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    return capturedRun(() => runCli(['node', 'signet', 'accounts', 'deposit', ...args], parseConfig({ ...env, DATABASE_URL: viaProxy.toString() }), {
      createLogger: () => createLogger('silent'),
      async openRuntime(config, logger, options) {
        const runtime = await openRuntime(config, logger, options);
        const { accounts } = runtime.services;
        // Armed only now: the runtime's own start-up transactions (migrations, the master key check) commit normally.
        const deposit: typeof accounts.deposit = (...call) => {
          proxy.cutAfterClientSends('COMMIT');
          return accounts.deposit(...call);
        };
        return { ...runtime, services: { ...runtime.services, accounts: { ...accounts, deposit } } };
      },
    }));
  };

  test('with --reference: exit 3 saying to run it again; the run again reports the committed deposit, replayed, and the account is credited once', async () => {
    const lost = await depositLosingItsCommit('--account', 'lost-commit', '--asset', 'USD', '--amount', '100', '--reference', 'wire-lost-1', '--json');
    expect(lost.code).toBe(3);
    expect(JSON.parse(lost.stdout)).toEqual({ error: { code: 'COMMIT_OUTCOME_UNKNOWN', outcome: 'unknown', message: expect.stringContaining('Run the same command again (same --reference wire-lost-1)') } });
    // PostgreSQL may still be running the COMMIT it read when the client gave up.
    await eventually(async () => expect(await usdCredits()).toEqual(['100']), 5_000);
    // The lost deposit can be looked up by its reference.
    const found = await signet(env, 'accounts', 'find-deposit', '--reference', 'wire-lost-1', '--json');
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout)).toMatchObject({ account: accountId, asset: 'USD', amount: '100', reference: 'wire-lost-1' });

    const again = await signet(env, 'accounts', 'deposit', '--account', 'lost-commit', '--asset', 'USD', '--amount', '100', '--reference', 'wire-lost-1', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'replayed', account: accountId, asset: 'USD', amount: '100', reference: 'wire-lost-1', available: '100' });
    expect(await usdCredits()).toEqual(['100']);
  }, TIMEOUT);

  test('without --reference: exit 3 saying to check the balance before repeating (a repeat would credit again)', async () => {
    const lost = await depositLosingItsCommit('--account', 'lost-commit', '--asset', 'USD', '--amount', '5');
    expect(lost.code).toBe(3);
    expect(lost.stderr).toContain('It has no reference: check the account\'s balance and ledger before running it again');
    await eventually(async () => expect(await usdCredits()).toEqual(['100', '5']), 5_000);
  }, TIMEOUT);
});
