/**
 * What the client needs to know about a document before sending it: its text, its operation
 * type, and which root fields are `@idempotent` mutations (those get an Idempotency-Key and may
 * be retried). The document is printed once per document object; the fields are read per request,
 * since @skip/@include depend on its variables.
 */
import { Kind, print, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionNode, type SelectionSetNode } from 'graphql';

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

/** Options of {@link describeOperation}. */
export interface DescribeOptions {
  /**
   * The variables the request sends: `@skip(if: $x)` and `@include(if: $x)` on a root selection
   * decide whether its field runs, so whether it counts (a variable left out takes its declared default).
   */
  readonly variables?: Readonly<Record<string, unknown>>;
  /** The operation to describe, for a document holding several (the request's `operationName`). */
  readonly operationName?: string;
}

/** What does not depend on the variables: the printed document and the chosen operation, once per document and name. */
interface Prepared {
  readonly query: string;
  readonly operation: OperationDefinitionNode;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
}

const cache = new WeakMap<DocumentNode, Map<string | undefined, Prepared>>();

/**
 * The literal or variable value of `@skip`/`@include`'s `if` on a selection, as the server coerces
 * it: a variable sent, else its declared default. Anything else (a variable of neither) the server
 * refuses before it runs anything, so what is answered then does not matter.
 */
function condition(node: SelectionNode, name: 'skip' | 'include', operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>): unknown {
  const value = node.directives?.find((d) => d.name.value === name)?.arguments?.find((a) => a.name.value === 'if')?.value;
  if (value?.kind === Kind.BOOLEAN) return value.value;
  if (value?.kind !== Kind.VARIABLE) return undefined;
  const variable = value.name.value;
  // A variable set to undefined is not sent (JSON.stringify drops it): the server takes its default.
  if (Object.prototype.hasOwnProperty.call(variables, variable) && variables[variable] !== undefined) return variables[variable];
  const fallback = operation.variableDefinitions?.find((d) => d.variable.name.value === variable)?.defaultValue;
  return fallback?.kind === Kind.BOOLEAN ? fallback.value : undefined;
}

/**
 * Root fields that will run, by response key (alias or name), following fragments and
 * @skip/@include. Keyed by response key because that is how the server counts keyed fields:
 * `a: placeOrder … b: placeOrder …` is two calls, one field selected twice under one name is one.
 * A copy of the server's rule, `rootFields` in packages/directive-idempotent/src/operation-keys.ts
 * (the owner; change both): that package is not browser-safe (@signet/idempotency needs
 * node:crypto), and this one runs in browsers. test/sdk/sdk-surface.test.ts compares the two.
 */
function rootFields(prepared: Prepared, variables: Readonly<Record<string, unknown>>): Map<string, FieldNode[]> {
  const { operation, fragments } = prepared;
  const fields = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  const included = (node: SelectionNode): boolean =>
    condition(node, 'skip', operation, variables) !== true && condition(node, 'include', operation, variables) !== false;
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const responseKey = selection.alias?.value ?? selection.name.value;
        fields.set(responseKey, [...(fields.get(responseKey) ?? []), selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return fields;
}

/** The document printed and its operation (the one `operationName` names, else its only one); throws a TypeError when there is none. */
function prepare(document: DocumentNode, operationName: string | undefined): Prepared {
  let byName = cache.get(document);
  const cached = byName?.get(operationName);
  if (cached) return cached;
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  let operation: OperationDefinitionNode | undefined;
  if (operationName === undefined) {
    if (operations.length !== 1) throw new TypeError(`a request holds exactly one operation (this document has ${operations.length}; name one with operationName)`);
    [operation] = operations;
  } else {
    operation = operations.find((o) => o.name?.value === operationName);
    if (!operation) throw new TypeError(`the document has no operation named ${JSON.stringify(operationName)}`);
  }
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const prepared: Prepared = { query: print(document), operation, fragments };
  if (!byName) cache.set(document, (byName = new Map()));
  byName.set(operationName, prepared);
  return prepared;
}

/**
 * Describes the operation a request runs: the document's only one, or the one `operationName`
 * names (the generated documents hold one each), with the root fields its `variables` let run.
 * Throws a TypeError for documents the client cannot send.
 */
export function describeOperation(document: DocumentNode, options: DescribeOptions = {}): OperationInfo {
  const prepared = prepare(document, options.operationName);
  const { operation } = prepared;
  const byResponseKey = operation.operation === 'mutation' ? [...rootFields(prepared, options.variables ?? {}).values()] : [];
  const fields = byResponseKey.map((nodes) => nodes[0].name.value);
  const keyed = byResponseKey.filter((nodes) => IDEMPOTENT_MUTATION_FIELDS.has(nodes[0].name.value));
  const documentKey = keyed.length === 1 ? keyArgumentOf(keyed[0], operation) : undefined;
  return {
    query: prepared.query,
    operationName: operation.name?.value,
    kind: operation.operation,
    keyedFields: keyed.map((nodes) => nodes[0].name.value),
    unkeyedFields: fields.filter((f) => !IDEMPOTENT_MUTATION_FIELDS.has(f) && f !== '__typename'),
    ...(documentKey ? { documentKey } : {}),
  };
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
