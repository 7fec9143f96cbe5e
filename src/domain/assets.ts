import { Dec } from './decimal';

/** Assets held in accounts; `decimals` is the smallest unit the ledger records. */
export const ASSETS = {
  USD: { code: 'USD', decimals: 2 },
  BTC: { code: 'BTC', decimals: 8 },
  ETH: { code: 'ETH', decimals: 8 },
} as const;

/** An asset code such as USD or BTC. */
export type AssetCode = keyof typeof ASSETS;

/** Every asset code, in a stable order. */
export const ASSET_CODES = Object.keys(ASSETS) as AssetCode[];

/** True when `code` names a known asset. */
export function isAssetCode(code: string): code is AssetCode {
  return Object.prototype.hasOwnProperty.call(ASSETS, code);
}

/** Trading rules for one market. */
export interface MarketSpec {
  readonly symbol: string;
  readonly baseAsset: AssetCode;
  readonly quoteAsset: AssetCode;
  /** Prices must be a multiple of this. */
  readonly tickSize: Dec;
  /** Quantities must be a multiple of this. */
  readonly lotSize: Dec;
  readonly minQuantity: Dec;
  readonly maxQuantity: Dec;
  readonly maxPrice: Dec;
}

function market(symbol: string, base: AssetCode, quote: AssetCode, tick: string, lot: string, min: string, max: string, maxPrice: string): MarketSpec {
  return Object.freeze({
    symbol, baseAsset: base, quoteAsset: quote,
    tickSize: new Dec(tick), lotSize: new Dec(lot), minQuantity: new Dec(min), maxQuantity: new Dec(max), maxPrice: new Dec(maxPrice),
  });
}

/** The markets Signet lists. */
export const MARKETS: ReadonlyMap<string, MarketSpec> = new Map([
  ['BTC-USD', market('BTC-USD', 'BTC', 'USD', '0.01', '0.00001', '0.00001', '100', '10000000')],
  ['ETH-USD', market('ETH-USD', 'ETH', 'USD', '0.01', '0.0001', '0.0001', '1000', '1000000')],
]);
