/**
 * Every package README's TypeScript example compiles against the packages' current types, as a
 * host writes it: an ES module (`module: nodenext`, strict), importing the packages by name. The
 * packages resolve to their sources (dist/ may be absent), everything else from node_modules.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const PACKAGES = join(__dirname, '..', '..', 'packages');
const ROOT = join(PACKAGES, '..');

/** Each ```ts block of each package README, as a virtual `.mts` file beside the README. */
function readmeExamples(): Map<string, string> {
  const examples = new Map<string, string>();
  for (const name of readdirSync(PACKAGES).sort()) {
    let readme: string;
    try { readme = readFileSync(join(PACKAGES, name, 'README.md'), 'utf8'); } catch { continue; }
    [...readme.matchAll(/^```ts\n([^]*?)^```$/gm)].forEach((block, i) => examples.set(join(PACKAGES, name, `README.example-${i + 1}.mts`), block[1]));
  }
  return examples;
}

function compile(examples: Map<string, string>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: ['node'], strict: true, noEmit: true, skipLibCheck: true, esModuleInterop: true,
    baseUrl: ROOT,
    paths: {
      '@signet/*/testing': ['packages/*/src/testing/index.ts'],
      '@signet/*/node': ['packages/*/src/node/index.ts'],
      '@signet/*': ['packages/*/src/index.ts'],
    },
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (file) => examples.has(file) || fileExists(file);
  host.readFile = (file) => examples.get(file) ?? readFile(file);
  host.getSourceFile = (file, language, ...rest) => {
    const text = examples.get(file);
    return text === undefined ? getSourceFile(file, language, ...rest) : ts.createSourceFile(file, text, language, true);
  };
  const program = ts.createProgram([...examples.keys()], options, host);
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && examples.has(d.file.fileName))
    .map((d) => `${d.file!.fileName.slice(PACKAGES.length + 1)}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('package READMEs', () => {
  const examples = readmeExamples();

  test('show TypeScript examples', () => {
    expect([...examples.keys()].map((file) => file.slice(PACKAGES.length + 1).split('/')[0])).toEqual(expect.arrayContaining([
      'directive-idempotent', 'directive-rate-limit', 'directive-signed', 'http-message-signatures', 'http-message-signatures-redis',
      'idempotency', 'idempotency-postgres', 'idempotency-redis', 'rate-limit', 'rate-limit-redis', 'redis-scripts', 'sdk',
    ]));
  });

  test('every TypeScript example compiles as an ES module in a strict host project', () => {
    expect(compile(examples)).toEqual([]);
  }, 120_000);
});
