import type { Logger } from 'pino';
import type { SignetConfig } from '../../config';
import type { Runtime } from '../../runtime';

/** What the CLI needs from the composition root. */
export interface CliDeps {
  openRuntime(config: SignetConfig, logger: Logger): Promise<Runtime>;
  createLogger(level: SignetConfig['logLevel']): Logger;
}
