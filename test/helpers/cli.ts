import { main } from '../../src/main';

/** What one in-process `signet` run printed and returned. */
export interface CliRun { readonly code: number; readonly stdout: string; readonly stderr: string }

/** Runs `run` (a CLI run in process) with stdout and stderr captured: its exit code and what it printed. */
export async function capturedRun(run: () => Promise<number>): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const collect = (into: string[]) => ((chunk: string | Uint8Array) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(collect(out));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(collect(err));
  try {
    const code = await run();
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** Runs `signet <args>` in process with `env`, capturing stdout and stderr. */
export function signet(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliRun> {
  return capturedRun(() => main(['node', 'signet', ...args], env));
}
