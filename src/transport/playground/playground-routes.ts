/**
 * Serves the browser playground that scripts/build-playground.js bundles into dist/playground:
 * the page at GET /playground (and GET /graphql from a browser, see create-http-server.ts) and its
 * static files at /playground/*. Registered only when introspection is on: the playground is a
 * schema explorer, so it follows the same switch (off by default in production).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where the build writes the bundle: `<repo>/dist/playground`, whether this file runs from src/ (ts-jest) or dist/. */
export const DEFAULT_PLAYGROUND_DIR = join(__dirname, '..', '..', '..', 'dist', 'playground');

/**
 * The page's Content-Security-Policy. Scripts, workers and requests: this origin only, no inline
 * script, no eval. Styles need 'unsafe-inline': Monaco writes <style> elements and style
 * attributes at run time (measured in headless Chromium with `style-src 'self'`: 3 <style>
 * elements and ~100 style attributes refused on load, and the editor loses its syntax colours).
 * Fonts and icons in GraphiQL's CSS are data: URLs.
 */
export const PLAYGROUND_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signet playground</title></head>
<body><h1>The playground is not built</h1><p>Run <code>npm run build</code> (it bundles the playground into <code>dist/playground</code>), then reload.</p></body></html>
`;

/** Options of {@link registerPlayground}. */
export interface PlaygroundOptions {
  /** Directory holding the built bundle. Defaults to {@link DEFAULT_PLAYGROUND_DIR}. */
  readonly dir?: string;
}

/** The registered playground: lets the /graphql route hand browsers the page. */
export interface Playground {
  /** Sends the playground page (503 with instructions when the bundle is missing). */
  sendPage(reply: FastifyReply): Promise<FastifyReply>;
}

/** q-value of the first Accept entry matching `type` exactly (wildcards do not count), 0 when absent. */
function quality(entries: readonly string[], type: string): number {
  for (const entry of entries) {
    const [range, ...params] = entry.split(';').map((p) => p.trim().toLowerCase());
    if (range !== type) continue;
    const q = params.find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    return Number.isFinite(value) ? value : 0;
  }
  return 0;
}

/**
 * True when a GET asks for HTML ahead of JSON, as a browser navigation does. Wildcards never
 * count: `curl` (`*\/*`) and GraphQL clients keep Apollo's behaviour on GET /graphql.
 */
export function prefersHtml(request: FastifyRequest): boolean {
  if (request.method !== 'GET') return false;
  const entries = (request.headers.accept ?? '').split(',');
  const html = quality(entries, 'text/html');
  return html > 0 && html > Math.max(quality(entries, 'application/json'), quality(entries, 'application/graphql-response+json'));
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', PLAYGROUND_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin');
}

/** Registers GET /playground and /playground/*; returns what the /graphql route needs to serve the page. */
export function registerPlayground(app: FastifyInstance, options: PlaygroundOptions = {}): Playground {
  const dir = resolve(options.dir ?? DEFAULT_PLAYGROUND_DIR);
  let warned = false;

  async function sendPage(reply: FastifyReply): Promise<FastifyReply> {
    securityHeaders(reply).header('cache-control', 'no-store').type('text/html; charset=utf-8');
    try {
      return reply.send(await readFile(join(dir, 'index.html')));
    } catch {
      if (!warned) app.log.warn({ dir }, 'the playground is not built: run npm run build');
      warned = true;
      return reply.status(503).send(NOT_BUILT);
    }
  }

  async function sendFile(request: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply): Promise<FastifyReply> {
    const name = request.params['*'];
    if (name === '' || name === 'index.html') return sendPage(reply);
    const type = CONTENT_TYPES[extname(name)];
    const path = resolve(dir, name);
    // Only files inside the bundle directory, with a known type; `..`, NUL and the like end up outside or unknown.
    const info = !type || name.includes('\0') || !path.startsWith(dir + sep) ? null : await stat(path).catch(() => null);
    if (!type || !info?.isFile()) {
      reply.callNotFound();
      return reply;
    }
    // Chunk and asset names carry a content hash; the entry files and workers keep fixed names.
    const immutable = name.startsWith('chunks/') || name.startsWith('assets/');
    securityHeaders(reply).header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache').type(type);
    return reply.send(await readFile(path));
  }

  app.get('/playground', (_request, reply) => sendPage(reply));
  app.get<{ Params: { '*': string } }>('/playground/*', sendFile);
  return { sendPage };
}
