import {
  GraphQLIncludeDirective, GraphQLSkipDirective, Kind, getDirectiveValues,
  type FieldNode, type GraphQLResolveInfo, type SelectionSetNode,
} from 'graphql';
import type { HttpExchange } from '../directive-context';
import { parseIdempotencyKeyHeader, validateIdempotencyKey } from './idempotency-key';
import { IDEMPOTENT } from './idempotent.directive';

/**
 * Which idempotency key each keyed mutation field of an operation uses. The answer depends on
 * the whole operation (the header is only unambiguous with one keyed field; a key may not be
 * used twice), so it is computed once per request and shared by the fields.
 */

/** The key decision for one field: a valid key, no key at all, or a refusal to show the client. */
export type FieldKeyDecision =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** The parts of an operation the analysis reads: a resolver's `info`, or Apollo's request context before execution. */
export type OperationView = Pick<GraphQLResolveInfo, 'schema' | 'operation' | 'fragments' | 'variableValues'>;

interface Analysis {
  readonly operation: GraphQLResolveInfo['operation'];
  readonly byResponseKey: ReadonlyMap<string, FieldKeyDecision>;
}

/**
 * Cached per HTTP exchange, not per `info.operation`: Apollo caches parsed documents, so the
 * same OperationDefinitionNode serves many requests with other variables and headers, while
 * the exchange is created once per request.
 */
const analyses = new WeakMap<HttpExchange, Analysis>();

/**
 * The key decision for the field being resolved. `keyed` says which Mutation fields carry
 * `@idempotent` in the schema; only those count and only those get a decision.
 */
export function keyDecisionFor(info: GraphQLResolveInfo, http: HttpExchange, keyed: ReadonlySet<string>): FieldKeyDecision {
  return keyDecisionsFor(info, http, keyed).get(String(info.path.key)) ?? { kind: 'none' };
}

/** The key decisions of every keyed root field of the operation, by response key (computed once per exchange). */
export function keyDecisionsFor(view: OperationView, http: HttpExchange, keyed: ReadonlySet<string>): ReadonlyMap<string, FieldKeyDecision> {
  let analysis = analyses.get(http);
  if (!analysis || analysis.operation !== view.operation) {
    analysis = { operation: view.operation, byResponseKey: analyze(view, http, keyed) };
    analyses.set(http, analysis);
  }
  return analysis.byResponseKey;
}

function analyze(info: OperationView, http: HttpExchange, keyed: ReadonlySet<string>): Map<string, FieldKeyDecision> {
  const fields = [...rootFields(info)].filter(([, nodes]) => keyed.has(nodes[0].name.value));
  const header = parseIdempotencyKeyHeader(http.requestHeaders['idempotency-key']);
  const decisions = new Map<string, FieldKeyDecision>();
  for (const [responseKey, nodes] of fields) {
    decisions.set(responseKey, decide(info, nodes, header, fields.length));
  }
  // A key names one operation: two fields with one key would make the second a "replay" of the first.
  const uses = new Map<string, number>();
  for (const d of decisions.values()) if (d.kind === 'key') uses.set(d.key, (uses.get(d.key) ?? 0) + 1);
  for (const [responseKey, d] of decisions) {
    if (d.kind === 'key' && (uses.get(d.key) ?? 0) > 1) {
      decisions.set(responseKey, { kind: 'invalid', reason: 'the same idempotency key is used by more than one field of this operation; give each mutation its own key' });
    }
  }
  return decisions;
}

function decide(info: OperationView, nodes: readonly FieldNode[], header: ReturnType<typeof parseIdempotencyKeyHeader>, keyedCount: number): FieldKeyDecision {
  if (!header.ok) return { kind: 'invalid', reason: header.reason };
  if (header.key !== undefined && keyedCount > 1) {
    return { kind: 'invalid', reason: `the Idempotency-Key header applies to one keyed mutation per request and this operation has ${keyedCount}; give each field its own @idempotent(key: "…")` };
  }
  // Merged selections of one response key may each carry the directive; they must agree.
  const definition = info.schema.getDirective(IDEMPOTENT);
  const fieldKeys = new Set<string>();
  for (const node of nodes) {
    const key = definition ? getDirectiveValues(definition, node, info.variableValues)?.key : undefined;
    if (typeof key === 'string') fieldKeys.add(key);
  }
  if (fieldKeys.size > 1) return { kind: 'invalid', reason: 'this field has two different @idempotent keys' };
  const [fieldKey] = fieldKeys;
  if (fieldKey !== undefined) {
    const checked = validateIdempotencyKey(fieldKey);
    if (!checked.ok) return { kind: 'invalid', reason: checked.reason };
    // Two different keys for one call: which one would a retry have to repeat? Refuse rather than guess.
    if (header.key !== undefined && header.key !== fieldKey) {
      return { kind: 'invalid', reason: 'the Idempotency-Key header and @idempotent(key:) disagree; send one key' };
    }
    return { kind: 'key', key: fieldKey };
  }
  return header.key === undefined ? { kind: 'none' } : { kind: 'key', key: header.key };
}

/** Root fields that will execute, by response key, following fragments and @skip/@include as graphql-js does. */
export function rootFields(info: OperationView): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  const included = (node: Parameters<typeof getDirectiveValues>[1]): boolean =>
    getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.if !== true &&
    getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.if !== false;
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
        const fragment = info.fragments[selection.name.value];
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(info.operation.selectionSet);
  return fields;
}
