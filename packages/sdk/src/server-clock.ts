/**
 * The clock a client signs on: its own, plus an offset learned from the server's `Date`, so a
 * signature's `created` is what the server calls now even when the local clock is off.
 */
import { serverDate, type ReadResponse, type Verdict } from './response';

/**
 * How far the server's `Date` may be from our idea of its time before the offset is corrected. The
 * header has whole seconds and the answer took some time to arrive: less would chase noise.
 */
const MAX_CLOCK_DRIFT_MS = 2_000;

/** The server's time as a client estimates it. */
export interface ServerClock {
  /** The server's time now, in ms since the epoch: the local clock plus {@link offsetMs}. */
  now(): number;
  /** Current correction added to the local clock, in ms. */
  readonly offsetMs: number;
  /** Adopts the server's time from a Signet answer's `Date` when ours is off by more than 2 s; other answers (a proxy's page) are ignored. */
  follow(answer: ReadResponse): void;
  /** Takes `serverTimeMs` as the server's time now (a SIGNATURE_EXPIRED names it in its `Date`). */
  adopt(serverTimeMs: number): void;
  /**
   * The verdict with a REPLAY_PROTECTION_RECOVERING's or SIGNED_WHILE_LIMITED's Retry-After made a wait: that Retry-After says
   * how far the refused signature's `created` (`createdMs`) must advance, not how long to wait, so a
   * clock just moved forward needs less. Other verdicts are returned as they are.
   */
  untilCreatedAdvances(verdict: Verdict, createdMs: number | undefined): Verdict;
}

/** Refusals whose Retry-After counts from the refused signature's `created`, on the signer's clock. */
const COUNTED_FROM_CREATED = new Set(['REPLAY_PROTECTION_RECOVERING', 'SIGNED_WHILE_LIMITED']);

/** A server clock over `clock` (ms since the epoch), starting with no correction. */
export function createServerClock(clock: () => number): ServerClock {
  let offsetMs = 0;
  const now = () => clock() + offsetMs;
  return {
    now,
    get offsetMs() {
      return offsetMs;
    },
    follow(answer) {
      // Only Signet's own answers (GraphQL bodies), not a proxy's error page: its Date is the clock we sign against.
      if (!answer.body) return;
      const serverNowMs = serverDate(answer);
      if (serverNowMs !== undefined && Math.abs(serverNowMs - now()) > MAX_CLOCK_DRIFT_MS) offsetMs = serverNowMs - clock();
    },
    adopt(serverTimeMs) {
      offsetMs = serverTimeMs - clock();
    },
    untilCreatedAdvances(verdict, createdMs) {
      if (verdict.kind !== 'transient' || !COUNTED_FROM_CREATED.has(verdict.reason) || verdict.retryAfterMs === undefined || createdMs === undefined) return verdict;
      return { ...verdict, retryAfterMs: Math.max(0, createdMs + verdict.retryAfterMs - now()) };
    },
  };
}
