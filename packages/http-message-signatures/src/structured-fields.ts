/**
 * The one place this folder loads `structured-headers` (RFC 8941/9651 Structured Field Values),
 * so the library can be swapped or pinned in one file. Its types resolve through the `paths`
 * mapping in tsconfig.base.json (they are declared only under `exports`, which
 * `moduleResolution: node10` does not read).
 */
import * as sf from 'structured-headers';

/** Runtime bindings of `structured-headers`. */
export default sf;

/** Structured-field value types re-exported for this folder's internal modules. */
export type { BareItem, Dictionary, InnerList, Item, Parameters } from 'structured-headers';
