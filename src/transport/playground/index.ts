/**
 * The browser playground, server side: routes that serve the bundle scripts/build-playground.js
 * builds from ./browser (GraphiQL plus a signing panel). The browser code is not exported here:
 * the server never loads it.
 */
export { DEFAULT_PLAYGROUND_DIR, PLAYGROUND_CSP, prefersHtml, registerPlayground, type Playground, type PlaygroundOptions } from './playground-routes';
