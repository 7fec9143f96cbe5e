/**
 * The fee rates of every market (`SIGNET_MAKER_FEE_RATE`, `SIGNET_TAKER_FEE_RATE`), parsed with the
 * rest of the environment in `parseConfig` and handed to the domain (createDomainServices `feeRates`).
 */
import { Dec, parseDecimal } from './domain/decimal';
import { DEFAULT_FEE_RATES, type FeeRates } from './domain/settlement';

/** Highest fee rate accepted: 10 %. A higher one is far more likely a typo (10 for 0.1 %) than a choice. */
export const MAX_FEE_RATE = new Dec('0.1');

function parseRate(name: string, text: string | undefined, fallback: Dec, problems: string[]): Dec {
  if (text === undefined || text === '') return fallback;
  const rate = parseDecimal(text);
  if (rate === null || rate.lt(0) || rate.gt(MAX_FEE_RATE)) {
    problems.push(`${name} must be a decimal from 0 to ${MAX_FEE_RATE.toFixed()}, e.g. "0.001" for 0.1 % (got "${text.slice(0, 20)}")`);
    return fallback;
  }
  return rate;
}

/** Parses the maker and taker fee rates (defaults 0.001 and 0.002), pushing one problem per bad variable. */
export function parseFeeRates(env: Readonly<Record<string, string | undefined>>, problems: string[]): FeeRates {
  return Object.freeze({
    maker: parseRate('SIGNET_MAKER_FEE_RATE', env.SIGNET_MAKER_FEE_RATE, DEFAULT_FEE_RATES.maker, problems),
    taker: parseRate('SIGNET_TAKER_FEE_RATE', env.SIGNET_TAKER_FEE_RATE, DEFAULT_FEE_RATES.taker, problems),
  });
}
