/**
 * Validation rules bounding how much introspection one document may ask for. A full `__schema`
 * answer is the largest thing this API can return for a few hundred bytes of query (tens of KB of
 * output and milliseconds of CPU each), and aliases multiply it: fifteen aliased `__schema` fields
 * fit the alias, token and (introspection-blind) cost limits, and so do fifteen aliased `types`
 * lists under one `__schema` (1 MB of answer for armor's cost of 3,743). No client needs more
 * than one: GraphiQL, codegen and Apollo tooling each send a single `__schema` per document, with
 * no alias below it, and `__type` is used for a handful of lookups at most.
 */
import {
  GraphQLError, visit, type ASTVisitor, type DocumentNode, type FieldNode, type ValidationContext, type ValidationRule,
} from 'graphql';

/** How many introspection root fields one document may select. */
export interface IntrospectionLimits {
  /** `__schema` fields per document, counted across every operation and fragment. */
  readonly maxSchemaFields: number;
  /** `__type` fields per document, counted the same way. */
  readonly maxTypeFields: number;
}

/**
 * Creates the rule. Fields are counted where they are written, not per execution: `__schema` and
 * `__type` exist only on the query root, so a spread fragment's copy merges with the field it
 * repeats and one written field never runs twice. The whole document is counted when validation
 * enters it, so this reason comes before any cost figure the other rules report for the same fields.
 */
export function introspectionLimitRule(limits: IntrospectionLimits): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    Document(document: DocumentNode) {
      let schemaFields = 0;
      let typeFields = 0;
      visit(document, {
        Field(node) {
          if (node.name.value === '__schema' && ++schemaFields === limits.maxSchemaFields + 1) {
            context.reportError(new GraphQLError(
              `A document may select __schema at most ${limits.maxSchemaFields} time(s); send one introspection query per request.`,
              { nodes: node },
            ));
          }
          if (node.name.value === '__type' && ++typeFields === limits.maxTypeFields + 1) {
            context.reportError(new GraphQLError(`A document may select __type at most ${limits.maxTypeFields} times.`, { nodes: node }));
          }
        },
      });
    },
  });
}

/**
 * Refuses an alias on a field of an introspection type (`__Schema`, `__Type`, `__Field`, …): below
 * `__schema` or `__type`, fragments on those types included. Without aliases the fields that repeat
 * a name there merge, and each runs once per object: the answer is at most about one schema's
 * worth. Aliased `__type` lookups at the root are the other rule's to count. One error per document.
 */
export const introspectionAliasRule: ValidationRule = (context: ValidationContext): ASTVisitor => {
  let reported = false;
  return {
    Field(node: FieldNode) {
      const parent = context.getParentType();
      if (reported || !node.alias || !parent?.name.startsWith('__')) return;
      reported = true;
      context.reportError(new GraphQLError(
        `Aliases are not allowed below __schema and __type (found "${node.alias.value}: ${node.name.value}" on ${parent.name}): each one would repeat part of the schema in the answer. Select each field once, without an alias.`,
        { nodes: node },
      ));
    },
  };
};

/** Whether a document selects `__schema` anywhere (an operation or a fragment). */
function selectsSchema(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema') found = true;
    },
  });
  return found;
}

/**
 * `rule`, applied only to documents that select `__schema`: introspection's own cost budget.
 * Application queries are costed with their variables after validation (`query-cost.ts`), so
 * an oversized page is reported once, by that budget or by its resolver, not again here.
 */
export function onlyWithSchemaIntrospection(rule: ValidationRule): ValidationRule {
  return (context: ValidationContext): ASTVisitor => (selectsSchema(context.getDocument()) ? rule(context) : {});
}
