import { getNamedType, isObjectType, type GraphQLOutputType } from 'graphql';
import type { FieldOutcomeCodec, IdempotentFieldInfo } from '@signet/directive-idempotent';
import type { DirectiveContext } from '../directive-context';
import { IdempotencyOutcomeLostError } from './idempotency-errors';

/**
 * Signet's outcome codec for `@idempotent`: what is stored about a completed order, transfer or
 * API-key mutation (or one that returns a list of orders, cancelAllOrders), and how a replay turns
 * it back into a payload.
 *
 * Stored: the entity's kind and id (for a list, its kind and the ids in order), and the userErrors, verbatim. Not stored: the entity's
 * fields, nor anything shown once (createApiKey's privateKey or secret). A replay re-resolves the
 * entity from current state (as Shopify does): the same id as the original call, with today's
 * status, and any selection set works. A createApiKey replay therefore has no privateKey/secret.
 */

/** Payload fields that hold the entity of a mutation. */
type EntityKind = 'order' | 'transfer' | 'apiKey';
/** Payload fields that hold a list of entities (orders, re-read in one statement). */
type ListKind = 'orders';

const ENTITY_KINDS: readonly EntityKind[] = ['order', 'transfer', 'apiKey'];
const LIST_KINDS: readonly ListKind[] = ['orders'];
type PayloadKind = EntityKind | ListKind;

const isListKind = (kind: PayloadKind): kind is ListKind => (LIST_KINDS as readonly string[]).includes(kind);

/** A user error as the payload carries it. */
interface StoredUserError { readonly code: string; readonly message: string; readonly field: readonly string[] | null }

/** The outcome as stored (JSON in the durable record and the fast-path cache). */
interface StoredOutcome {
  readonly entity: { readonly kind: EntityKind; readonly id: string } | null;
  /** A list payload's entities, in the payload's order; absent for single-entity payloads. */
  readonly entities?: { readonly kind: ListKind; readonly ids: readonly string[] };
  readonly userErrors: readonly StoredUserError[];
}

/** The entity (or entity list) field of a mutation payload type, or undefined when it has none (the codec refuses such a field). */
function payloadKindOf(payloadType: GraphQLOutputType): PayloadKind | undefined {
  const named = getNamedType(payloadType);
  if (!isObjectType(named)) return undefined;
  const fields = named.getFields();
  if (!fields.userErrors) return undefined;
  return [...ENTITY_KINDS, ...LIST_KINDS].find((kind) => kind in fields);
}

/**
 * The codec of a keyed mutation field: its payload must hold an order, transfer, apiKey or a list
 * of orders next to userErrors (the directive refuses to build the schema otherwise).
 */
export function signetOutcomeCodec(field: IdempotentFieldInfo): FieldOutcomeCodec<DirectiveContext> {
  const kind = payloadKindOf(field.type);
  if (!kind) throw new Error('the payload has no order, transfer, apiKey or orders with userErrors to replay');
  return {
    encode: (payload) => serializeOutcome(kind, payload),
    // Only a payload with userErrors and no entity is a refusal: one with an entity had an effect.
    isRefusal: (outcome) => {
      const { entity, entities, userErrors } = parseOutcome(outcome);
      return entity === null && (entities?.ids.length ?? 0) === 0 && userErrors.length > 0;
    },
    replay: (outcome, { context, scope }) => replayPayload(kind, parseOutcome(outcome), scope, context, field.fieldName),
  };
}

/** The id of a payload's entity; throws when it has none (such a payload could not be replayed). */
function idOf(kind: PayloadKind, entity: unknown): string {
  const id = (entity as { id?: unknown }).id;
  if (typeof id !== 'string') throw new TypeError(`@idempotent: an entity of the payload's ${kind} has no id`);
  return id;
}

