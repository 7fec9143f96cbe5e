/**
 * The `prices` section of the config: where valuations (`Balance.valueUsd`, `Account.valuation`)
 * get USD prices. Parsed with the rest of the environment in `parseConfig` (only `main.ts` reads
 * the environment). An HTTP feed when `SIGNET_PRICE_FEED_URL` is set, otherwise the embedded
 * source: mid prices of resting orders, else the configured table.
 */
import { ASSET_CODES, type AssetCode } from './domain/assets';
import { parseDecimal } from './domain/decimal';
import { DEFAULT_PRICE_TABLE, type PriceTable } from './domain/prices';

/** Which price source a process uses, with its settings. */
export interface PriceConfig {
  /** Price feed answering JSON `{ "BTC": "30000.50", "ETH": "2000" }` (`SIGNET_PRICE_FEED_URL`, http or https). Null: the embedded source. */
  readonly feedUrl: string | null;
  /** Longest wait for one feed answer, in ms (`SIGNET_PRICE_FEED_TIMEOUT_MS`, 10-10000). Defaults to 500. */
  readonly feedTimeoutMs: number;
  /** Fallback USD prices of the embedded source (`SIGNET_PRICE_TABLE`, JSON `{"BTC":"30000","ETH":"2000"}`). Defaults to DEFAULT_PRICE_TABLE. */
  readonly table: PriceTable;
}

/** Bounds of the feed timeout: under 10 ms nothing answers; over 10 s a valuation would hold a request hostage. */
const TIMEOUT_RANGE = { min: 10, max: 10_000 } as const;

/** Assets the table may price: every asset but USD, which is 1 by definition. */
const PRICED_ASSETS: readonly AssetCode[] = ASSET_CODES.filter((a) => a !== 'USD');

/** Parses SIGNET_PRICE_FEED_URL, SIGNET_PRICE_FEED_TIMEOUT_MS and SIGNET_PRICE_TABLE, pushing one problem per bad variable. */
export function parsePriceConfig(env: Readonly<Record<string, string | undefined>>, problems: string[]): PriceConfig {
  let feedUrl: string | null = null;
  if (env.SIGNET_PRICE_FEED_URL) {
    try {
      const parsed = new URL(env.SIGNET_PRICE_FEED_URL);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
      feedUrl = env.SIGNET_PRICE_FEED_URL;
    } catch {
      // The value is not echoed: a feed URL may carry a token.
      problems.push('SIGNET_PRICE_FEED_URL must be an http:// or https:// URL, e.g. https://prices.example.com/usd');
    }
  }

  let feedTimeoutMs = 500;
  const timeoutText = env.SIGNET_PRICE_FEED_TIMEOUT_MS;
  if (timeoutText) {
    feedTimeoutMs = Number(timeoutText);
    if (!/^\d+$/.test(timeoutText) || feedTimeoutMs < TIMEOUT_RANGE.min || feedTimeoutMs > TIMEOUT_RANGE.max) {
      problems.push(`SIGNET_PRICE_FEED_TIMEOUT_MS must be a whole number of milliseconds from ${TIMEOUT_RANGE.min} to ${TIMEOUT_RANGE.max}`);
      feedTimeoutMs = 500;
    }
  }

  let table: PriceTable = DEFAULT_PRICE_TABLE;
  if (env.SIGNET_PRICE_TABLE) {
    const parsed = parseTable(env.SIGNET_PRICE_TABLE);
    if (parsed === null) {
      problems.push(`SIGNET_PRICE_TABLE must be JSON giving each of ${PRICED_ASSETS.join(', ')} a positive decimal string, e.g. {"BTC":"30000","ETH":"2000"}`);
    } else if (feedUrl !== null) {
      // Silently ignoring it would let an operator believe the table backs up the feed; it does not.
      problems.push('SIGNET_PRICE_TABLE applies only to the embedded price source: unset it or SIGNET_PRICE_FEED_URL');
    } else table = parsed;
  }
  return Object.freeze({ feedUrl, feedTimeoutMs, table });
}

/** A frozen table when `text` is a JSON object pricing every non-USD asset with a positive plain decimal; null otherwise. */
function parseTable(text: string): PriceTable | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const table: Partial<Record<AssetCode, string>> = {};
  for (const [asset, price] of Object.entries(value)) {
    if (!PRICED_ASSETS.includes(asset as AssetCode) || typeof price !== 'string') return null;
    const decimal = parseDecimal(price);
    if (decimal === null || decimal.lte(0)) return null;
    table[asset as AssetCode] = price;
  }
  // Every asset must be priced: a missing one would null every valuation holding it, silently.
  if (PRICED_ASSETS.some((a) => table[a] === undefined)) return null;
  return Object.freeze(table);
}
