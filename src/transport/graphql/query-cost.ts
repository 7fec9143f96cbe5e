/**
 * The cost of an operation with its variables: what its response can hold. Each field counts 1;
 * a page (`first`) counts its selection once per item it can return, and so does `orderBook`
 * per `depth` level. Computed once the variables are known, so `orders(first: $n)` costs what
 * `orders(first: 100)` costs when `$n` is 100: a budget checked on the document alone (as
 * validation rules do) counts a variable page size as one item. A list without a size argument
 * (`cancelAllOrders`' orders) counts its selection once, unless a page is selected inside it:
 * then once per item it can hold (its bound, `ListBounds`), since each of them loads that page.
 * Introspection (`__schema`, `__type`) has its own limits and is not counted here.
 */
import {
  GraphQLError, Kind, getNamedType, getVariableValues, isInterfaceType, isObjectType, visit,
  type ArgumentNode, type DirectiveNode, type DocumentNode, type FragmentDefinitionNode, type FragmentSpreadNode, type GraphQLNamedType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_MAX_OPEN_ORDERS, MARKETS, MAX_CONFIGURABLE_OPEN_ORDERS } from '../../domain';
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

/**
 * The most items of lists that take no size argument, by `Type.field`. Only lists whose items
 * can hold a page need one (the others count their selection once, see the module comment).
 */
export type ListBounds = Readonly<Record<string, number>>;

/**
 * The bounds of this server's unsized lists of orders: `cancelAllOrders` returns at most every
 * live order of the account, `maxOpenOrders` per market (null: no limit, counted as the highest
 * limit that can be configured).
 */
export function orderListBounds(maxOpenOrders: number | null): ListBounds {
  return Object.freeze({ 'CancelAllOrdersPayload.orders': (maxOpenOrders ?? MAX_CONFIGURABLE_OPEN_ORDERS) * MARKETS.size });
}

/** Whether `selectionSet` (on `type`) selects, at any depth, a field that takes a list size. */
function selectsPage(schema: GraphQLSchema, type: GraphQLNamedType | undefined, selectionSet: SelectionSetNode | undefined,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>, visited: Set<string> = new Set()): boolean {
  if (!selectionSet || !type) return false;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[selection.name.value] : undefined;
      if (!field) continue;
      if (field.args.some((arg) => Object.hasOwn(LIST_SIZE_ARGUMENTS, arg.name))) return true;
      if (selectsPage(schema, getNamedType(field.type), selection.selectionSet, fragments, visited)) return true;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
      if (selectsPage(schema, on ?? undefined, selection.selectionSet, fragments, visited)) return true;
    } else {
      const fragment = fragments.get(selection.name.value);
      if (!fragment || visited.has(fragment.name.value)) continue;
      visited.add(fragment.name.value);
      if (selectsPage(schema, schema.getType(fragment.typeCondition.name.value) ?? undefined, fragment.selectionSet, fragments, visited)) return true;
    }
  }
  return false;
}

/** A bounded list without a size argument: its selection once, or once per item when a page is inside it. */
function unsizedListEstimator(schema: GraphQLSchema, document: DocumentNode, bounds: ListBounds): ComplexityEstimator {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  return ({ type, field, node, childComplexity }) => {
    const bound = bounds[`${type.name}.${field.name}`];
    if (bound === undefined) return undefined;
    return 1 + (selectsPage(schema, getNamedType(field.type), node.selectionSet, fragments) ? bound : 1) * childComplexity;
  };
}

/** Introspection has its own limits (count and budget rules): it costs nothing here. */
const introspectionEstimator: ComplexityEstimator = ({ field }) => (field.name === '__schema' || field.name === '__type' ? 0 : undefined);

/** The estimators, first answer wins. */
function estimatorsFor(schema: GraphQLSchema, document: DocumentNode, bounds: ListBounds): ComplexityEstimator[] {
  return [introspectionEstimator, listSizeEstimator, unsizedListEstimator(schema, document, bounds), simpleEstimator({ defaultComplexity: 1 })];
}

/**
 * Whether an operation's cost depends on its variables: one is a list size or decides
 * @include/@skip, in the operation or in any fragment it reaches (a fragment's `first: $n` is the
 * operation's variable too: costed once, the first request's `$n` would price every later one).
 */
function dependsOnVariables(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  if (!operation.variableDefinitions?.length) return false;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const reached = new Set<string>();
  const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
  let depends = false;
  const visitor = {
    Argument(node: ArgumentNode) {
      if (node.value.kind === Kind.VARIABLE && Object.hasOwn(LIST_SIZE_ARGUMENTS, node.name.value)) depends = true;
    },
    Directive(node: DirectiveNode) {
      if ((node.name.value === 'include' || node.name.value === 'skip') && node.arguments?.some((a) => a.value.kind === Kind.VARIABLE)) depends = true;
    },
    FragmentSpread(node: FragmentSpreadNode) {
      const fragment = fragments.get(node.name.value);
      if (fragment && !reached.has(fragment.name.value)) {
        reached.add(fragment.name.value);
        pending.push(fragment);
      }
    },
  };
  for (let next = pending.pop(); next && !depends; next = pending.pop()) visit(next, visitor);
  return depends;
}

/** What an operation costs; `variables` are the request's (coerced by the library). */
export interface QueryCostInput {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  readonly variables: Record<string, unknown>;
  /** The bounds of the unsized lists that can hold pages; default this server's with the default open-order limit. */
  readonly listBounds?: ListBounds;
}

/** The bounds with the default open-order limit. */
const DEFAULT_LIST_BOUNDS = orderListBounds(DEFAULT_MAX_OPEN_ORDERS);

/**
 * Per list bounds, parsed document and operation: its cost when that does not depend on the
 * variables, else 'per request'. Apollo keeps one DocumentNode per query text, so a repeated query
 * is costed once.
 */
const knownCosts = new WeakMap<ListBounds, WeakMap<DocumentNode, Map<OperationDefinitionNode, number | 'per request'>>>();

/** The cost of `operation` (see the module comment). */
export function queryCost({ schema, document, operation, variables, listBounds = DEFAULT_LIST_BOUNDS }: QueryCostInput): number {
  const compute = () => getComplexity({
    schema, query: document, operationName: operation.name?.value, variables, estimators: estimatorsFor(schema, document, listBounds),
  });
  let byDocument = knownCosts.get(listBounds);
  if (!byDocument) knownCosts.set(listBounds, (byDocument = new WeakMap()));
  let costs = byDocument.get(document);
  if (!costs) byDocument.set(document, (costs = new Map()));
  let known = costs.get(operation);
  if (known === undefined) costs.set(operation, (known = dependsOnVariables(document, operation) ? 'per request' : compute()));
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
      `Query cost ${cost} exceeds the limit of ${maxCost}. Each field counts 1 and a page counts its selection once per item (first, ${DEFAULT_PAGE_SIZE} when omitted; orderBook once per depth level; a list without a size, such as cancelAllOrders' orders, once per item it can hold when a page is inside it): ask for smaller pages or fewer nested pages.`,
      {}, { cost, maxCost },
    );
  }
}
