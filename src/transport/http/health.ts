import type { FastifyInstance } from 'fastify';

/** A dependency whose reachability decides readiness. `check` rejects when it is unreachable. */
export interface ReadinessCheck { readonly name: string; check(): Promise<void> }

/** How long one readiness probe may take before it counts as down. */
const PROBE_TIMEOUT_MS = 2_000;

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** GET /healthz (the process is alive) and GET /readyz (every dependency answers; 503 otherwise). */
export function registerHealthRoutes(app: FastifyInstance, checks: readonly ReadinessCheck[]): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    const results = await Promise.all(checks.map(async (c) => {
      try {
        await withTimeout(c.check(), PROBE_TIMEOUT_MS);
        return [c.name, 'ok'] as const;
      } catch (error) {
        request.log.warn({ check: c.name, err: error }, 'readiness check failed');
        return [c.name, 'unavailable'] as const;
      }
    }));
    const ready = results.every(([, state]) => state === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
}
