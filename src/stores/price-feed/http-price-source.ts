import CircuitBreaker from 'opossum';
import { ASSET_CODES, Dec, PriceUnavailableError, parseDecimal, type AssetCode, type PriceQuote, type PriceSource } from '../../domain';

/** Options of the HTTP price feed adapter. */
export interface HttpPriceSourceOptions {
  /** Feed URL answering JSON: { "BTC": "30000.50", "ETH": "2000", "asOf": "2026-01-01T00:00:00Z" } (asOf optional); `user:password@` is sent as HTTP Basic authentication. */
  readonly url: string;
  /** Per-request timeout in ms. Defaults to 500. */
  readonly timeoutMs?: number;
  /** How long the last good quote may be served while the feed fails, in ms. Defaults to 30_000. */
  readonly staleMs?: number;
  /** How long a fresh quote is reused without asking the feed, in ms. Defaults to 1_000. */
  readonly freshMs?: number;
  /** Breaker: consecutive-window failure percentage that opens it (default 50) over at least `volumeThreshold` calls (default 5). */
  readonly errorThresholdPercentage?: number;
  readonly volumeThreshold?: number;
  /** Breaker: ms before a half-open trial call. Defaults to 5_000. */
  readonly resetTimeoutMs?: number;
  /** Injectable fetch and clock (tests). */
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** The HTTP adapter plus the breaker's state, for readiness and tests. */
export interface HttpPriceSource extends PriceSource {
  readonly breakerState: () => 'closed' | 'open' | 'half-open';
  close(): void;
}

function parseQuote(body: unknown, fallbackAsOf: Date): PriceQuote {
  if (typeof body !== 'object' || body === null) throw new PriceUnavailableError('bad_response');
  const record = body as Record<string, unknown>;
  const usd = new Map<AssetCode, Dec>([['USD', new Dec(1)]]);
  for (const asset of ASSET_CODES) {
    if (asset === 'USD') continue;
    const value = parseDecimal(String(record[asset] ?? ''));
    if (value === null || value.lte(0)) throw new PriceUnavailableError('bad_response');
    usd.set(asset, value);
  }
  const asOf = typeof record.asOf === 'string' && !Number.isNaN(Date.parse(record.asOf)) ? new Date(record.asOf) : fallbackAsOf;
  return { usd, asOf };
}

/**
 * The URL to fetch and the headers to send: a URL's `user:password@` becomes HTTP Basic
 * authentication (RFC 7617), because fetch refuses a URL that carries credentials (every call
 * would fail as "unreachable").
 */
function feedRequest(url: string): { url: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (parsed.username === '' && parsed.password === '') return { url, headers };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, headers };
}

/**
 * Prices from an HTTP feed, defended in depth: every call has a timeout, a circuit breaker
 * (opossum) answers at once while the feed keeps failing, and the last good quote is served
 * for a short while during errors. After that, PriceUnavailableError: valuations go null.
 */
export function createHttpPriceSource(options: HttpPriceSourceOptions): HttpPriceSource {
  const timeoutMs = options.timeoutMs ?? 500;
  const staleMs = options.staleMs ?? 30_000;
  const freshMs = options.freshMs ?? 1_000;
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const request = feedRequest(options.url);
  let lastGood: { quote: PriceQuote; at: number } | undefined;

  const breaker = new CircuitBreaker(async (): Promise<PriceQuote> => {
    let response: Response;
    try {
      response = await doFetch(request.url, { signal: AbortSignal.timeout(timeoutMs), headers: request.headers });
    } catch (error) {
      throw new PriceUnavailableError((error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable');
    }
    if (!response.ok) throw new PriceUnavailableError('bad_response');
    return parseQuote(await response.json().catch(() => null), new Date(now()));
  }, {
    // opossum's own timer backs up AbortSignal.timeout: no call waits longer than the timeout.
    timeout: timeoutMs,
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    volumeThreshold: options.volumeThreshold ?? 5,
    resetTimeout: options.resetTimeoutMs ?? 5_000,
  });

  return {
    async current() {
      if (lastGood && now() - lastGood.at < freshMs) return lastGood.quote;
      try {
        const quote = await breaker.fire();
        lastGood = { quote, at: now() };
        return quote;
      } catch (error) {
        if (lastGood && now() - lastGood.at < staleMs) return lastGood.quote;
        if (error instanceof PriceUnavailableError) throw error;
        throw new PriceUnavailableError(breaker.opened ? 'circuit_open' : 'timeout');
      }
    },
    breakerState: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed'),
    close: () => breaker.shutdown(),
  };
}
