/** Small statistics the bench's measurements and report share. */

/** The median of `values` (the upper one of an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
}

/** `n` rounded to three decimals (ms figures). */
export const round3 = (n: number): number => Math.round(n * 1000) / 1000;
