/**
 * Where Monaco (GraphiQL's editor) gets its web workers. GraphiQL ships set-ups for Vite, webpack
 * and esm.sh (a CDN); ours loads the worker bundles scripts/build-playground.js writes next to
 * the app, from this origin, so the page works offline and under `worker-src 'self'`.
 * Imported first by app.tsx: Monaco reads this global when it starts its first worker.
 */

/** Worker bundle per Monaco language label; anything else gets the generic editor worker. */
export const WORKER_FILES: Readonly<Record<string, string>> = Object.freeze({
  graphql: 'graphql.worker.js',
  json: 'json.worker.js',
  editor: 'editor.worker.js',
});

(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker(_workerId: string, label: string): Worker {
    const file = WORKER_FILES[label] ?? WORKER_FILES.editor;
    return new Worker(new URL(`/playground/${file}`, globalThis.location.origin), { name: label });
  },
};
