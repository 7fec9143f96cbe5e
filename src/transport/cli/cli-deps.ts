import type { Logger } from 'pino';
import type { SignetConfig } from '../../config';
import type { LogStream, Runtime, RuntimeOptions } from '../../runtime';
import type { CallTiming } from './call-command';

/** What the CLI needs from the composition root. */
export interface CliDeps {
  openRuntime(config: SignetConfig, logger: Logger, options?: RuntimeOptions): Promise<Runtime>;
  createLogger(level: SignetConfig['logLevel'], stream?: LogStream): Logger;
  /** How `serve` stops; tests shorten the grace and stand in for the process. Defaults to {@link PROCESS_SHUTDOWN}. */
  readonly shutdown?: Partial<ShutdownOptions>;
  /** How `call` waits between attempts; tests run it on a virtual clock. Defaults to real time. */
  readonly callTiming?: CallTiming;
}

/** Where `serve` hears it should stop, how long it waits, and how it leaves when waiting is not enough. */
export interface ShutdownOptions {
  /** Emits SIGTERM and SIGINT. */
  readonly signals: Pick<NodeJS.EventEmitter, 'once' | 'removeListener'>;
  /** How long in-flight requests have to finish before their connections are closed. */
  readonly graceMs: number;
  /** After the grace, how long closing may still take before `exit(1)`. */
  readonly forcedExitMs: number;
  /** Ends the process at once. */
  exit(code: number): void;
}

/** The real process: its signals and exit, 10 s of grace, 2 s more to close. */
export const PROCESS_SHUTDOWN: ShutdownOptions = Object.freeze({
  signals: process,
  graceMs: 10_000,
  forcedExitMs: 2_000,
  exit: (code: number) => process.exit(code),
});
