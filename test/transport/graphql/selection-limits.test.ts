/**
 * Documents that would keep graphql-js's OverlappingFieldsCanBeMergedRule busy (one field
 * repeated hundreds of times, fragments that multiply) are refused with a message naming the
 * limit before that rule looks at a single selection set; every document clients send passes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { getIntrospectionQuery, parse, type DocumentNode } from 'graphql';
import * as sdk from '@signet/sdk';
import { QUERY_LIMITS } from '../../../src/transport/graphql/create-apollo-server';
import { checkSelectionLimits } from '../../../src/transport/graphql/selection-limits.rule';
import { embeddedTestHttpServer, postGraphQL } from '../../helpers/http-server';

/** How many selection sets graphql-js's overlap rule was given, in this file's server. */
const mockOverlapRule = { selectionSets: 0 };

// The server validates with graphql-js's specified rules as Apollo imports them: the overlap rule
// among them is wrapped to count the selection sets it is given.
jest.mock('graphql', () => {
  const actual = jest.requireActual<typeof import('graphql')>('graphql');
  const counted: import('graphql').ValidationRule = (context) => {
    const visitor = actual.OverlappingFieldsCanBeMergedRule(context) as { SelectionSet(node: import('graphql').SelectionSetNode): void };
    return {
      SelectionSet(node) {
        mockOverlapRule.selectionSets++;
        visitor.SelectionSet(node);
      },
    };
  };
  return { ...actual, specifiedRules: Object.freeze(actual.specifiedRules.map((rule) => (rule === actual.OverlappingFieldsCanBeMergedRule ? counted : rule))) };
});

const ROOT = join(__dirname, '..', '..', '..');
const EVERY_OPTION = { descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true };

