/**
 * The shape of one mode's bench results (bench/results/*.json): its own file so that the report
 * and the matching section of it (report-matching.ts) share it without importing each other.
 */
import type { CrossingOutcome } from './crossing';
import type { HistoryResult } from './history';
import type { LoadFigures } from './load';
import type { MatchingThroughput } from './matching-throughput';
import type { PeersResult } from './peers';
import type { PrimitiveCosts } from './primitive';
import type { RateLimitBenchResult } from './rate-limit-accuracy';
import type { RequestCosts } from './request-cost';
import type { RoundTripCosts } from './round-trip-cost';

/**
 * Server CPU per request measured in one process with no concurrency (bench/profile/in-process.ts):
 * the scenarios take turns (every `block` requests when given), one figure per round for each.
 */
export interface InProcessResult {
  readonly requests: number;
  readonly rounds: number;
  readonly block?: number;
  readonly scenarios: ReadonlyArray<{ readonly id: string; readonly roundsMs: readonly number[] }>;
  /**
   * Scenario 3k: the signature check's wall time inside its requests, mean ms per request, as a
   * request runs it (`firstMs`) and run again at once on the same request (`againMs`).
   */
  readonly signatureCheck?: { readonly requests: number; readonly firstMs: number; readonly againMs: number };
}

/** One scenario's outcome: figures, or why it did not run. */
export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** Server processes the load was split across. */
  readonly servers: number;
  readonly figures?: LoadFigures;
  readonly skipped?: string;
}

/** Everything one `npm run bench` measured in one mode. */
export interface ModeResult {
  readonly label: string;
  readonly database: string;
  readonly redis: string;
  readonly date: string;
  /** `loadAverage`: the 1-minute load when the run started (other work on the machine skews the figures). */
  readonly machine: { cores: number; cpu: string; memoryGiB: number; node: string; platform: string; loadAverage: number };
  readonly settings: { durationSeconds: number; warmupSeconds: number; connectionsPerServer: number; rounds?: number; turnWarmupSeconds?: number };
  readonly scenarios: readonly ScenarioResult[];
  /** Round trips per request, counted (scenarios 2, 3b, 3, 4, 5). */
  readonly costs: RequestCosts;
  readonly accuracy: RateLimitBenchResult | { skipped: string };
  /** The verification primitive, measured in the bench process in this run (absent in older runs). */
  readonly primitive?: PrimitiveCosts;
  /** What one SQL statement and one Redis round trip cost the sending process, measured in this run (absent in older runs). */
  readonly roundTrips?: RoundTripCosts;
  /** Scenarios 3b, 3v, 3f, 3 and 4 in one process, taking turns (absent in older runs). */
  readonly inProcess?: InProcessResult;
  /** The peers side by side (absent in older runs). */
  readonly peers?: PeersResult | { skipped: string };
  /** What scenarios 7 and 7b left in the server's database (absent in older runs). */
  readonly crossing?: CrossingOutcome;
  /** The matching module alone, in the bench process (absent in older runs). */
  readonly matching?: MatchingThroughput;
  /** The live paths with and without a million historical orders (absent in older runs). */
  readonly history?: HistoryResult | { skipped: string };
}
