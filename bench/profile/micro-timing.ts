/**
 * Per-call wall time of small functions, for the profile's micro-benchmarks (verifier-parts.ts,
 * admission-parts.ts): each round times `calls` calls of each candidate in turn; the report is
 * the median round per candidate. Results are kept live (a sink), so no call is optimised away.
 */

/** Times of each candidate, per round, in ms per call. */
export class MicroTimings {
  private readonly rounds = new Map<string, number[]>();
  private sink = 0;

  /** Times `calls` synchronous calls of `run` and records the ms per call under `name`. */
  timeSync(name: string, calls: number, run: () => unknown): void {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) if (run() !== undefined) this.sink++;
    this.record(name, start, calls);
  }

  /** Times `calls` awaited calls of `run`, one after the other, and records the ms per call under `name`. */
  async timeAsync(name: string, calls: number, run: () => Promise<unknown>): Promise<void> {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) if ((await run()) !== undefined) this.sink++;
    this.record(name, start, calls);
  }

  /** One line per candidate: the median round's ms per call, then every round. */
  report(): string {
    const lines = [...this.rounds].map(([name, times]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return `${sorted[Math.floor(sorted.length / 2)].toFixed(4)} ms/call  ${name}  (rounds: ${times.map((t) => t.toFixed(4)).join(' ')})`;
    });
    return `${lines.join('\n')}${this.sink === 0 ? '\n' : ''}`;
  }

  private record(name: string, start: bigint, calls: number): void {
    this.rounds.set(name, [...(this.rounds.get(name) ?? []), Number(process.hrtime.bigint() - start) / 1e6 / calls]);
  }
}