/** Serializes a resolver's payload. Throws on anything else: a payload we cannot replay must not be recorded. */
function serializeOutcome(kind: PayloadKind, payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) throw new TypeError(`@idempotent: the resolver returned no ${kind} payload`);
  const record = payload as Record<string, unknown>;
  if (!Array.isArray(record.userErrors)) throw new TypeError('@idempotent: the payload has no userErrors list');
  const userErrors = (record.userErrors as StoredUserError[]).map((e) => ({ code: e.code, message: e.message, field: e.field ? [...e.field] : null }));
  if (isListKind(kind)) {
    const list = record[kind];
    if (!Array.isArray(list)) throw new TypeError(`@idempotent: the payload's ${kind} is not a list`);
    return JSON.stringify({ entity: null, entities: { kind, ids: list.map((entity) => idOf(kind, entity)) }, userErrors } satisfies StoredOutcome);
  }
  const entity = record[kind];
  return JSON.stringify({ entity: entity != null ? { kind, id: idOf(kind, entity) } : null, userErrors } satisfies StoredOutcome);
}

/** Parses a stored outcome (written by {@link serializeOutcome}). */
function parseOutcome(text: string): StoredOutcome {
  return JSON.parse(text) as StoredOutcome;
}

/**
 * Rebuilds the payload of a replay for `accountId`: the entity as it is now, or each entity of a
 * list as it is now, and the original userErrors. Orders, transfers and keys are never deleted, so
 * an entity the database does not have means the database went back to before the call (restored
 * from a backup) while the outcome survived (in Redis, or a newer record): answered as
 * IDEMPOTENCY_OUTCOME_LOST, never as a success whose entity is null, which a client would count as done.
 */
async function replayPayload(kind: PayloadKind, outcome: StoredOutcome, accountId: string, context: DirectiveContext, fieldName: string): Promise<Record<string, unknown>> {
  const userErrors = outcome.userErrors.map((e) => ({ ...e, field: e.field ? [...e.field] : null }));
  // A refusal's entity (if any) shows no effect of the call to check.
  const succeeded = userErrors.length === 0;
  if (isListKind(kind)) {
    // One read for the whole list: a cancelAllOrders outcome may name hundreds of orders, and a
    // replay (also one behind a spent field limit) must not cost a statement per order.
    const ids = outcome.entities?.ids ?? [];
    const found = ids.length === 0 ? [] : await context.services.orders.findOrders(accountId, ids);
    if (found.some((order) => order === null || (succeeded && !stillInEffect(fieldName, order)))) throw new IdempotencyOutcomeLostError(fieldName);
    return { [kind]: found, userErrors };
  }
  const entity = outcome.entity ? await loadEntity(outcome.entity.kind, outcome.entity.id, accountId, context) : null;
  if (outcome.entity && (entity === null || entity === undefined || (succeeded && !stillInEffect(fieldName, entity)))) throw new IdempotencyOutcomeLostError(fieldName);
  // Shown once: a replayed createApiKey never repeats key material (it was never stored).
  if (kind === 'apiKey') return { apiKey: entity, privateKey: null, secret: null, userErrors };
  return { [kind]: entity, userErrors };
}

/**
 * Whether the entity still shows the effect the field's call had: a cancel leaves its orders
 * CANCELED and a revocation its key revoked, both for good, so any other state means the database
 * went back to before the call (restored). Placing, transferring and creating leave nothing final
 * to check beyond the entity itself.
 */
function stillInEffect(fieldName: string, entity: unknown): boolean {
  switch (fieldName) {
    case 'cancelOrder':
    case 'cancelAllOrders':
      return (entity as { status?: unknown }).status === 'CANCELED';
    case 'revokeApiKey':
      return (entity as { revokedAt?: unknown }).revokedAt != null;
    default:
      return true;
  }
}

async function loadEntity(kind: EntityKind, id: string, accountId: string, context: DirectiveContext): Promise<unknown> {
  const services = context.services;
  switch (kind) {
    case 'order':
      return services.orders.findOrder(accountId, id);
    case 'transfer':
      return services.transfers.findTransfer(accountId, id);
    case 'apiKey': {
      const key = await services.uow.repo.findApiKey(id);
      return key && key.accountId === accountId ? key : null;
    }
  }
}
