import { createServer, type Server } from 'node:http';

/** How the fake feed behaves for the next requests. */
export type FeedMode = 'ok' | 'slow' | 'fail' | 'garbage';

/** A local price feed on 127.0.0.1 that can be healthy, slow, failing or stopped. */
export interface FakePriceFeed {
  readonly url: string;
  mode: FeedMode;
  prices: Record<string, string>;
  /** What a slow answer carries instead of `prices` (decided when its request arrives), so a client that waited for one shows it. */
  slowPrices?: Record<string, string>;
  /** Requests received so far. */
  hits: number;
  /** The `Authorization` header of the last request, if any. */
  lastAuthorization?: string;
  /** When set, a request without this `Authorization` header gets 401. */
  requireAuthorization?: string;
  /** Answers sent so far (a slow one counts once its delay is over, whether or not anyone still listens). */
  answered: number;
  close(): Promise<void>;
}

/** Starts a fake feed; `slowMs` is how long a slow answer takes. */
export async function startFakePriceFeed(slowMs = 2_000): Promise<FakePriceFeed> {
  const timers = new Set<NodeJS.Timeout>();
  const feed: FakePriceFeed = { url: '', mode: 'ok', prices: { BTC: '30000', ETH: '2000' }, hits: 0, answered: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    feed.hits += 1;
    feed.lastAuthorization = req.headers.authorization;
    if (feed.requireAuthorization !== undefined && req.headers.authorization !== feed.requireAuthorization) return void res.writeHead(401).end();
    const slow = feed.mode === 'slow';
    const answer = () => {
      feed.answered += 1;
      if (feed.mode === 'fail') return void res.writeHead(500).end('{"error":"boom"}');
      if (feed.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"BTC": 12');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify((slow && feed.slowPrices) || feed.prices));
    };
    if (slow) {
      const t = setTimeout(() => { timers.delete(t); answer(); }, slowMs);
      timers.add(t);
    } else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return Object.assign(feed, {
    url: `http://127.0.0.1:${address.port}/prices`,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
