/**
 * Apollo Server on plain `node:http`: the handler reads the body bytes itself (the signature
 * covers their Content-Digest), authenticates the request, then hands the parsed body to
 * `executeHTTPGraphQLRequest` and writes Apollo's answer back.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import { readRawBody } from './raw-body';

/** A GraphQL-shaped error answered before GraphQL runs (no `data`). */
export interface HttpRefusal {
  readonly status: number;
  readonly message: string;
  readonly extensions: Readonly<Record<string, unknown>>;
}

/** The request as the authentication step sees it: exact bytes and headers as received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  /** Raw query without `?`; '' when absent. */
  readonly query: string;
  readonly hasQuery: boolean;
  readonly headers: IncomingMessage['headers'];
  readonly rawBody: Uint8Array;
  /** The peer's address (no proxy in front of the example). */
  readonly clientAddress: string;
}

/** Builds the GraphQL context of a request, or refuses it (e.g. a bad or replayed signature). */
export type ContextFactory<TContext> = (request: ReceivedRequest) => Promise<{ context: TContext } | { refusal: HttpRefusal }>;

/** The GraphQL endpoint's path. */
export const GRAPHQL_PATH = '/graphql';

function refuse(res: ServerResponse, refusal: HttpRefusal): void {
  res.writeHead(refusal.status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors: [{ message: refusal.message, extensions: refusal.extensions }] }));
}

async function writeAnswer(res: ServerResponse, answer: HTTPGraphQLResponse): Promise<void> {
  res.statusCode = answer.status ?? 200;
  for (const [name, value] of answer.headers) res.setHeader(name, value);
  if (answer.body.kind === 'complete') {
    res.end(answer.body.string);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * The `node:http` request listener serving `apollo` at {@link GRAPHQL_PATH}; `headersFor` gives
 * the response headers a request's context collected while it ran (e.g. RateLimit), given the
 * answer's `data` too (undefined when it has none).
 */
export function graphqlHandler<TContext extends object>(
  apollo: ApolloServer<TContext>,
  contextFor: ContextFactory<TContext>,
  headersFor: (context: TContext, data: Record<string, unknown> | null | undefined) => Record<string, string>,
) {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    if (path !== GRAPHQL_PATH) return refuse(res, { status: 404, message: 'Not found.', extensions: { code: 'NOT_FOUND' } });
    if (req.method !== 'POST') return refuse(res, { status: 405, message: 'Use POST.', extensions: { code: 'METHOD_NOT_ALLOWED' } });

    const rawBody = await readRawBody(req);
    if (rawBody === null) return refuse(res, { status: 413, message: 'Body too large.', extensions: { code: 'PAYLOAD_TOO_LARGE' } });
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(rawBody).toString('utf8'));
    } catch {
      return refuse(res, { status: 400, message: 'The body is not JSON.', extensions: { code: 'BAD_REQUEST' } });
    }

    const received: ReceivedRequest = {
      method: req.method,
      path,
      query: queryAt === -1 ? '' : target.slice(queryAt + 1),
      hasQuery: queryAt !== -1,
      headers: req.headers,
      rawBody,
      clientAddress: req.socket.remoteAddress ?? 'unknown',
    };
    const built = await contextFor(received);
    if ('refusal' in built) return refuse(res, built.refusal);

    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const answer = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method, headers, search: received.query === '' ? '' : `?${received.query}`, body },
      context: async () => built.context,
    });
    const data = answer.body.kind === 'complete' ? (JSON.parse(answer.body.string) as { data?: Record<string, unknown> | null }).data : undefined;
    for (const [name, value] of Object.entries(headersFor(built.context, data))) answer.headers.set(name.toLowerCase(), value);
    await writeAnswer(res, answer);
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch(() => {
      // A failure of our own dependencies (a store down): nothing is echoed to the client.
      if (!res.headersSent) refuse(res, { status: 503, message: 'Temporarily unavailable; retry later.', extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } });
      else res.destroy();
    });
  };
}
