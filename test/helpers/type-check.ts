import ts from 'typescript';

/**
 * Type-checks `files` strictly, as a client team's project with default settings would (no
 * @types beyond what the files import); returns the diagnostics' messages, empty when it compiles.
 */
export function typeCheck(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10, skipLibCheck: true, types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}
