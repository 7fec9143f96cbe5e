/**
 * The cost of an operation with its variables: what its response can hold. Each field counts 1;
 * a page (`first`) counts its selection once per item it can return, and so does `orderBook`
 * per `depth` level. Computed once the variables are known, so `orders(first: $n)` costs what
 * `orders(first: 100)` costs when `$n` is 100: a budget checked on the document alone (as
 * validation rules do) counts a variable page size as one item. Introspection (`__schema`,
 * `__type`) has its own limits and is not counted here.
 */
import {
  GraphQLError, Kind, getVariableValues, visit, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { ErrorCode, RequestRefusedError } from '../../errors';
import { DEFAULT_BOOK_DEPTH, MAX_BOOK_DEPTH } from './resolvers/market-data.resolver';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './resolvers/pagination';

/** Arguments that size a list, with the size when omitted and the most the resolver returns. */
const LIST_SIZE_ARGUMENTS: Readonly<Record<string, { readonly byDefault: number; readonly max: number }>> = {
  first: { byDefault: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE },
  depth: { byDefault: DEFAULT_BOOK_DEPTH, max: MAX_BOOK_DEPTH },
};

/**
 * The items a sized list can return. A size outside 1..max is refused by its resolver with its
 * own error (BAD_USER_INPUT), so it is counted as the most that could run, not refused here.
 */
function itemsOf(size: unknown, rule: { byDefault: number; max: number }): number {
  if (size === undefined || size === null) return rule.byDefault;
  return typeof size === 'number' && Number.isInteger(size) && size >= 1 && size <= rule.max ? size : rule.max;
}

/** A field with a list-size argument: itself plus its selection once per item. */
const listSizeEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  for (const arg of field.args) {
    const rule = LIST_SIZE_ARGUMENTS[arg.name];
    if (rule) return 1 + itemsOf(args[arg.name], rule) * childComplexity;
  }
  return undefined;
};

/** Introspection has its own limits (count and budget rules): it costs nothing here. */
const introspectionEstimator: ComplexityEstimator = ({ field }) => (field.name === '__schema' || field.name === '__type' ? 0 : undefined);

const ESTIMATORS = [introspectionEstimator, listSizeEstimator, simpleEstimator({ defaultComplexity: 1 })];

/** Whether an operation's cost depends on its variables: one is a list size or decides @include/@skip. */
function dependsOnVariables(operation: OperationDefinitionNode): boolean {
  if (!operation.variableDefinitions?.length) return false;
  let depends = false;
  visit(operation, {
    Argument(node) {
      if (node.value.kind === Kind.VARIABLE && Object.hasOwn(LIST_SIZE_ARGUMENTS, node.name.value)) depends = true;
    },
    Directive(node) {
      if ((node.name.value === 'include' || node.name.value === 'skip') && node.arguments?.some((a) => a.value.kind === Kind.VARIABLE)) depends = true;
    },
  });
  return depends;
}

/** What an operation costs; `variables` are the request's (coerced by the library). */
export interface QueryCostInput {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Record<string, unknown>;
}

/**
 * Per parsed document and operation: its cost when that does not depend on the variables, else
 * 'per request'. Apollo keeps one DocumentNode per query text, so a repeated query is costed once.
 */
const knownCosts = new WeakMap<DocumentNode, Map<OperationDefinitionNode, number | 'per request'>>();

/** The cost of `operation` (see the module comment). */
export function queryCost({ schema, document, operation, variables }: QueryCostInput): number {
  const compute = () => getComplexity({ schema, query: document, operationName: operation.name?.value, variables, estimators: ESTIMATORS });
  let costs = knownCosts.get(document);
  if (!costs) knownCosts.set(document, (costs = new Map()));
  let known = costs.get(operation);
  if (known === undefined) costs.set(operation, (known = dependsOnVariables(operation) ? 'per request' : compute()));
  return known === 'per request' ? compute() : known;
}

/** Refuses (400 GRAPHQL_VALIDATION_FAILED) an operation whose cost is over `maxCost`, before anything runs. */
export function enforceQueryCost(input: QueryCostInput, maxCost: number): void {
  let cost: number;
  try {
    cost = queryCost(input);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    // Variables that do not coerce: execution refuses the whole operation with its own error.
    const { schema, operation, variables } = input;
    if (getVariableValues(schema, operation.variableDefinitions ?? [], variables, { maxErrors: 1 }).errors) return;
    // Anything else that stops the costing stops the operation: its siblings are never run uncosted.
    throw new RequestRefusedError(ErrorCode.GRAPHQL_VALIDATION_FAILED, error.message);
  }
  if (cost > maxCost) {
    throw new RequestRefusedError(
      ErrorCode.GRAPHQL_VALIDATION_FAILED,
      `Query cost ${cost} exceeds the limit of ${maxCost}. Each field counts 1 and a page counts its selection once per item (first, ${DEFAULT_PAGE_SIZE} when omitted; orderBook once per depth level): ask for smaller pages or fewer nested pages.`,
      {}, { cost, maxCost },
    );
  }
}
