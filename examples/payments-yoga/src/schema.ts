/**
 * The payments API: SDL and resolvers. The directives on the fields are the Signet directive
 * packages'; `server.ts` applies their transformers.
 */
import { GraphQLError } from 'graphql';
import { PaymentRefused, type Ledger, type Payment } from './ledger';
import type { PaymentsContext, Principal } from './context';

/** The schema's own types and fields; the directive declarations are prepended from the packages' SDL. */
export const PAYMENTS_TYPE_DEFS = /* GraphQL */ `
  type Payment {
    id: ID!
    from: String!
    to: String!
    "Whole units."
    amount: Int!
  }

  type Query {
    "The account of the key that signed this request."
    whoami: String! @signed(scopes: ["payments:read"])
    "An account's balance, null for an unknown account. Unsigned callers are counted by address."
    balance(account: String!): Int @rateLimit(max: 4, window: "1m")
  }

  type Mutation {
    "Pays whole units to another account. Send an Idempotency-Key (covered by the signature): a retry with the same key returns the same payment."
    sendPayment(to: String!, amount: Int!): Payment! @signed(scopes: ["payments:send"]) @idempotent(required: true)
  }
`;

/** The caller; the fields that read it are `@signed`, so a request without one never gets here. */
function caller(context: PaymentsContext): Principal {
  if (context.principal === null) throw new Error('@signed let an unsigned request through');
  return context.principal;
}

/** Resolvers over the ledger. */
export function paymentsResolvers(ledger: Ledger) {
  return {
    Query: {
      whoami: (_: unknown, __: unknown, context: PaymentsContext): string => caller(context).account,
      balance: (_: unknown, args: { account: string }): number | null => ledger.balance(args.account),
    },
    Mutation: {
      sendPayment(_: unknown, args: { to: string; amount: number }, context: PaymentsContext): Payment {
        try {
          return ledger.send(caller(context).account, args.to, args.amount);
        } catch (error) {
          if (error instanceof PaymentRefused) throw new GraphQLError(error.message, { extensions: { code: error.code } });
          throw error;
        }
      },
    },
  };
}
