import { Command, CommanderError } from 'commander';
import type { SignetConfig } from '../../config';
import { registerAdminCommands } from './admin-commands';
import type { CliDeps } from './cli-deps';
import { CliError, EXIT } from './cli-error';
import { registerCallCommand } from './call-command';
import { registerTradeCommands } from './trade-commands';

/** Runs the `signet` command line; resolves to the process exit code. */
export async function runCli(argv: readonly string[], config: SignetConfig, deps: CliDeps): Promise<number> {
  const program = new Command('signet')
    .description('Signet: GraphQL trading API with signed, idempotent, rate-limited mutations.')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  let exitCode = 0;
  program.command('serve').description('Start the API server (embedded PGlite and memory stores unless DATABASE_URL / REDIS_URL are set).')
    .action(async () => {
      // Loaded when run (the server's modules, the schema): other commands start without them.
      const { serve } = await import('./serve');
      exitCode = await serve(config, deps);
    });
  program.command('schema').description('Print the GraphQL SDL (with applied directives), or write it to a file.')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: { out?: string }) => (await import('./schema-command')).writeSchema(opts.out));
  registerAdminCommands(program, config, deps);
  registerCallCommand(program, config.client, deps.callTiming);
  registerTradeCommands(program, config);

  // Scripts that asked for JSON read failures as JSON too: `{ "error": { code, message, … } }` on stdout.
  const json = argv.slice(2).includes('--json');
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      if (json) process.stdout.write(JSON.stringify(new CliError(error.message.replace(/^error: /, ''), EXIT.USAGE).toJSON(), null, 2) + '\n');
      return EXIT.USAGE;
    }
    if (error instanceof CliError) {
      process.stderr.write(`signet: ${error.message}\n`);
      if (json && !error.details.answered) process.stdout.write(JSON.stringify(error.toJSON(), null, 2) + '\n');
      return error.exitCode;
    }
    // Start-up failures (data directory in use, database unreachable): a message, not a stack trace.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`signet: ${message}\n`);
    if (json) process.stdout.write(JSON.stringify(new CliError(message).toJSON(), null, 2) + '\n');
    return EXIT.FAILED;
  }
}
