import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, getVariableValues, type FragmentDefinitionNode } from 'graphql';
import type { DirectiveDeps } from '../../directives';
import { planRootFields, type AdmissionOutcome, type AdmittedField, type FieldPlan } from '../admission';
import type { GraphQLContext } from './context';
import { enforceQueryCost, type ListBounds } from './query-cost';
import { createDependencyWarnings } from '../../dependency-warnings';

/**
 * The admitted decisions by response key, from the plan and what the store answered. An operation
 * of exits was counted on no budget of the account's: a replay behind a spent limit spends
 * `accountLimit` (AdmittedField.replayCharge).
 */
function admittedFrom(plan: FieldPlan, outcomes: readonly AdmissionOutcome[], accountLimit: AdmittedField['replayCharge']): Map<string, AdmittedField> {
  const admitted = new Map<string, AdmittedField>();
  for (const field of plan.fields) {
    const limit = field.limit ? outcomes[field.limit.index] : undefined;
    const lease = field.lease ? outcomes[field.lease.index] : undefined;
    admitted.set(field.responseKey, {
      limit: field.limit && limit?.kind === 'limit' ? { key: field.limit.key, decision: limit.decision } : undefined,
      lease: field.lease && lease?.kind === 'lease' ? { scopeKey: field.lease.scopeKey, fingerprint: field.lease.fingerprint, claim: lease.claim, taken: false } : undefined,
      ...(plan.exitsOnly ? { replayCharge: accountLimit } : {}),
    });
  }
  return admitted;
}

/**
 * Decides whether an operation runs, once it is known and before it executes. First its cost
 * with its variables (`enforceQueryCost`, every request, signed or not): over `maxCost` it is a
 * 400 and nothing of it is admitted. Then a verified request's admission: the
 * request's gates (address and account limits, guard, nonce) and its root fields' `@rateLimit`
 * counters and `@idempotent` leases, in one store call. A refused gate ends the request with its
 * HTTP status (401 NONCE_REUSED, 429, 503). Leases taken for fields that then did not use them
 * (nothing ran) are released when the response is sent.
 *
 * Requests that fail before an operation is resolved (parse, validation, unknown operation) run
 * no field here; the HTTP layer still runs their admission before their answer is sent, so they count.
 */
export function admissionPlugin(deps: DirectiveDeps, limits: { readonly maxCost: number; readonly listBounds?: ListBounds }): ApolloServerPlugin<GraphQLContext> {
  const warnings = deps.dependencyWarnings ?? createDependencyWarnings({ logger: deps.logger, metrics: deps.metrics });
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document, schema, request }) {
          if (operation) enforceQueryCost({ schema, document, operation, variables: request.variables ?? {}, listBounds: limits.listBounds }, limits.maxCost);
          const { admission, principal } = contextValue;
          if (!admission || !principal || !operation || admission.settled) return;
          let plan: FieldPlan = { checks: [], fields: [] };
          // Variables that do not coerce fail execution before any field runs: then only the gates.
          const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 1 });
          if (variables.coerced) {
            const fragments: Record<string, FragmentDefinitionNode> = {};
            for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
            plan = planRootFields({ view: { schema, operation, fragments, variableValues: variables.coerced }, http: contextValue.http, principal, deps });
          }
          let outcomes: AdmissionOutcome[];
          try {
            outcomes = await admission.admit(plan.checks, { exemptFromAccountLimit: plan.exitsOnly });
          } finally {
            // The address and account limits that applied, in the RateLimit headers of the answer (a 429 included).
            contextValue.http.rateLimits.push(...admission.rateLimits);
          }
          contextValue.admitted = admittedFrom(plan, outcomes, admission.accountLimit);
        },
        async willSendResponse({ contextValue }) {
          for (const field of contextValue.admitted?.values() ?? []) {
            const lease = field.lease;
            if (!lease || lease.taken || lease.claim.kind !== 'acquired') continue;
            const token = lease.claim.token;
            try {
              await deps.idempotency.release(lease.scopeKey, token);
            } catch (error) {
              // The lease expires on its own; until then a retry is told IN_PROGRESS.
              warnings.failed({ dependency: 'idempotency-store', operation: 'release', error, reqId: contextValue.requestId }, 'could not release an unused idempotency lease');
            }
          }
        },
      };
    },
  };
}
