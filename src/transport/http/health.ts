import type { FastifyInstance, FastifyRequest } from 'fastify';

/** A dependency whose reachability decides readiness. `check` rejects when it is unreachable. */
export interface ReadinessCheck { readonly name: string; check(): Promise<void> }

/** The routes an orchestrator or load balancer polls. */
const PROBE_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/** Whether the request is a probe: matched on its route, so a padded query string still is one. */
export function isProbe(request: FastifyRequest): boolean {
  return PROBE_ROUTES.has(request.routeOptions.url ?? '');
}

/** How long one readiness probe may take before it counts as down. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * How often /readyz may ping its dependencies: a few runs back to back, then one a second. It is
 * public and not rate limited (see create-http-server.ts), so a flood must cost nothing per
 * caller: past the burst, callers get the last answer, and each one a second is a fresh run. The
 * burst is there so a caller asking now and then always gets a fresh answer: a plain one-second
 * cache told a client asking again right after a dependency dropped that all was well (the
 * outage suites ask exactly that). An orchestrator polls every few seconds, inside it.
 */
export const READINESS_RUNS = Object.freeze({ burst: 3, perSecond: 1 });

/** Options of {@link registerHealthRoutes}. */
export interface HealthRouteOptions {
  /** Clock in ms (injectable for tests). Defaults to Date.now. */
  readonly now?: () => number;
  /** True while the server drains before it stops: /readyz answers 503 at once, whatever its dependencies. */
  readonly draining?: () => boolean;
}

/** What /readyz answers: every check's state. */
type Readiness = { readonly ready: boolean; readonly checks: Readonly<Record<string, 'ok' | 'unavailable'>> };

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * GET /healthz (the process is alive) and GET /readyz (every dependency answers, and the server is
 * not stopping; 503 otherwise).
 * /readyz runs its checks at most as READINESS_RUNS allows (a token bucket); callers while a run
 * is in flight share it, and callers past the allowance get the last answer.
 */
export function registerHealthRoutes(app: FastifyInstance, checks: readonly ReadinessCheck[], options: HealthRouteOptions = {}): void {
  const now = options.now ?? Date.now;
  let runs: { allowance: number; at: number } = { allowance: READINESS_RUNS.burst, at: Number.NaN };
  let inFlight: Promise<Readiness> | null = null;
  let lastAnswer: Readiness | null = null;
  const runChecks = async (): Promise<Readiness> => {
    const results = await Promise.all(checks.map(async (c) => {
      try {
        await withTimeout(c.check(), PROBE_TIMEOUT_MS);
        return [c.name, 'ok'] as const;
      } catch (error) {
        app.log.warn({ check: c.name, err: error }, 'readiness check failed');
        return [c.name, 'unavailable'] as const;
      }
    }));
    return { ready: results.every(([, state]) => state === 'ok'), checks: Object.fromEntries(results) };
  };
  const readiness = (): Promise<Readiness> => {
    const at = now();
    if (inFlight) return inFlight;
    const earned = Number.isNaN(runs.at) ? 0 : (Math.max(0, at - runs.at) / 1000) * READINESS_RUNS.perSecond;
    runs = { allowance: Math.min(READINESS_RUNS.burst, runs.allowance + earned), at };
    if (runs.allowance < 1 && lastAnswer) return Promise.resolve(lastAnswer);
    runs.allowance -= 1;
    const run = runChecks().then((answer) => {
      lastAnswer = answer;
      inFlight = null;
      return answer;
    });
    inFlight = run;
    return run;
  };
  app.get('/healthz', async () => ({ status: 'ok' }));
  const draining = options.draining ?? (() => false);
  app.get('/readyz', async (_request, reply) => {
    // Not cached, not rate limited: a load balancer must see it on its next poll.
    if (draining()) return reply.status(503).send({ status: 'stopping', checks: {} });
    const { ready, checks: states } = await readiness();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: states });
  });
}
