import { getNamedType, isObjectType, type GraphQLOutputType } from 'graphql';
import type { FieldOutcomeCodec, IdempotentFieldInfo } from '@signet/directive-idempotent';
import type { DirectiveContext } from '../directive-context';

/**
 * Signet's outcome codec for `@idempotent`: what is stored about a completed order, transfer or
 * API-key mutation, and how a replay turns it back into a payload.
 *
 * Stored: the entity's kind and id, and the userErrors, verbatim. Not stored: the entity's
 * fields, nor anything shown once (createApiKey's privateKey or secret). A replay re-resolves the
 * entity from current state (as Shopify does): the same id as the original call, with today's
 * status, and any selection set works. A createApiKey replay therefore has no privateKey/secret.
 */

/** Payload fields that hold the entity of a mutation. */
type EntityKind = 'order' | 'transfer' | 'apiKey';

const ENTITY_KINDS: readonly EntityKind[] = ['order', 'transfer', 'apiKey'];

/** A user error as the payload carries it. */
interface StoredUserError { readonly code: string; readonly message: string; readonly field: readonly string[] | null }

/** The outcome as stored (JSON in the durable record and the fast-path cache). */
interface StoredOutcome {
  readonly entity: { readonly kind: EntityKind; readonly id: string } | null;
  readonly userErrors: readonly StoredUserError[];
}

/** The entity field of a mutation payload type, or undefined when it has none (the codec refuses such a field). */
function entityKindOf(payloadType: GraphQLOutputType): EntityKind | undefined {
  const named = getNamedType(payloadType);
  if (!isObjectType(named)) return undefined;
  const fields = named.getFields();
  if (!fields.userErrors) return undefined;
  return ENTITY_KINDS.find((kind) => kind in fields);
}

/**
 * The codec of a keyed mutation field: its payload must hold an order, transfer or apiKey next to
 * userErrors (the directive refuses to build the schema otherwise).
 */
export function signetOutcomeCodec(field: IdempotentFieldInfo): FieldOutcomeCodec<DirectiveContext> {
  const kind = entityKindOf(field.type);
  if (!kind) throw new Error('the payload has no order, transfer or apiKey with userErrors to replay');
  return {
    encode: (payload) => serializeOutcome(kind, payload),
    // Only a payload with userErrors and no entity is a refusal: one with an entity had an effect.
    isRefusal: (outcome) => {
      const { entity, userErrors } = parseOutcome(outcome);
      return entity === null && userErrors.length > 0;
    },
    replay: (outcome, { context, scope }) => replayPayload(kind, parseOutcome(outcome), scope, context),
  };
}

/** Serializes a resolver's payload. Throws on anything else: a payload we cannot replay must not be recorded. */
function serializeOutcome(kind: EntityKind, payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) throw new TypeError(`@idempotent: the resolver returned no ${kind} payload`);
  const record = payload as Record<string, unknown>;
  const entity = record[kind] as { id?: unknown } | null | undefined;
  if (entity != null && typeof entity.id !== 'string') throw new TypeError(`@idempotent: the ${kind} of the payload has no id`);
  if (!Array.isArray(record.userErrors)) throw new TypeError('@idempotent: the payload has no userErrors list');
  const outcome: StoredOutcome = {
    entity: entity != null ? { kind, id: entity.id as string } : null,
    userErrors: (record.userErrors as StoredUserError[]).map((e) => ({ code: e.code, message: e.message, field: e.field ? [...e.field] : null })),
  };
  return JSON.stringify(outcome);
}

/** Parses a stored outcome (written by {@link serializeOutcome}). */
function parseOutcome(text: string): StoredOutcome {
  return JSON.parse(text) as StoredOutcome;
}

/**
 * Rebuilds the payload of a replay for `accountId`: the entity as it is now (null if it is no
 * longer visible to the account) and the original userErrors.
 */
async function replayPayload(kind: EntityKind, outcome: StoredOutcome, accountId: string, context: DirectiveContext): Promise<Record<string, unknown>> {
  const entity = outcome.entity ? await loadEntity(outcome.entity.kind, outcome.entity.id, accountId, context) : null;
  const userErrors = outcome.userErrors.map((e) => ({ ...e, field: e.field ? [...e.field] : null }));
  // Shown once: a replayed createApiKey never repeats key material (it was never stored).
  if (kind === 'apiKey') return { apiKey: entity, privateKey: null, secret: null, userErrors };
  return { [kind]: entity, userErrors };
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
