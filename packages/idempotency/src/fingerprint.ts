import { createHash } from 'node:crypto';

/**
 * Canonical fingerprint of a mutation's coerced GraphQL arguments.
 *
 * The fingerprint decides whether a retry with the same idempotency key is "the same request"
 * (replay the outcome) or "another request" (IDEMPOTENCY_KEY_REUSED), so it must not depend
 * on accidents of serialization: object keys are sorted recursively, while arrays keep their
 * order because order is meaningful in GraphQL lists.
 *
 * Only JSON values are accepted. A value that JSON would silently change (a Map becoming `{}`,
 * a class instance losing its prototype, NaN becoming null) would let two different requests
 * share a fingerprint, so such values throw instead of being coerced.
 */

/** Prefix naming the hash algorithm, so a future change of algorithm never compares equal by accident. */
const PREFIX = 'sha256:';

/**
 * Returns `sha256:<hex>` of the canonical JSON of `args`.
 *
 * Canonical form: object keys sorted by UTF-16 code units (JavaScript's default sort), properties
 * whose value is `undefined` dropped, `undefined` array elements written as `null` (as JSON does,
 * so positions never shift), a `Date` written as its ISO-8601 string. Accepted values: strings,
 * finite numbers, booleans, null, arrays, and plain objects (prototype `Object.prototype` or
 * `null`, which is what graphql-js builds for coerced input objects).
 *
 * Two values that differ only in key order get the same fingerprint. Distinct JSON values get
 * distinct fingerprints, with two deliberate exceptions: `-0` equals `0`, and a `Date` equals
 * its ISO string (a DateTime scalar and its wire form are the same argument).
 *
 * @throws TypeError for anything else (bigint, symbol, function, NaN/Infinity, an invalid Date,
 *   class instances such as Map or Decimal, a cycle, or `undefined` at the top level).
 *   Custom scalars that parse to class instances must be converted by the caller first.
 */
export function fingerprintArguments(args: unknown): string {
  const json = canonicalJson(args, '$', new Set());
  if (json === undefined) throw new TypeError('fingerprintArguments: $ is undefined, not a JSON value');
  return PREFIX + createHash('sha256').update(json, 'utf8').digest('hex');
}

/**
 * Serializes one value; `undefined` means "omit me" to the caller. `path` is only for error
 * messages, and `ancestors` holds the objects on the current path so a cycle throws instead of
 * overflowing the stack (a shared, non-cyclic sub-object is fine).
 */
function canonicalJson(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`fingerprintArguments: ${path} is ${value}, not a finite number`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`fingerprintArguments: ${path} is a ${typeof value}, not a JSON value`);
  }
  if (value === null) return 'null';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`fingerprintArguments: ${path} is an invalid Date`);
    return JSON.stringify(value.toISOString());
  }
  if (ancestors.has(value)) throw new TypeError(`fingerprintArguments: ${path} is a cycle`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.map((item, i) => canonicalJson(item, `${path}[${i}]`, ancestors) ?? 'null');
      return `[${items.join(',')}]`;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new TypeError(`fingerprintArguments: ${path} is a ${kind}, not a plain object`);
    }
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const member = canonicalJson(record[key], `${path}.${key}`, ancestors);
      if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}
