/**
 * Paths into a field's arguments, as `identityArgs` and `arrayLengthField` name them. The syntax
 * is the part of lodash's `get` paths (which graphql-rate-limit uses) that GraphQL arguments can
 * need: names joined by dots, and list indexes in brackets or as a dotted number.
 *
 *   input.market    items[0].id    items.0.id    input["market"]
 *
 * A path is checked against the field's argument definitions when the schema is built: one that
 * names no argument, no input field or indexes something that is not a list would otherwise
 * read `undefined` on every call, and the limit would silently stop depending on it.
 */
import { getNullableType, isInputObjectType, isListType, type GraphQLArgument, type GraphQLInputType } from 'graphql';

/** One step of a path: an argument or input field name, or a list index. */
export type PathSegment = { readonly name: string } | { readonly index: number };

/** A parsed path (non-empty; its first segment names an argument). */
export type ArgumentPath = readonly PathSegment[];

const NAME = '[_A-Za-z][_0-9A-Za-z]*';
const FIRST = new RegExp(`^${NAME}`);
const REST = new RegExp(`^(?:\\.(${NAME})|\\.(\\d+)|\\[(\\d+)\\]|\\["(${NAME})"\\]|\\['(${NAME})'\\])`);

/** Parses a path; undefined when it is not in the syntax above. */
export function parseArgumentPath(path: string): ArgumentPath | undefined {
  const first = FIRST.exec(path);
  if (!first) return undefined;
  const segments: PathSegment[] = [{ name: first[0] }];
  let rest = path.slice(first[0].length);
  while (rest !== '') {
    const step = REST.exec(rest);
    if (!step) return undefined;
    const [whole, dotted, dottedIndex, index, doubleQuoted, singleQuoted] = step;
    const name = dotted ?? doubleQuoted ?? singleQuoted;
    segments.push(name !== undefined ? { name } : { index: Number(dottedIndex ?? index) });
    rest = rest.slice(whole.length);
  }
  return segments;
}

/**
 * The type a path leads to in `args`, or the reason it leads nowhere. A dotted number is an index
 * only into a list (it is one in lodash too: `items.0` reads the array's "0" property).
 */
export function typeAtPath(path: ArgumentPath, args: readonly GraphQLArgument[]): { type: GraphQLInputType } | { problem: string } {
  const [head, ...tail] = path;
  const argument = 'name' in head ? args.find((a) => a.name === head.name) : undefined;
  if (!argument) return { problem: `names no argument of the field (arguments: ${args.map((a) => a.name).join(', ') || 'none'})` };
  let type: GraphQLInputType = argument.type;
  let walked = argument.name;
  for (const segment of tail) {
    const nullable = getNullableType(type);
    if ('index' in segment) {
      if (!isListType(nullable)) return { problem: `indexes "${walked}", which is not a list` };
      type = nullable.ofType as GraphQLInputType;
      walked += `[${segment.index}]`;
      continue;
    }
    const field = isInputObjectType(nullable) ? nullable.getFields()[segment.name] : undefined;
    if (!field) return { problem: `reads "${segment.name}" of "${walked}", which has no such field` };
    type = field.type;
    walked += `.${segment.name}`;
  }
  return { type };
}

/** The value at `path` in resolver arguments; undefined where it leads nowhere (an absent optional argument). */
export function valueAtPath(args: Record<string, unknown>, path: ArgumentPath): unknown {
  let value: unknown = args;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    const key = 'index' in segment ? segment.index : segment.name;
    // Own properties only: a path never reaches Object.prototype.
    value = Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string | number, unknown>)[key] : undefined;
  }
  return value;
}
