/**
 * What the client needs to know about a document before sending it: its text, its operation
 * type, and which root fields are `@idempotent` mutations (those get an Idempotency-Key and may
 * be retried). Computed once per document object.
 */
import { Kind, print, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * Mutation fields marked `@idempotent` in `schema/schema.graphql`. A test compares this set with
 * the schema's directives, so it cannot drift; it is a constant so the browser bundle needs no schema.
 */
export const IDEMPOTENT_MUTATION_FIELDS: ReadonlySet<string> = new Set([
  'placeOrder',
  'cancelOrder',
  'cancelAllOrders',
  'createTransfer',
  'createApiKey',
  'revokeApiKey',
]);

/** A document as the client sends it. */
export interface OperationInfo {
  /** The printed document (the `query` of the request body). */
  readonly query: string;
  /** The operation's name, when it has one. */
  readonly operationName?: string;
  readonly kind: 'query' | 'mutation' | 'subscription';
  /** Root fields of a mutation that are `@idempotent`, one entry per response key, in document order. */
  readonly keyedFields: readonly string[];
  /** Root mutation fields that are not `@idempotent`: a retry of these could run twice. */
  readonly unkeyedFields: readonly string[];
  /**
   * Where the document itself gives its one keyed field's key: `@idempotent(key: "…")` (a literal)
   * or `@idempotent(key: $name)` (a variable). Undefined when the field carries no key argument, or
   * when the document has more or fewer than one keyed field.
   */
  readonly documentKey?: { readonly literal: string } | { readonly variable: string; readonly defaultValue?: string };
}

const cache = new WeakMap<DocumentNode, OperationInfo>();

/**
 * Root fields by response key (alias or name), following fragments. Keyed by response key because
 * that is how the server counts keyed fields: `a: placeOrder … b: placeOrder …` is two calls.
 */
function rootFields(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, into = new Map<string, FieldNode[]>(), seen = new Set<string>()): Map<string, FieldNode[]> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const responseKey = selection.alias?.value ?? selection.name.value;
      into.set(responseKey, [...(into.get(responseKey) ?? []), selection]);
    }
    else if (selection.kind === Kind.INLINE_FRAGMENT) rootFields(selection.selectionSet, fragments, into, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment) rootFields(fragment.selectionSet, fragments, into, seen);
    }
  }
  return into;
}

/**
 * Describes a document with exactly one operation (the server refuses batches, and the generated
 * documents hold one each). Throws a TypeError for documents the client cannot send.
 */
export function describeOperation(document: DocumentNode): OperationInfo {
  const cached = cache.get(document);
  if (cached) return cached;
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) throw new TypeError(`a request holds exactly one operation (this document has ${operations.length})`);
  const [operation] = operations;
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const byResponseKey = operation.operation === 'mutation' ? [...rootFields(operation.selectionSet, fragments).values()] : [];
  const fields = byResponseKey.map((nodes) => nodes[0].name.value);
  const keyed = byResponseKey.filter((nodes) => IDEMPOTENT_MUTATION_FIELDS.has(nodes[0].name.value));
  const documentKey = keyed.length === 1 ? keyArgumentOf(keyed[0], operation) : undefined;
  const info: OperationInfo = {
    query: print(document),
    operationName: operation.name?.value,
    kind: operation.operation,
    keyedFields: keyed.map((nodes) => nodes[0].name.value),
    unkeyedFields: fields.filter((f) => !IDEMPOTENT_MUTATION_FIELDS.has(f) && f !== '__typename'),
    ...(documentKey ? { documentKey } : {}),
  };
  cache.set(document, info);
  return info;
}

/**
 * The `key` argument of `@idempotent` on a keyed field (the first of its selections that has one;
 * the server refuses selections whose keys differ): a string literal or a variable.
 */
function keyArgumentOf(nodes: readonly FieldNode[], operation: OperationDefinitionNode): OperationInfo['documentKey'] {
  for (const node of nodes) {
    const argument = node.directives?.find((d) => d.name.value === 'idempotent')?.arguments?.find((a) => a.name.value === 'key');
    if (argument?.value.kind === Kind.STRING) return { literal: argument.value.value };
    if (argument?.value.kind === Kind.VARIABLE) {
      const variable = argument.value.name.value;
      // The server coerces variables with their defaults: `$k: String = "daily-1"` left out is "daily-1".
      const fallback = operation.variableDefinitions?.find((d) => d.variable.name.value === variable)?.defaultValue;
      return { variable, ...(fallback?.kind === Kind.STRING ? { defaultValue: fallback.value } : {}) };
    }
  }
  return undefined;
}
