import {
  GraphQLIncludeDirective, GraphQLSkipDirective, Kind, getDirectiveValues,
  type FieldNode, type GraphQLResolveInfo, type GraphQLSchema, type SelectionSetNode,
} from 'graphql';
import { parseIdempotencyKeyHeader, validateIdempotencyKey } from '@signet/idempotency';
import { DEFAULT_IDEMPOTENT_DIRECTIVE_NAME, idempotentRequirement } from './idempotent.directive';

/**
 * Which idempotency key each keyed mutation field of an operation uses. The answer depends on
 * the whole operation (the header is only unambiguous with one keyed field; a key may not be
 * used twice), so it is decided for all the root fields at once. Pure: a host that plans work
 * before execution (Signet's request admission) gets the very decisions the directive will make.
 */

/** The key decision for one field: a valid key, no key at all, or a refusal to show the client. */
export type FieldKeyDecision =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** The parts of an operation the analysis reads: a resolver's `info`, or a server's request context before execution. */
export type OperationView = Pick<GraphQLResolveInfo, 'schema' | 'operation' | 'fragments' | 'variableValues'>;

/** The `Idempotency-Key` request header as Node exposes it (absent, once, or repeated). */
export type IdempotencyKeyHeader = string | string[] | undefined;

/** Mutation fields whose definition carries the directive, per schema and directive name. */
const keyedBySchema = new WeakMap<GraphQLSchema, Map<string, ReadonlySet<string>>>();

/** The Mutation fields of `schema` that carry the directive `name` (the "keyed" fields); computed once per schema. */
export function keyedFields(schema: GraphQLSchema, name = DEFAULT_IDEMPOTENT_DIRECTIVE_NAME): ReadonlySet<string> {
  let byName = keyedBySchema.get(schema);
  if (!byName) keyedBySchema.set(schema, (byName = new Map()));
  let keyed = byName.get(name);
  if (!keyed) {
    const fields = Object.values(schema.getMutationType()?.getFields() ?? {});
    keyed = new Set(fields.filter((f) => idempotentRequirement(schema, f, name)).map((f) => f.name));
    byName.set(name, keyed);
  }
  return keyed;
}

/**
 * The key decisions of every keyed root field of an operation, by response key (alias or name):
 * from `@<name>(key:)` on the field in the operation, else the header (only with exactly one
 * keyed field), and a key used by two fields is refused for both. Only fields in `keyed` count.
 */
export function keyDecisions(
  view: OperationView, header: IdempotencyKeyHeader, keyed: ReadonlySet<string>, name = DEFAULT_IDEMPOTENT_DIRECTIVE_NAME,
): ReadonlyMap<string, FieldKeyDecision> {
  return analyze(view, header, keyed, name);
}

function analyze(info: OperationView, headerValue: IdempotencyKeyHeader, keyed: ReadonlySet<string>, name: string): Map<string, FieldKeyDecision> {
  const fields = [...rootFields(info)].filter(([, nodes]) => keyed.has(nodes[0].name.value));
  const header = parseIdempotencyKeyHeader(headerValue);
  const decisions = new Map<string, FieldKeyDecision>();
  for (const [responseKey, nodes] of fields) {
    decisions.set(responseKey, decide(info, nodes, header, fields.length, name));
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

function decide(info: OperationView, nodes: readonly FieldNode[], header: ReturnType<typeof parseIdempotencyKeyHeader>, keyedCount: number, name: string): FieldKeyDecision {
  if (!header.ok) return { kind: 'invalid', reason: header.reason };
  if (header.key !== undefined && keyedCount > 1) {
    return { kind: 'invalid', reason: `the Idempotency-Key header applies to one keyed mutation per request and this operation has ${keyedCount}; give each field its own @${name}(key: "…")` };
  }
  // Merged selections of one response key may each carry the directive; they must agree.
  const definition = info.schema.getDirective(name);
  const fieldKeys = new Set<string>();
  for (const node of nodes) {
    const key = definition ? getDirectiveValues(definition, node, info.variableValues)?.key : undefined;
    if (typeof key === 'string') fieldKeys.add(key);
  }
  if (fieldKeys.size > 1) return { kind: 'invalid', reason: `this field has two different @${name} keys` };
  const [fieldKey] = fieldKeys;
  if (fieldKey !== undefined) {
    const checked = validateIdempotencyKey(fieldKey);
    if (!checked.ok) return { kind: 'invalid', reason: checked.reason };
    // Two different keys for one call: which one would a retry have to repeat? Refuse rather than guess.
    if (header.key !== undefined && header.key !== fieldKey) {
      return { kind: 'invalid', reason: `the Idempotency-Key header and @${name}(key:) disagree; send one key` };
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
