import type { SignetConfig } from '../../config';
import { createSignetServer } from '../http/create-signet-server';
import { requestLimitsFrom } from '../http/request-limits';
import { signingTargetFor } from '../http/signing-target';
import { demoSeedDecision, seedDemo } from './demo-seed';
import { warnAboutWeakKeys } from './weak-key-check';
import type { CliDeps } from './cli-deps';

/** How long shutdown waits for in-flight requests before giving up. */
const SHUTDOWN_GRACE_MS = 10_000;

/** `signet serve`: opens the stores, seeds the demo when asked on a new embedded database (never in production), listens until SIGTERM/SIGINT. */
export async function serve(config: SignetConfig, deps: CliDeps): Promise<number> {
  const logger = deps.createLogger(config.logLevel);
  const runtime = await deps.openRuntime(config, logger);
  if (config.databaseUrl) logger.info('database: PostgreSQL');
  else logger.info({ dataDir: config.dataDir }, 'database: embedded PGlite (single process)');
  if (!config.redisUrl) logger.warn('security stores: in-process memory; run a single instance only (set REDIS_URL to scale out)');
  await warnAboutWeakKeys(runtime.services, logger);

  const demoSeed = demoSeedDecision(config, runtime.freshDatabase);
  logger.info({ demoSeed: demoSeed.seed, reason: demoSeed.reason }, `demo accounts: ${demoSeed.seed ? 'seeding alice and bob' : 'not seeded'} (${demoSeed.reason})`);
  if (demoSeed.seed) {
    const demo = await seedDemo(runtime.services, config.dataDir);
    const lines = demo.credentials.map((c) => `  ${c.name}: account ${c.accountId}\n    keyId      ${c.keyId}\n    privateKey ${c.privateKey}`);
    process.stdout.write(`\nDemo accounts created (shown once; also saved to ${demo.path}, mode 0600):\n${lines.join('\n')}\n\n`);
  }

  const server = await createSignetServer({
    services: runtime.services, security: runtime.security, directives: runtime.directiveDeps(), logger, metrics: runtime.metrics, readiness: runtime.readiness,
    introspection: config.introspection, development: config.development,
    publicUrl: config.publicUrl, publicAuthorities: config.publicAuthorities, signatureMaxAgeSeconds: config.signatureMaxAgeSeconds,
    clientAddress: { trustProxy: config.trustProxy, ipv6LimitPrefix: config.ipv6LimitPrefix }, metricsExposure: config.metrics,
    requestLimits: requestLimitsFrom(config.rateLimitOverrides),
  });
  const app = server.app;
  const address = await app.listen({ port: config.port, host: config.host });
  const listening = app.server.address();
  const target = listening && typeof listening !== 'string' ? signingTargetFor(config.publicUrl, config.publicAuthorities, listening) : null;
  const names = target?.authorities.map((name) => `"${name}"`).join(', ') ?? '';
  logger.info({ address, scheme: target?.scheme, authorities: target?.authorities }, `Signet listening: ${address}/graphql (clients sign @scheme ${target?.scheme}, @authority ${names})`);
  let operations: string | null;
  try {
    operations = await server.listenOperations();
  } catch (error) {
    // The operator listener could not bind (e.g. port taken): stop rather than run without the metrics the operator asked for.
    await server.close();
    await runtime.close();
    throw error;
  }
  if (operations) logger.info({ address: operations }, `metrics listener: ${operations}/metrics`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
      const force = setTimeout(() => {
        logger.error('shutdown grace period exceeded; exiting');
        resolve(1);
      }, SHUTDOWN_GRACE_MS);
      force.unref();
      try {
        await server.close();
        await runtime.close();
        clearTimeout(force);
        logger.info('stopped');
        resolve(0);
      } catch (error) {
        logger.error({ err: error }, 'error during shutdown');
        resolve(1);
      }
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
  });
}
