import { getNullableType, isInputObjectType, isListType, isScalarType, type GraphQLInputObjectType, type GraphQLInputType, type GraphQLScalarType } from 'graphql';

/** An argument or input field as the schema declares it: what leaving defaults out needs. */
export interface InputValueDefinition {
  readonly name: string;
  readonly type: GraphQLInputType;
  /** graphql-js's internal (coerced) default, as `GraphQLArgument.defaultValue`; undefined when none. */
  readonly defaultValue?: unknown;
}

/**
 * The host's canonical form of a scalar value, for the fingerprint only: values its resolvers
 * treat as one (UUIDs in any case, say) map to one form, so a retry that writes them otherwise
 * is the same call. Gets the coerced value (after a non-JSON value's serialization); returns it
 * unchanged for every value it has no rule for. The resolver still gets the value as sent.
 */
export type CanonicalScalar = (type: GraphQLScalarType, value: unknown) => unknown;

const fieldsOfType = new WeakMap<GraphQLInputObjectType, readonly InputValueDefinition[]>();

function inputFieldsOf(type: GraphQLInputObjectType): readonly InputValueDefinition[] {
  let fields = fieldsOfType.get(type);
  if (!fields) {
    fields = Object.values(type.getFields());
    fieldsOfType.set(type, fields);
  }
  return fields;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Deep equality of coerced argument values (JSON values, plain objects, Dates). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    return keys.length === Object.keys(b).filter((k) => b[k] !== undefined).length && keys.every((k) => sameValue(a[k], b[k]));
  }
  return false;
}

/** What the fingerprint reads as it is: JSON values, plain objects and arrays, Dates. */
function isJsonNative(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value) || value instanceof Date || Array.isArray(value) || isPlainObject(value);
}

function explicitValue(value: unknown, type: GraphQLInputType, canonical: CanonicalScalar | undefined): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable) && Array.isArray(value)) return value.map((item) => explicitValue(item, nullable.ofType, canonical));
  if (isInputObjectType(nullable) && isPlainObject(value)) return explicitArguments(value, inputFieldsOf(nullable), canonical);
  if (!isScalarType(nullable) || value === null) return value;
  // A custom scalar that coerces to something else (a URL, a class, a bigint) is fingerprinted
  // in its serialized form, the one the client sent: the same call whatever its internal value.
  let scalar: unknown = value;
  if (!isJsonNative(value)) {
    const serialized: unknown = nullable.serialize(value);
    scalar = typeof serialized === 'bigint' ? serialized.toString() : serialized;
  }
  return canonical ? canonical(nullable, scalar) : scalar;
}

/**
 * The coerced `args` with every value equal to its declared default left out, through input
 * objects and lists of them: the call as the client chose it, not as the schema of the day fills
 * it in. Omitting an argument and writing its default out stay the same call, and a later schema
 * that adds a defaulted argument or input field leaves a retried call's fingerprint unchanged,
 * so a retry across that deploy replays instead of being refused as a key reuse. A changed
 * default is not covered: a call that wrote the old default out no longer matches it (a retry
 * across the deploy is refused as a key reuse), and one that omitted the argument keeps its
 * fingerprint although the new default would make it another call (its retry replays the old
 * outcome). Values the schema does not declare are kept as they are. A custom scalar's value that
 * is not a JSON value (a URL, a bigint, a class instance) is replaced by its serialized form, and
 * with `canonical`, every declared scalar value by the host's canonical form of it.
 */
export function explicitArguments(args: Record<string, unknown>, definitions: readonly InputValueDefinition[], canonical?: CanonicalScalar): Record<string, unknown> {
  const explicit: Record<string, unknown> = { ...args };
  for (const definition of definitions) {
    if (!(definition.name in explicit)) continue;
    const value = explicit[definition.name];
    if (definition.defaultValue !== undefined && sameValue(value, definition.defaultValue)) delete explicit[definition.name];
    else explicit[definition.name] = explicitValue(value, definition.type, canonical);
  }
  return explicit;
}
