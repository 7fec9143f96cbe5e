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

test('an entry counts its source and every token, comments included, at least what it holds in the heap', () => {
  const documents = Array.from({ length: 50 }, (_, n) => parse(padded(n)));
  const before = heapAfterCollection();
  const kept = Array.from({ length: 50 }, (_, n) => parse(padded(n + 50)));
  const heldEach = (heapAfterCollection() - before) / kept.length;
  expect(heldEach).toBeGreaterThan(1_000_000);
  expect(documentSize(kept[0])).toBeGreaterThanOrEqual(heldEach);
  // Over the entry bound: such a document is parsed again each time, never kept.
  expect(documentSize(documents[0])).toBeGreaterThan(DOCUMENT_STORE_LIMITS.maxEntrySize);
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
