import type { Logger } from 'pino';
import type { SignetConfig } from '../../config';
import type { Runtime } from '../../runtime';
import { buildSignetSchema } from '../graphql/build-schema';
import { createSignetServer, type SignetServer } from '../http/create-signet-server';
import { requestLimitsFrom } from '../http/request-limits';
import { signingTargetFor } from '../http/signing-target';
import { demoSeedDecision, seedDemo, type DemoCredential } from './demo-seed';
import { warnAboutWeakKeys } from './weak-key-check';
import { PROCESS_SHUTDOWN, type CliDeps, type ShutdownOptions } from './cli-deps';
import { checkRateLimitOverrides } from './rate-limit-overrides';

/**
 * `signet serve`: opens the stores, seeds the demo when asked on a new embedded database (never in
 * production), listens until SIGTERM/SIGINT. A start-up that fails once the stores are open
 * closes them (and the data directory's lock) before the error goes up.
 */
export async function serve(config: SignetConfig, deps: CliDeps): Promise<number> {
  const schema = buildSignetSchema();
  checkRateLimitOverrides(schema, config.rateLimitOverrides);
  const shutdown: ShutdownOptions = { ...PROCESS_SHUTDOWN, ...deps.shutdown };
  const logger = deps.createLogger(config.logLevel);
  // Serving on PostgreSQL holds the single-process lock: without Redis, losing it (the database
  // restarted, the connection cut) lets another server in; with Redis, a server without Redis took
  // it while this one was taking it again. Either way this one stops.
  const lockLost = { stop: null as ((reason: string) => void) | null, early: false };
  const runtime = await deps.openRuntime(config, logger, {
    serving: {
      onLockLost: (err) => {
        logger.error({ err: { message: err.message } }, 'lost the single-process lock: another server may hold it now (without Redis, none may run beside it), so this one stops');
        if (lockLost.stop) lockLost.stop('LOCK_LOST');
        else lockLost.early = true;
      },
    },
  });
  let server: SignetServer | null = null;
  let demo: { credentials: DemoCredential[]; path: string } | null = null;
  let address: string;
  let operations: string | null;
  try {
    if (config.databaseUrl) logger.info('database: PostgreSQL');
    else logger.info({ dataDir: config.dataDir }, 'database: embedded PGlite (single process)');
    if (!config.redisUrl) logger.warn('security stores: in-process memory; run a single instance only (set REDIS_URL to scale out)');
    await warnAboutWeakKeys(runtime.services, logger);

    const demoSeed = demoSeedDecision(config, runtime.freshDatabase);
    logger.info({ demoSeed: demoSeed.seed, reason: demoSeed.reason }, `demo accounts: ${demoSeed.seed ? 'seeding alice and bob' : 'not seeded'} (${demoSeed.reason})`);
    // Seeded now, while the database is new (a later start would not seed it), but printed only once listening.
    if (demoSeed.seed) demo = await seedDemo(runtime.services, config.dataDir);

    server = await createSignetServer({
      schema, services: runtime.services, security: runtime.security, directives: runtime.directiveDeps(), logger, metrics: runtime.metrics, readiness: runtime.readiness,
      introspection: config.introspection, development: config.development,
      publicUrl: config.publicUrl, publicAuthorities: config.publicAuthorities, signatureMaxAgeSeconds: config.signatureMaxAgeSeconds,
      clientAddress: { trustProxy: config.trustProxy, ipv6LimitPrefix: config.ipv6LimitPrefix }, metricsExposure: config.metrics,
      connectionLimits: config.connectionLimits,
      requestLimits: requestLimitsFrom(config.rateLimitOverrides),
    });
    try {
      address = await server.app.listen({ port: config.port, host: config.host });
    } catch (error) {
      // Node names the address (`EADDRINUSE 127.0.0.1:4000`, `getaddrinfo ENOTFOUND name`), not the variables to change.
      throw new Error(`HOST=${config.host}, PORT=${config.port}: cannot listen: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    // The operator listener could not bind (e.g. port taken): stop rather than run without the metrics the operator asked for.
    try {
      operations = await server.listenOperations();
    } catch (error) {
      const listen = config.metrics.listen;
      const named = listen ? `SIGNET_METRICS_LISTEN=${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}` : 'SIGNET_METRICS_LISTEN';
      throw new Error(`${named}: cannot listen: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  } catch (error) {
    if (demo) logger.warn({ path: demo.path }, `start-up failed after the demo accounts were created; their credentials are in ${demo.path}`);
    await server?.close().catch((err: unknown) => logger.warn({ err }, 'could not close the server after a failed start'));
    await runtime.close();
    throw error;
  }

  if (demo) {
    const lines = demo.credentials.map((c) => `  ${c.name}: account ${c.accountId}\n    keyId      ${c.keyId}\n    privateKey ${c.privateKey}`);
    process.stdout.write(`\nDemo accounts created (shown once; also saved to ${demo.path}, mode 0600):\n${lines.join('\n')}\n\n`);
  }
  const listening = server.app.server.address();
  const target = listening && typeof listening !== 'string' ? signingTargetFor(config.publicUrl, config.publicAuthorities, listening) : null;
  const names = target?.authorities.map((name) => `"${name}"`).join(', ') ?? '';
  logger.info({ address, scheme: target?.scheme, authorities: target?.authorities }, `Signet listening: ${address}/graphql (clients sign @scheme ${target?.scheme}, @authority ${names})`);
  if (operations) logger.info({ address: operations }, `metrics listener: ${operations}/metrics`);
  return untilStopped(server, runtime, logger, { ...shutdown, drainMs: config.drainSeconds * 1000 }, lockLost);
}

/**
 * Waits for SIGTERM/SIGINT, then stops: first, for `drainMs` (SIGNET_DRAIN_SECONDS), it drains
 * (still serving, /readyz 503, each answer closing its connection; a second signal or a lost lock
 * ends that at once); then no new connections, in-flight requests answered (each response ends
 * its connection), stores closed; resolves 0. Past the grace, the remaining connections are
 * destroyed and it resolves 1; if closing still holds the process after `forcedExitMs`, it exits
 * with 1.
 */
function untilStopped(
  server: SignetServer, runtime: Runtime, logger: Logger, shutdown: ShutdownOptions & { readonly drainMs: number },
  lockLost: { stop: ((reason: string) => void) | null; early: boolean },
): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    let endDrain: (() => void) | null = null;
    // A lost lock is a failure a supervisor should see (and restart on), not an asked-for stop,
    // also when it comes while stopping for a signal (during a drain).
    let lockLostNow = false;
    const stop = async (signal: string) => {
      if (signal === 'LOCK_LOST') lockLostNow = true;
      if (stopping) {
        // A second signal (Ctrl-C again) or a lost lock while draining: close now.
        endDrain?.();
        return;
      }
      stopping = true;
      if (shutdown.drainMs > 0 && signal !== 'LOCK_LOST') {
        logger.info({ signal, drainMs: shutdown.drainMs }, 'draining before shutdown: still serving, /readyz answers 503, each answer closes its connection');
        server.drain();
        // The same signal again (Ctrl-C twice) ends the drain too, then kills as before the drain.
        const again = () => endDrain?.();
        shutdown.signals.once(signal, again);
        await new Promise<void>((drained) => {
          const timer = setTimeout(drained, shutdown.drainMs);
          endDrain = () => {
            clearTimeout(timer);
            drained();
          };
        });
        endDrain = null;
        shutdown.signals.removeListener(signal, again);
      }
      logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
      const force = setTimeout(() => {
        logger.error({ graceMs: shutdown.graceMs }, 'shutdown grace period exceeded; closing the remaining connections and exiting');
        server.closeAllConnections();
        resolve(1);
        // Whatever still holds the event loop (a handler stuck on a dependency) must not keep the process alive.
        setTimeout(() => shutdown.exit(1), shutdown.forcedExitMs).unref();
      }, shutdown.graceMs);
      force.unref();
      try {
        await server.close();
        await runtime.close();
        clearTimeout(force);
        logger.info('stopped');
        resolve(lockLostNow ? 1 : 0);
      } catch (error) {
        clearTimeout(force);
        logger.error({ err: error }, 'error during shutdown');
        resolve(1);
      }
    };
    shutdown.signals.once('SIGTERM', () => void stop('SIGTERM'));
    shutdown.signals.once('SIGINT', () => void stop('SIGINT'));
    lockLost.stop = (reason) => void stop(reason);
    if (lockLost.early) void stop('LOCK_LOST');
  });
}
