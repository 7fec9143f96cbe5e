/**
 * signet-example-notes-apollo: a notes API on Apollo Server that uses the Signet directive
 * packages (`@signed`, `@rateLimit`, `@idempotent`) by their package names.
 */
export { start, type NotesServerOptions, type RunningNotesServer } from './server';
export { KeyRegistry, type RegisteredKey } from './keys';
export { Notebook, type Note } from './notebook';
