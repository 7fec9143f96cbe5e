/**
 * The codegen config shipped for client teams (`examples/client-preset/codegen.yml`, client
 * preset, Signet's scalars as strings) runs unmodified in a fresh project, and a small client
 * using its `graphql()` function type-checks: `Decimal` and `DateTimeISO` arrive as `string`,
 * never `unknown`. The committed output in examples/client-preset/src/gql is what it generates.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { typeCheck } from './helpers/type-check';

const root = join(__dirname, '..');
const example = join(root, 'examples', 'client-preset');

describe('examples/client-preset (codegen for client teams)', () => {
  let dir: string;
  let project: string;
  let outputs: Array<{ filename: string; content: string }>;
  beforeAll(async () => {
    // The example's layout, nothing else: the config's `schema: ../../schema/schema.graphql` resolves as in the repository.
    dir = mkdtempSync(join(tmpdir(), 'signet-client-preset-'));
    project = join(dir, 'examples', 'client-preset');
    mkdirSync(join(project, 'src'), { recursive: true });
    mkdirSync(join(dir, 'schema'));
    copyFileSync(join(root, 'schema', 'schema.graphql'), join(dir, 'schema', 'schema.graphql'));
    copyFileSync(join(example, 'codegen.yml'), join(project, 'codegen.yml'));
    copyFileSync(join(example, 'src', 'signet-client.ts'), join(project, 'src', 'signet-client.ts'));
    // The team's own node_modules would provide graphql and @graphql-typed-document-node/core.
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');

    // The CLI, as a team runs it (`npx graphql-codegen`): in-process under Jest the client preset
    // cannot load (one of its dependencies is an ES module, which Jest's require refuses).
    const run = spawnSync(process.execPath, [join(root, 'node_modules', '.bin', 'graphql-codegen'), '--config', 'codegen.yml'], {
      cwd: project, encoding: 'utf8', timeout: 50_000, env: { ...process.env, FORCE_COLOR: '0' },
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    outputs = readdirSync(join(project, 'src', 'gql')).map((name) => ({
      filename: `src/gql/${name}`, content: readFileSync(join(project, 'src', 'gql', name), 'utf8'),
    }));
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('generates the client preset: graphql() with one typed document per inline operation', () => {
    expect(outputs.map((o) => o.filename).sort()).toEqual(['src/gql/fragment-masking.ts', 'src/gql/gql.ts', 'src/gql/graphql.ts', 'src/gql/index.ts']);
    const gql = outputs.find((o) => o.filename === 'src/gql/gql.ts')?.content ?? '';
    expect(gql).toContain('export function graphql(source: "\\n  query MyBalances {');
    expect(gql).toContain('export function graphql(source: "\\n  mutation PlaceLimitOrder(');
  });

  test('the small client type-checks, with Decimal and DateTimeISO as string', () => {
    expect(typeCheck([join(project, 'src', 'signet-client.ts')])).toEqual([]);
    const types = outputs.find((o) => o.filename === 'src/gql/graphql.ts')?.content ?? '';
    expect(types).toContain('balances: Array<{ asset: Asset, available: string, held: string }>');
    // Without the scalar mapping these would be `unknown` (and the client above would not compile).
    expect(types).toContain('price: string | null, quantity: string, status: OrderStatus, createdAt: string');
  }, 60_000);

  test('the types are real: a number for a Decimal, a lower-case side and an unselected field do not compile', () => {
    writeFileSync(join(project, 'src', 'wrong.ts'), [
      "import type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';",
      "import { MyBalances, PlaceLimitOrder } from './signet-client';",
      "export const v: VariablesOf<typeof PlaceLimitOrder> = { input: { market: 'BTC-USD', side: 'buy', type: 'LIMIT', price: 30000, quantity: '1' } };",
      'export const f = (r: ResultOf<typeof MyBalances>) => r.me?.balances?.[0]?.valueUsd;',
      'export const n = (r: ResultOf<typeof MyBalances>): number => r.me?.balances?.[0]?.held ?? 0;',
    ].join('\n'));
    const messages = typeCheck([join(project, 'src', 'wrong.ts')]).join('\n');
    expect(messages).toMatch(/'"buy"' is not assignable to type 'OrderSide'/);
    expect(messages).toMatch(/'number' is not assignable to type 'string'/);
    expect(messages).toMatch(/Property 'valueUsd' does not exist/);
    expect(messages).toMatch(/'string \| 0' is not assignable to type 'number'|'string' is not assignable to type 'number'/);
  }, 60_000);

  test('the committed examples/client-preset/src/gql is fresh (run `npm run codegen` after changing schema/)', () => {
    expect(readdirSync(join(example, 'src', 'gql')).sort()).toEqual(outputs.map((o) => o.filename.slice('src/gql/'.length)).sort());
    for (const output of outputs) {
      expect(readFileSync(join(example, output.filename), 'utf8')).toBe(output.content);
    }
  });
});
