import { getArgumentValues, type FieldNode, type GraphQLField, type GraphQLFieldConfig, type GraphQLObjectType } from 'graphql';
import type { DirectiveDeps } from '../../directives';
import { DEFAULT_IDEMPOTENCY_LEASE_MS } from '@signet/idempotency';
import { idempotentCallIdentity, keyDecisions, keyedFields, rootFields as rootFieldsOf, type OperationView } from '@signet/directive-idempotent';
import { fieldLimitCheck, limitedFieldOf, type LimitedField } from '@signet/directive-rate-limit';
import { signetCanonicalScalar } from '../../directives/idempotent';
import { EXIT_MUTATIONS, rateLimitIdentity } from '../../directives/rate-limit';
import { requiredScopes } from '../../directives/signed';
import type { Principal } from '../../domain';
import type { HttpExchange } from '../../directives/directive-context';
import type { AdmissionCheck } from './admission-store';

/** Where one root field's checks sit in the plan's list, and what they must match at resolve time. */
export interface PlannedField {
  readonly responseKey: string;
  readonly limit?: { readonly index: number; readonly key: string };
  readonly lease?: { readonly index: number; readonly scopeKey: string; readonly fingerprint: string };
}

/** The field part of a request's admission list: checks (lease `after` indexes into this list) and where each field's are. */
export interface FieldPlan {
  readonly checks: AdmissionCheck[];
  readonly fields: PlannedField[];
  /** The operation is a mutation of exits only ({@link EXIT_MUTATIONS}): the account's request budget neither refuses nor counts it. */
  readonly exitsOnly?: boolean;
}

/*
 * A request of exits alone (EXIT_MUTATIONS: stop a key, take orders off the book) is not refused
 * by the account's shared request budget (a leaked READ key spending all of it must not stop its
 * owner from revoking it); their own field limits (per key), the address's limit and their key's
 * exit budget (`Request.keyExits`) bound them. Only when the key may run each of them (its scope)
 * and each one's field limit is checked: otherwise the budget applies as to any request.
 */

type AnyField = GraphQLField<unknown, unknown> & GraphQLFieldConfig<unknown, unknown>;

/** The root type an operation executes on, or undefined (subscriptions: none here). */
function rootTypeOf(view: OperationView): GraphQLObjectType | undefined {
  const { schema, operation } = view;
  if (operation.operation === 'mutation') return schema.getMutationType() ?? undefined;
  if (operation.operation === 'query') return schema.getQueryType() ?? undefined;
  return undefined;
}

/** The directives of a root field that the plan reads; parsed once per field definition, not per request. */
interface RootFieldDirectives { readonly scopes?: readonly string[]; readonly limited?: LimitedField }
const directivesByField = new WeakMap<AnyField, RootFieldDirectives>();
function directivesOf(view: OperationView, typeName: string, field: AnyField, deps: DirectiveDeps): RootFieldDirectives {
  let found = directivesByField.get(field);
  if (!found) {
    found = { scopes: requiredScopes(view.schema, typeName, field.name), limited: limitedFieldOf(view.schema, typeName, field, { overrides: deps.rateLimitOverrides }) };
    directivesByField.set(field, found);
  }
  return found;
}

/** Whether every root field (but `__typename`, and at least one) is an exit whose field limit the plan checks. */
function onlyLimitedExits(rootFields: ReadonlyMap<string, readonly FieldNode[]>, planned: readonly PlannedField[]): boolean {
  let exits = 0;
  for (const [responseKey, nodes] of rootFields) {
    const name = nodes[0].name.value;
    if (name === '__typename') continue;
    if (!EXIT_MUTATIONS.has(name) || !planned.some((f) => f.responseKey === responseKey && f.limit !== undefined)) return false;
    exits += 1;
  }
  return exits > 0;
}

/**
 * The checks the directives of the operation's root fields would make, computed before
 * execution so they can join the request's one admission call: each `@rateLimit` root field's
 * counter (identity: the signed account) and, behind it, each keyed `@idempotent` field's lease
 * (taken when the counter allows the call; else only looked at, so a retry whose key completed
 * is replayed: see `admission-store.ts`).
 * A field the caller cannot run anyway (a missing scope, arguments that do not coerce) is left
 * out: its wrapper refuses it without spending anything, as before. A field with an invalid
 * idempotency key takes no lease but still spends its limit, as its wrappers would: `@rateLimit`
 * counts the call before `@idempotent` refuses the key.
 */
export function planRootFields(input: { view: OperationView; http: HttpExchange; principal: Principal; deps: DirectiveDeps }): FieldPlan {
  const { view, http, principal, deps } = input;
  const checks: AdmissionCheck[] = [];
  const fields: PlannedField[] = [];
  const rootType = rootTypeOf(view);
  if (!rootType) return { checks, fields };
  const definitions = rootType.getFields();
  const isMutation = view.operation.operation === 'mutation';
  const keyed = keyedFields(view.schema);
  const decisions = isMutation ? keyDecisions(view, http.requestHeaders['idempotency-key'], keyed) : new Map();
  const rootFields = rootFieldsOf(view);

  for (const [responseKey, nodes] of rootFields) {
    const definition = definitions[nodes[0].name.value] as AnyField | undefined;
    if (!definition) continue; // __typename
    const { scopes, limited } = directivesOf(view, rootType.name, definition, deps);
    if (scopes && !scopes.every((s) => principal.scopes.includes(s as never))) continue;
    const keyDecision = keyed.has(definition.name) ? decisions.get(responseKey) : undefined;
    if (!limited && keyDecision?.kind !== 'key') continue;
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(definition, nodes[0], view.variableValues);
    } catch {
      continue; // execution reports the coercion error for this field
    }
    let limit: PlannedField['limit'];
    if (limited) {
      const check = fieldLimitCheck(limited, args, rateLimitIdentity(principal, http, { typeName: rootType.name, fieldName: definition.name }));
      limit = { index: checks.length, key: check.key };
      checks.push({ kind: 'limit', key: check.key, rule: check.rule, gate: false });
    }
    let lease: PlannedField['lease'];
    if (keyDecision?.kind === 'key') {
      const { scopeKey, fingerprint } = idempotentCallIdentity({ scope: principal.accountId, field: definition.name, key: keyDecision.key, args, argumentDefinitions: definition.args, canonicalScalar: signetCanonicalScalar });
      lease = { index: checks.length, scopeKey, fingerprint };
      checks.push({ kind: 'lease', scopeKey, fingerprint, leaseMs: DEFAULT_IDEMPOTENCY_LEASE_MS, after: limit?.index });
    }
    fields.push({ responseKey, limit, lease });
  }
  // Exits only when every root field is an exit this key may run and whose field limit is planned:
  // one the key lacks the scope for (refused, as FORBIDDEN, without spending its limit) is counted
  // by the account's budget like any other request, or a leaked key could send them unbounded.
  const exitsOnly = isMutation && onlyLimitedExits(rootFields, fields);
  return { checks, fields, exitsOnly };
}
