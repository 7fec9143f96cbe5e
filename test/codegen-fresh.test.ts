import { generate, loadCodegenConfig } from '@graphql-codegen/cli';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

describe('codegen.yml', () => {
  test('generates the committed typed documents in packages/sdk/src/generated (run `npm run codegen` after changing schema/)', async () => {
    const { config } = await loadCodegenConfig({ configFilePath: join(root, 'codegen.yml') });
    const cwd = process.cwd();
    process.chdir(root);
    try {
      const outputs = await generate({ ...config, cwd: root, silent: true }, false);
      expect(outputs.length).toBeGreaterThan(0);
      for (const output of outputs) {
        expect(readFileSync(join(root, output.filename), 'utf8')).toBe(output.content);
      }
    } finally {
      process.chdir(cwd);
    }
  }, 60_000);
});
