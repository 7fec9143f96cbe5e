import 'reflect-metadata';
import { ConfigError, parseConfig } from './config';
import type { IdempotencyFaults } from '@signet/idempotency';
import { createLogger } from './logger';
import { runCli } from './transport/cli/program';
import { CliError, EXIT } from './transport/cli/cli-error';
import type { CliDeps } from './transport/cli/cli-deps';

/**
 * TEST ONLY. `SIGNET_FAULT_INJECTION=kill-before-commit:<mutation>` or `kill-after-commit:<mutation>`
 * makes @idempotent SIGKILL this process at that point of that mutation, so the crash tests can
 * prove exactly-once across real process deaths. Honoured only with NODE_ENV=test (never in
 * production or development); when set, a loud warning says whether it is on or ignored.
 */
function faultInjectionFrom(env: NodeJS.ProcessEnv): IdempotencyFaults | undefined {
  const spec = env.SIGNET_FAULT_INJECTION;
  if (!spec) return undefined;
  const match = /^(kill-before-commit|kill-after-commit):([A-Za-z]+)$/.exec(spec);
  if (env.NODE_ENV !== 'test' || !match) {
    process.stderr.write(`signet: WARNING: SIGNET_FAULT_INJECTION is set but IGNORED (${match ? 'only NODE_ENV=test honours it' : 'unrecognized value'}); unset it.\n`);
    return undefined;
  }
  process.stderr.write(`signet: WARNING: FAULT INJECTION ENABLED (${spec}): this process will SIGKILL itself. Test use only.\n`);
  const [, point, field] = match;
  const kill = (f: string): void => {
    if (f === field) process.kill(process.pid, 'SIGKILL');
  };
  return point === 'kill-before-commit' ? { beforeCommit: kill } : { afterCommit: kill };
}

/**
 * Entry point of the `signet` command. The only place that reads the environment: it parses
 * a frozen config and hands it to the CLI, which builds the adapters and the server.
 */
export async function main(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config;
  try {
    config = parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`signet: ${error.message}\n`);
      // A script that asked for JSON reads this failure as JSON too, as every other (cli/program.ts).
      if (argv.slice(2).includes('--json')) process.stdout.write(JSON.stringify(new CliError(error.message, EXIT.USAGE, { code: 'CONFIG_ERROR' }).toJSON(), null, 2) + '\n');
      return EXIT.USAGE;
    }
    throw error;
  }
  const faults = faultInjectionFrom(env);
  // The runtime (database drivers, Redis, the GraphQL schema) loads only for a command that opens
  // it: client commands (balances, order …, call) and --help start in a fraction of the time.
  const openRuntime: CliDeps['openRuntime'] = async (c, l, options) => (await import('./runtime')).openRuntime(c, l, { ...options, faults });
  return runCli(argv, config, { openRuntime, createLogger });
}

if (require.main === module) {
  main().then((code) => {
    if (code !== 0) process.exitCode = code;
  }, (error) => {
    process.stderr.write(`signet: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
