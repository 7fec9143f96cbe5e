/**
 * Closed-loop HTTP load through autocannon's programmatic API, on loopback only. One scenario
 * may split its connections over several servers (one autocannon instance each, run at the
 * same time); latencies are collected per response so the percentiles of a split run are exact.
 */
import autocannon from 'autocannon';

/** One request to send: built afresh for every request (fresh nonce, fresh idempotency key). */
export interface BenchRequest {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** What one scenario sends, and where. */
export interface LoadSpec {
  /** Base URLs (`http://127.0.0.1:port`); the connections are split evenly across them. */
  readonly targets: readonly string[];
  /** Builds the next request for `target` (called once per request, inside the load generator). */
  readonly next: (target: string) => BenchRequest;
  /** Concurrent connections per target. */
  readonly connectionsPerTarget: number;
  /** Measured seconds. */
  readonly durationSeconds: number;
  /** Unmeasured seconds first (JIT, connection pools, script caches). */
  readonly warmupSeconds: number;
}

/** The figures of one measured run. */
export interface LoadFigures {
  /** Completed requests per second over the measured period. */
  readonly requestsPerSecond: number;
  /** Median latency, ms. */
  readonly p50Ms: number;
  /** 99th percentile latency, ms. */
  readonly p99Ms: number;
  /** Responses that were not 2xx, or carried a GraphQL `errors` array, plus socket errors and timeouts. */
  readonly errors: number;
  /** Completed requests in the measured period. */
  readonly requests: number;
  /** The first error body seen, shortened (for the report, so a failing scenario says why). */
  readonly sampleError?: string;
}

/** Only loopback targets: the bench must never load anything but this machine. */
function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') throw new Error(`bench targets loopback only, not ${host}`);
}

interface Tally { latencies: number[]; errors: number; sampleError?: string; requests: number }

/** Runs autocannon against one target for `seconds`, adding what it sees to `tally`. */
async function hammer(target: string, spec: LoadSpec, seconds: number, tally: Tally): Promise<void> {
  let finish: (error: unknown, result: autocannon.Result) => void = () => undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result));
  });
  // The callback form returns the instance, whose events carry each response's latency.
  const instance = autocannon({
    url: `${target}/graphql`,
    connections: spec.connectionsPerTarget,
    duration: seconds,
    timeout: 10,
    requests: [{
      method: 'POST',
      setupRequest: (request) => {
        const built = spec.next(target);
        return { ...request, method: 'POST', body: built.body, headers: { 'content-type': 'application/json', ...built.headers } };
      },
      onResponse: (status, body) => {
        // A GraphQL error is an error even in a 200 (field-level failures keep HTTP 200).
        if (status < 200 || status >= 300 || body.includes('"errors"')) {
          tally.errors += 1;
          tally.sampleError ??= `${status} ${body.slice(0, 300)}`;
        }
      },
    }],
  }, (error, result) => finish(error, result));
  // autocannon emits (client, statusCode, bytes, responseTime); the typings omit the client.
  instance.on('response', (...args: unknown[]) => {
    tally.latencies.push(Number(args[args.length - 1]));
    tally.requests += 1;
  });
  const result = await finished;
  tally.errors += result.errors + result.timeouts;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Warms up, then measures; every target is loaded at the same time. */
export async function runLoad(spec: LoadSpec): Promise<LoadFigures> {
  spec.targets.forEach(assertLoopback);
  if (spec.warmupSeconds > 0) {
    const ignored: Tally = { latencies: [], errors: 0, requests: 0 };
    await Promise.all(spec.targets.map((t) => hammer(t, spec, spec.warmupSeconds, ignored)));
  }
  const tally: Tally = { latencies: [], errors: 0, requests: 0 };
  const started = process.hrtime.bigint();
  await Promise.all(spec.targets.map((t) => hammer(t, spec, spec.durationSeconds, tally)));
  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = tally.latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: Math.round(tally.requests / elapsedSeconds),
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    errors: tally.errors,
    requests: tally.requests,
    ...(tally.sampleError ? { sampleError: tally.sampleError } : {}),
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
