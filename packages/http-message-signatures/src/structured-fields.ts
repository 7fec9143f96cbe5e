/**
 * The one place this folder loads `structured-headers` (RFC 8941/9651 Structured Field Values).
 *
 * The package ships CommonJS at runtime through `exports.require`, but its type declarations are
 * only reachable through `exports`, which this repo's `moduleResolution: node10` does not read.
 * The deep `dist/index` path resolves under node10 and is used for types only (erased at
 * runtime), so we keep the library's real types without an ambient `declare module` that other
 * folders could collide with.
 */
import type * as StructuredHeaders from 'structured-headers/dist/index';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sf = require('structured-headers') as typeof StructuredHeaders;

/** Runtime bindings of `structured-headers`, typed by its own declarations. */
export default sf;

/** Structured-field value types re-exported for this folder's internal modules. */
export type { BareItem, Dictionary, InnerList, Item, Parameters } from 'structured-headers/dist/index';
