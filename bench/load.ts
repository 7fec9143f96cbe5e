/**
 * Closed-loop HTTP load through autocannon's programmatic API, on loopback only. One scenario
 * may split its connections over several servers (one autocannon instance each, run at the
 * same time); latencies are collected per response so the percentiles of a split run are exact.
 * A measurement may run in several rounds (interleaved with other scenarios' rounds, so that
 * scenarios compared with each other see the same background load); its figures cover them all.
 */
import autocannon from 'autocannon';
import { cpuShares, noCpuUsage, watchCpu, type CpuShares } from './cpu';

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
  /** CPU milliseconds the servers have used so far (read around every measured round). */
  readonly serverCpuMs?: () => number;
  /** The same for the servers' main (JavaScript) threads alone. */
  readonly serverMainThreadCpuMs?: () => number;
}

/** The figures of one measurement. */
export interface LoadFigures {
  /** Completed requests per second over the measured rounds. */
  readonly requestsPerSecond: number;
  /** Median latency, ms. */
  readonly p50Ms: number;
  /** 99th percentile latency, ms. */
  readonly p99Ms: number;
  /**
   * Responses that were not 2xx, carried a GraphQL `errors` array or a non-empty `userErrors` list
   * (a refused order), plus socket errors and timeouts.
   */
  readonly errors: number;
  /** Completed requests in the measured rounds. */
  readonly requests: number;
  /**
   * Server CPU (user + system, all target processes) per completed request, ms. Less sensitive
   * than requests/s to what else the machine runs, so it compares scenarios more steadily.
   */
  readonly serverCpuMsPerRequest?: number;
  /**
   * The part of it spent on the servers' main (JavaScript) threads: what bounds a process's
   * throughput (the rest, V8's garbage collection and compiler threads, runs on the other core).
   */
  readonly serverMainThreadCpuMsPerRequest?: number;
  /** How the machine's CPU was shared during the measured rounds (Linux only). */
  readonly cpu?: CpuShares;
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
        // A GraphQL error is an error even in a 200 (field-level failures keep HTTP 200), and so is a refusal in userErrors.
        if (status < 200 || status >= 300 || body.includes('"errors"') || body.includes('"userErrors":[{')) {
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

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** A measurement accumulated over rounds. */
export interface Measurement {
  /** Loads every target for `seconds` without counting anything (JIT, pools, script caches). */
  warmUp(seconds: number): Promise<void>;
  /** Loads every target at once for `seconds` and counts it. */
  round(seconds: number): Promise<void>;
  /** The figures over every counted round. */
  figures(): LoadFigures;
}

/** Starts a measurement of `spec` (nothing runs until `warmUp` or `round`). */
export function createMeasurement(spec: LoadSpec): Measurement {
  spec.targets.forEach(assertLoopback);
  const tally: Tally = { latencies: [], errors: 0, requests: 0 };
  const usage = noCpuUsage();
  let serverCpuMs = 0;
  let serverMainThreadCpuMs = 0;
  let elapsedSeconds = 0;
  return {
    async warmUp(seconds) {
      const ignored: Tally = { latencies: [], errors: 0, requests: 0 };
      await Promise.all(spec.targets.map((t) => hammer(t, spec, seconds, ignored)));
    },
    async round(seconds) {
      const cpuBefore = spec.serverCpuMs?.() ?? NaN;
      const mainThreadBefore = spec.serverMainThreadCpuMs?.() ?? NaN;
      const stopWatching = spec.serverCpuMs ? watchCpu(spec.serverCpuMs, usage) : undefined;
      const started = process.hrtime.bigint();
      await Promise.all(spec.targets.map((t) => hammer(t, spec, seconds, tally)));
      elapsedSeconds += Number(process.hrtime.bigint() - started) / 1e9;
      stopWatching?.();
      serverCpuMs += (spec.serverCpuMs?.() ?? NaN) - cpuBefore;
      serverMainThreadCpuMs += (spec.serverMainThreadCpuMs?.() ?? NaN) - mainThreadBefore;
    },
    figures() {
      const sorted = [...tally.latencies].sort((a, b) => a - b);
      const cpu = cpuShares(usage);
      return {
        requestsPerSecond: Math.round(tally.requests / (elapsedSeconds || 1)),
        p50Ms: round3(percentile(sorted, 50)),
        p99Ms: round3(percentile(sorted, 99)),
        errors: tally.errors,
        requests: tally.requests,
        ...(Number.isFinite(serverCpuMs) && tally.requests > 0 ? { serverCpuMsPerRequest: round3(serverCpuMs / tally.requests) } : {}),
        ...(Number.isFinite(serverMainThreadCpuMs) && tally.requests > 0 ? { serverMainThreadCpuMsPerRequest: round3(serverMainThreadCpuMs / tally.requests) } : {}),
        ...(cpu ? { cpu } : {}),
        ...(tally.sampleError ? { sampleError: tally.sampleError } : {}),
      };
    },
  };
}
