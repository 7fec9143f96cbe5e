/**
 * Each example's README shows its runnable example verbatim (`src/example.ts`, compiled by
 * `tsc -b` and typechecked with the rest), so the README cannot drift from code that compiles.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe.each(['notes-apollo', 'payments-yoga'])('examples/%s/README.md', (example) => {
  it('shows src/example.ts verbatim', () => {
    const dir = join(__dirname, '..', example);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${readFileSync(join(dir, 'src', 'example.ts'), 'utf8')}\`\`\``);
  });
});
