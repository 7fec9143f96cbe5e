/**
 * The notes API: SDL and resolvers. The directives on the fields are the Signet directive
 * packages'; `server.ts` applies their transformers.
 */
import type { Notebook, Note } from './notebook';
import type { NotesContext, Principal } from './context';

/** The schema's own types and fields; the directive declarations are prepended from the packages' SDL. */
export const NOTES_TYPE_DEFS = /* GraphQL */ `
  type Note {
    id: ID!
    "The account of the key that signed the request that wrote it."
    author: String!
    text: String!
    "ISO 8601 instant."
    createdAt: String!
  }

  type Query {
    "The account of the key that signed this request."
    whoami: String! @signed(scopes: ["notes:read"])
    "Every note, oldest first. Unsigned callers are counted by address."
    notes: [Note!]! @rateLimit(max: 5, window: "1m")
  }

  type Mutation {
    "Writes a note. Send an Idempotency-Key (covered by the signature): a retry with the same key returns the same note."
    addNote(text: String!): Note! @signed(scopes: ["notes:write"]) @idempotent(required: true)
  }
`;

/** The caller; the fields that read it are `@signed`, so a request without one never gets here. */
function caller(context: NotesContext): Principal {
  if (context.principal === null) throw new Error('@signed let an unsigned request through');
  return context.principal;
}

/** Resolvers over the notebook; they read the caller from the context the signature check filled. */
export function notesResolvers(notebook: Notebook) {
  return {
    Query: {
      whoami: (_: unknown, __: unknown, context: NotesContext): string => caller(context).account,
      notes: (): readonly Note[] => notebook.list(),
    },
    Mutation: {
      addNote: (_: unknown, args: { text: string }, context: NotesContext): Note => notebook.add(caller(context).account, args.text),
    },
  };
}
