/**
 * The README's field-limit table and its list of keyed mutations say what the schema declares:
 * every `@rateLimit` field is in the table with its limit, nothing else is, and every
 * `@idempotent` mutation is named under "Retrying safely". And the cost example of "Request
 * limits" holds for the schema as it is (a field added to Order changes it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, getNamedType, isLeafType, isObjectType, parse, type ConstDirectiveNode, type GraphQLObjectType, type OperationDefinitionNode } from 'graphql';
import { queryCost } from '../src/transport/graphql/query-cost';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const schema = buildSchema(readFileSync(join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8'));

/** Each field of the schema carrying `directive`, as `Type.field`, with the directive's node. */
function fieldsWith(directive: string): Map<string, ConstDirectiveNode> {
  const found = new Map<string, ConstDirectiveNode>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const node = field.astNode?.directives?.find((d) => d.name.value === directive);
      if (node) found.set(`${type.name}.${field.name}`, node);
    }
  }
  return found;
}

/** A directive argument's literal value. */
const argument = (node: ConstDirectiveNode, name: string) => {
  const value = node.arguments?.find((a) => a.name.value === name)?.value;
  return value && 'value' in value ? String(value.value) : undefined;
};

/** The rows of the table under "Field limits": every `Type.field` in the first column, with the second column's "max / window". */
function documentedLimits(): Map<string, string> {
  const section = README.slice(README.indexOf('Field limits (`@rateLimit`'), README.indexOf('The directive is a package any GraphQL server can use'));
  const limits = new Map<string, string>();
  for (const [, fields, limit] of section.matchAll(/^\| ([^|]+) \| ([^|]+) \|/gm)) {
    const rule = /^(\d+) \/ (\d+) min\b/.exec(limit.trim());
    for (const [, name] of fields.matchAll(/`([A-Z][A-Za-z]+\.[a-zA-Z]+)`/g)) limits.set(name, rule ? `${rule[1]} / ${rule[2]}m` : limit.trim());
  }
  return limits;
}

describe('README', () => {
  test('the field-limit table lists every @rateLimit field of the schema with its limit, and no other', () => {
    const declared = new Map([...fieldsWith('rateLimit')].map(([name, node]) => [name, `${argument(node, 'max')} / ${argument(node, 'window')}`]));
    expect(Object.fromEntries(documentedLimits())).toEqual(Object.fromEntries(declared));
  });

  test('"Retrying safely" says which of the draft\'s statuses become field errors: 409, 422 and the 400 for a missing key', () => {
    const start = README.indexOf('**Differences from Stripe and the IETF draft.**');
    const paragraph = README.slice(start, README.indexOf('\n\n', start));
    expect(paragraph).toMatch(/409 \/ 422/);
    expect(paragraph).toMatch(/400[^.]*`IDEMPOTENCY_KEY_REQUIRED`/);
  });

  test('the cost example counts every scalar field of Order, at the cost the cost rule gives', () => {
    const scalars = Object.values((schema.getType('Order') as GraphQLObjectType).getFields())
      .filter((field) => isLeafType(getNamedType(field.type))).map((field) => field.name);
    const document = parse(`{ me { orders(first: 100) { nodes { ${scalars.join(' ')} } } } }`);
    const cost = queryCost({ schema, document, operation: document.definitions[0] as OperationDefinitionNode, variables: {} });
    expect(README).toContain(`orders with all ${scalars.length} of their scalar fields costs ${cost.toLocaleString('en-US')};`);
  });

  test('"Retrying safely" names every @idempotent mutation', () => {
    const section = README.slice(README.indexOf('## Retrying safely'), README.indexOf('**Keys.**', README.indexOf('## Retrying safely')));
    for (const name of fieldsWith('idempotent').keys()) expect(section).toContain(`\`${name.replace(/^Mutation\./, '')}\``);
  });
});
