/**
 * The parsed-document cache holds what its entries really hold (long-run review): each unsigned
 * request of `{ serverTime }` padded with a new 64 KiB of `#` lines kept 2.7 MB of source and
 * tokens in Apollo's default cache, which counted it as ~400 bytes, so a few thousand such requests
 * (each within every limit) filled the heap until the process died. Now the cache's 16 MiB bound is
 * a bound on the heap it keeps.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse } from 'graphql';
import { DOCUMENT_STORE_LIMITS, createDocumentStore, documentSize } from '../../../src/transport/graphql/document-store';
import { openPgliteDatabase, type TestDatabase } from '../../helpers/database';
import { servicesFor } from '../../helpers/domain';
import { memoryStores, startSignet, type RunningSignet } from '../../helpers/signet-server';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
const heapAfterCollection = (): number => {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
};

/** `{ serverTime }` and 20,000 comment lines: a new text for each `n` of 20,000 tokens, 60 KB as a JSON body (under the 64 KiB limit). */
const padded = (n: number) => `{ serverTime } #${n}\n${'#\n'.repeat(20_000)}`;

/** Documents within every request limit (64 KiB, 2,000 tokens) that hold far more than their JSON. */
const SHAPES: ReadonlyArray<[string, (n: number) => string]> = [
  ['comment lines', padded],
  ['comments in CJK', (n) => `{ serverTime } #${n}\n${'# 一二三四五六七八九十一二\n'.repeat(4_000)}`],
  ['1,990 fields', (n) => `query Q${n} { markets { ${Array.from({ length: 1_990 }, (_, j) => `f${j}`).join(' ')} } }`],
  ['660 aliases', (n) => `query Q${n} {${Array.from({ length: 660 }, (_, j) => ` a${j}: markets`).join('')} }`],
  ['an object literal', (n) => `query Q${n} { x(a: {${Array.from({ length: 660 }, (_, j) => `k${j}: ${j}`).join(',')}}) }`],
  ['a string of 30,000 escapes', (n) => `query Q${n} { x(a: "${'\\n'.repeat(30_000)}") }`],
];

test.each(SHAPES)('an entry counts at least what it holds in the heap: %s', (_shape, make) => {
  const first = parse(make(0));
  const before = heapAfterCollection();
  const kept = Array.from({ length: 40 }, (_, n) => parse(make(n + 1)));
  const heldEach = (heapAfterCollection() - before) / kept.length;
  expect(heldEach).toBeGreaterThan(50_000);
  expect(documentSize(kept[0])).toBeGreaterThanOrEqual(heldEach);
  expect(documentSize(first)).toBeGreaterThan(0);
});

test('a comment-padded document is over the entry bound: parsed again each time, never kept', () => {
  expect(documentSize(parse(padded(0)))).toBeGreaterThan(DOCUMENT_STORE_LIMITS.maxEntrySize);
});

test('a small document is kept', async () => {
  const store = createDocumentStore();
  const document = parse('query Markets { markets { symbol } }');
  await store.set('k', document);
  expect(await store.get('k')).toBe(document);
});

describe('unsigned requests padded with comments', () => {
  let db: TestDatabase;
  let server: RunningSignet;
  beforeAll(async () => {
    db = await openPgliteDatabase();
    server = await startSignet(servicesFor(db.driver), memoryStores());
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  test('do not grow the heap past the cache\'s bound, however many new texts come', async () => {
    const send = async (n: number) => {
      const answer = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: padded(n) }) });
      expect(answer.status).toBe(200);
      await answer.arrayBuffer();
    };
    for (let n = 0; n < 20; n += 1) await send(n);
    const before = heapAfterCollection();
    // 200 × 1.7 MB = 340 MB, had each been kept.
    for (let n = 20; n < 220; n += 1) await send(n);
    expect(heapAfterCollection() - before).toBeLessThan(DOCUMENT_STORE_LIMITS.maxSize + 32 * 2 ** 20);
  }, 120_000);
});
