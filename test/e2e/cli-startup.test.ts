/**
 * The built `signet` command loads the server's modules only for a command that needs them:
 * `--help` and the client commands (balances, order …, book, call) sign and send requests, so
 * they must not load the runtime, the database drivers, Redis or Apollo Server (before, every
 * command loaded all of them: 0.7 s for `--help`, 0.9 s for `balances`, on this project's CI host).
 * Checked by the modules the process loaded, not by timing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Runs `node bin/signet.js <args>` and returns the module files it loaded through require, relative to the project. */
function modulesLoadedBy(args: readonly string[]): string[] {
  // Written to stderr as the process exits, whatever its exit code.
  const report = "process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'))";
  const run = spawnSync(process.execPath, ['-e', `${report}; process.argv.splice(1, 0, 'signet'); require('./bin/signet.js')`, '--', ...args], {
    cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, encoding: 'utf8', timeout: 20_000,
  });
  const line = run.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  if (!line) throw new Error(`no module report (exit ${run.status}): ${run.stderr.slice(0, 500)}`);
  return (JSON.parse(line.slice('LOADED '.length)) as string[]).map((file) => file.slice(ROOT.length + 1));
}

/** What only the server, the operator commands and `schema` need (Apollo's small error-code module is shared with the CLI's error formatting). */
const SERVER_ONLY = [/^dist\/runtime\.js$/, /^dist\/transport\/cli\/serve\.js$/, /node_modules\/@apollo\/server\/(?!dist\/cjs\/errors\/)/, /node_modules\/ioredis\//, /node_modules\/pg\//, /node_modules\/@electric-sql\/pglite\//, /node_modules\/type-graphql\//, /node_modules\/fastify\//];

const serverModulesIn = (files: readonly string[]) => files.filter((file) => SERVER_ONLY.some((pattern) => pattern.test(file)));

describe('the signet command loads the server only when it runs one', () => {
  test('--help and a client command load none of the server\'s modules', () => {
    const help = modulesLoadedBy(['--help']);
    expect(help).toContain('dist/main.js');
    expect(serverModulesIn(help)).toEqual([]);
    // Nothing listens on port 9 of loopback: the command fails after building and signing its request.
    const book = modulesLoadedBy(['book', 'BTC-USD', '--url', 'http://127.0.0.1:9/graphql']);
    expect(book).toContain('dist/transport/cli/trade-commands.js');
    expect(serverModulesIn(book)).toEqual([]);
  });

  test('schema loads the GraphQL schema when it runs (the modules are loaded on demand, not missing)', () => {
    const schema = modulesLoadedBy(['schema']);
    expect(schema).toContain('dist/transport/cli/schema-command.js');
    expect(schema.some((file) => /node_modules\/type-graphql\//.test(file))).toBe(true);
  });
});
