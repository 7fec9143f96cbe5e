/**
 * The outcome-codec port: what the executor stores about a completed call, and how a replay turns
 * it back into a result. The host knows its results (which entity a mutation made, which parts
 * are shown only once); the core stores the codec's text and never looks inside it.
 */

/** Encodes the results of one call and replays stored outcomes for it. */
export interface OutcomeCodec {
  /**
   * The outcome to store for a result of the effect. Throws for a result it cannot replay
   * (the transaction then rolls back and nothing is recorded).
   */
  encode(result: unknown): string;
  /**
   * Whether an outcome is a refusal with no effect to keep (e.g. a payload of user errors and
   * no entity). Only a refusal is recorded after its transaction was rolled back; anything
   * else from a rollback-only transaction means a nested failure was swallowed.
   */
  isRefusal(outcome: string): boolean;
  /** The result a replay returns, rebuilt from a stored outcome (e.g. re-reading the entity it names). */
  replay(outcome: string): Promise<unknown>;
}
