import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Repository root: the linter finds graphql-schema-linter.config.js there. */
const ROOT = join(__dirname, '..');
const LINTER = dirname(require.resolve('graphql-schema-linter/package.json', { paths: [ROOT] }));
const CLI = join(LINTER, 'lib', 'cli.js');
const config = require(join(ROOT, 'graphql-schema-linter.config.js')) as { rules: string[]; disabledRules: Record<string, string> };

interface LintError { rule: string; message: string }

/** Runs the linter's own CLI with the committed config; `stdin` lints that SDL instead of the config's schemaPaths. */
function lint(stdin?: string): LintError[] {
  const args = [CLI, '--format', 'json', '--config-directory', ROOT, ...(stdin === undefined ? [] : ['--stdin'])];
  const run = spawnSync(process.execPath, args, { cwd: ROOT, input: stdin, encoding: 'utf8', timeout: 20_000 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`graphql-schema-linter exited ${run.status}: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { errors: LintError[] }).errors;
}

describe('graphql-schema-linter on schema/schema.graphql', () => {
  test('the committed config names every built-in rule, or disables it with a reason', () => {
    const builtIn = readdirSync(join(LINTER, 'lib', 'rules')).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3).replace(/_/g, '-'));
    const disabled = Object.keys(config.disabledRules);
    expect([...config.rules, ...disabled].sort()).toEqual([...builtIn].sort());
    for (const rule of disabled) expect(config.disabledRules[rule]).toMatch(/\w{3,}/);
  });

  test('the schema clients generate code from passes every configured rule', () => {
    expect(lint().map((e) => `${e.rule}: ${e.message}`)).toEqual([]);
  });

  test('the same run reports an undescribed field and a connection without edges (the check is not vacuous)', () => {
    const sdl = `
      """Root."""
      type Query {
        """Orders."""
        orders(
          """Page size."""
          first: Int
          """Cursor."""
          after: String
        ): OrderConnection
        undescribed: String
      }
      """Page."""
      type OrderConnection {
        """Page info."""
        pageInfo: PageInfo!
      }
      """Page info."""
      type PageInfo {
        """More?"""
        hasNextPage: Boolean!
      }
    `;
    const rules = lint(sdl).map((e) => e.rule);
    expect(rules).toEqual(expect.arrayContaining(['fields-have-descriptions', 'relay-connection-types-spec', 'relay-page-info-spec']));
  });
});