/** Every document a client of this repository sends, by where it comes from. */
function clientDocuments(): Array<[string, DocumentNode]> {
  const files = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.graphql')).map((f) => join(dir, f));
  const fromFiles = [...files('schema/operations'), ...files('examples/codegen/operations')]
    .map((file): [string, DocumentNode] => [file, parse(readFileSync(join(ROOT, file), 'utf8'))]);
  const generated = Object.entries(sdk)
    .filter(([, value]) => (value as { kind?: unknown } | null)?.kind === 'Document')
    .map(([name, value]): [string, DocumentNode] => [`@signet/sdk ${name}`, value as DocumentNode]);
  const playground = /DEFAULT_QUERY = `([^`]*)`/.exec(readFileSync(join(ROOT, 'src/transport/playground/browser/app.tsx'), 'utf8'))![1];
  return [
    ...fromFiles, ...generated,
    ['the playground\'s default query', parse(playground)],
    ['getIntrospectionQuery()', parse(getIntrospectionQuery())],
    ['getIntrospectionQuery() with every option', parse(getIntrospectionQuery(EVERY_OPTION))],
    ['GraphiQL\'s introspection query', parse(getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true }))],
  ];
}

/** `{ markets { __typename } … }` with the field `times` times: the review's document at 490. */
const repeatedMarkets = (times: number) => `{ ${'markets { __typename } '.repeat(times)}}`;

/** `count` fragments on Query, each selecting markets and spreading the next two: the review's fan-out at 120. */
function fragmentFanOut(count: number): string {
  let document = '{ ...F0 }';
  for (let i = 0; i < count; i++) {
    document += ` fragment F${i} on Query { markets { symbol } ${i + 1 < count ? `...F${i + 1}` : ''} ${i + 2 < count ? `...F${i + 2}` : ''} }`;
  }
  return document;
}

/** `count` different fragments spread side by side at the root, each with its own alias. */
function fragmentsSideBySide(count: number): string {
  const spreads = Array.from({ length: count }, (_, i) => `...F${i}`).join(' ');
  return `{ ${spreads} } ${Array.from({ length: count }, (_, i) => `fragment F${i} on Query { t${i}: serverTime }`).join(' ')}`;
}

describe('selection limits', () => {
  test.each(clientDocuments())('%s is within every limit', (_source, document) => {
    expect(checkSelectionLimits(document, QUERY_LIMITS)).toBeUndefined();
  });

  test('fragments that multiply without repeating a name at one place are refused by the expanded count, and the count stops the walk', () => {
    // Each fragment spreads the next under two fields, one spread per place: 2^40 leaves if walked.
    let document = '{ ...F0 }';
    for (let i = 0; i < 40; i++) document += ` fragment F${i} on Query { ${i < 39 ? `a { ...F${i + 1} } b { ...F${i + 1} }` : 'leaf'} }`;
    expect(checkSelectionLimits(parse(document), QUERY_LIMITS)).toEqual({ kind: 'expanded-selections', limit: QUERY_LIMITS.maxExpandedSelections });
  });

  describe('over HTTP', () => {
    const server = embeddedTestHttpServer();

    /** Posts `query` and returns the answer with how many selection sets the overlap rule checked meanwhile. */
    async function post(query: string) {
      const before = mockOverlapRule.selectionSets;
      const res = await postGraphQL(server.url, { query });
      return { ...res, overlapChecks: mockOverlapRule.selectionSets - before };
    }

    test('a field repeated at the limit validates and runs (the overlap rule checks it as usual)', async () => {
      const res = await post(`{ ${'markets { symbol } '.repeat(QUERY_LIMITS.maxFieldsPerResponseName)}}`);
      expect(res.status).toBe(200);
      expect(res.json.errors).toBeUndefined();
      expect(res.json.data.markets.length).toBeGreaterThan(0);
      expect(res.overlapChecks).toBeGreaterThan(0);
    });

    test('one field repeated 490 times is refused, naming the limit, before the overlap rule compares anything', async () => {
      const res = await post(repeatedMarkets(490));
      expect(res.status).toBe(400);
      expect(res.json.data).toBeUndefined();
      expect(res.json.errors).toEqual([expect.objectContaining({
        message: expect.stringContaining(`"markets" more than ${QUERY_LIMITS.maxFieldsPerResponseName} times`),
        extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
      })]);
      expect(res.overlapChecks).toBe(0);
    });

    test('repeats are counted at each place of the response, through nested fields, inline fragments and spreads', async () => {
      // Eight `markets` (within the limit) holding four `symbol` each: 32 fields at markets.symbol.
      const nested = await post(`{ ${'markets { symbol symbol ... on Market { symbol symbol } } '.repeat(8)}}`);
      expect(nested.status).toBe(400);
      expect(nested.json.errors[0].message).toContain('"markets.symbol" more than');
      expect(nested.overlapChecks).toBe(0);
      // The same fragment spread at the limit: its field appears once per spread, one more than the limit with the root's own.
      const spread = await post(`{ serverTime ${'...M '.repeat(QUERY_LIMITS.maxFragmentSpreadsPerSelectionSet)}} fragment M on Query { serverTime }`);
      expect(spread.status).toBe(400);
      expect(spread.json.errors[0].message).toContain('"serverTime" more than');
      expect(spread.overlapChecks).toBe(0);
    });

    test('120 fragments each spreading the next two are refused before the overlap rule compares anything', async () => {
      const res = await post(fragmentFanOut(120));
      expect(res.status).toBe(400);
      expect(res.json.errors).toHaveLength(1);
      expect(res.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(res.json.errors[0].message).toContain(`more than ${QUERY_LIMITS.maxFragmentSpreadsPerSelectionSet} fragments at one place (the operation root)`);
      expect(res.overlapChecks).toBe(0);
    });

    test('more fragments side by side than the limit are refused, naming it; as many as the limit pass', async () => {
      const over = await post(fragmentsSideBySide(QUERY_LIMITS.maxFragmentSpreadsPerSelectionSet + 1));
      expect(over.status).toBe(400);
      expect(over.json.errors[0].message).toContain(`more than ${QUERY_LIMITS.maxFragmentSpreadsPerSelectionSet} fragments at one place (the operation root)`);
      expect(over.overlapChecks).toBe(0);
      // Fifteen aliases at most: the fragments' aliases count as the operation's.
      const at = await post(fragmentsSideBySide(QUERY_LIMITS.maxAliases));
      expect(at.status).toBe(200);
      expect(at.json.data.t0).toEqual(expect.any(String));
    });

    test('a fragment that spreads itself is refused as graphql-js refuses it, without the overlap rule', async () => {
      const res = await post('{ ...A } fragment A on Query { serverTime ...B } fragment B on Query { ...A }');
      expect(res.status).toBe(400);
      expect(res.json.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Cannot spread fragment "[AB]" within itself/) })]);
      expect(res.overlapChecks).toBe(0);
    });
  });
});
