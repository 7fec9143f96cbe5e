import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { fingerprintArguments } from '../src';

/** Rebuilds `value` with every object's keys in a seeded random order (fromEntries keeps `__proto__` an own key). */
function shuffleKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, random));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).map(([k, v]) => [k, shuffleKeys(v, random)] as const);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries);
}

/** mulberry32: a tiny deterministic PRNG, so a failing permutation can be replayed from its seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The JSON value a client could send: `-0` becomes `0`, which the fingerprint also treats as equal. */
const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('fingerprintArguments', () => {
  it('is sha256 of the canonical JSON with sorted keys', () => {
    const canonical = '{"a":[true,null,"x",1.5],"b":{"c":"d","z":0}}';
    const expected = `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
    expect(fingerprintArguments({ b: { z: 0, c: 'd' }, a: [true, null, 'x', 1.5] })).toBe(expected);
  });

  it('does not depend on key order, at any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        expect(fingerprintArguments(shuffleKeys(value, seeded(seed)))).toBe(fingerprintArguments(value));
      }),
      { numRuns: 500 },
    );
  });

  it('gives distinct arguments distinct fingerprints', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.jsonValue(), { minLength: 20, maxLength: 60, comparator: (a, b) => isDeepStrictEqual(asJson(a), asJson(b)) }),
        (values) => {
          expect(new Set(values.map(fingerprintArguments)).size).toBe(values.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('tells apart values that a naive serialization would confuse', () => {
    const lookalikes: unknown[] = [
      { a: 1 },
      { a: '1' },
      { a: [1, 2] },
      { a: [2, 1] },
      { a: null },
      {},
      [],
      '',
      { a: 'b', c: 'd' },
      { a: 'b","c":"d' },
      { a: { b: 1 } },
      { 'a.b': 1 },
      { a: true },
      { a: 'true' },
    ];
    expect(new Set(lookalikes.map(fingerprintArguments)).size).toBe(lookalikes.length);
  });

  it('drops undefined properties and writes undefined array elements as null, like JSON', () => {
    expect(fingerprintArguments({ a: 1, b: undefined })).toBe(fingerprintArguments({ a: 1 }));
    expect(fingerprintArguments([undefined, 1])).toBe(fingerprintArguments([null, 1]));
  });

  it('writes a Date as its ISO string, the DateTime scalar wire form', () => {
    expect(fingerprintArguments({ at: new Date(0) })).toBe(fingerprintArguments({ at: '1970-01-01T00:00:00.000Z' }));
  });

  it('accepts null-prototype objects, which graphql-js may build for coerced input objects', () => {
    const input = Object.assign(Object.create(null) as Record<string, unknown>, { side: 'BUY', qty: 2 });
    expect(fingerprintArguments({ input })).toBe(fingerprintArguments({ input: { qty: 2, side: 'BUY' } }));
  });

  it('accepts the same sub-object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(fingerprintArguments({ a: shared, b: shared })).toBe(fingerprintArguments({ a: { x: 1 }, b: { x: 1 } }));
  });

  it.each<[string, unknown]>([
    ['NaN', { a: Number.NaN }],
    ['Infinity', { a: Infinity }],
    ['a bigint', { a: 1n }],
    ['a symbol', { a: Symbol('s') }],
    ['a function', { a: () => 1 }],
    ['a Map', { a: new Map() }],
    ['a class instance', { a: new (class Decimal { v = '1.5'; })() }],
    ['an invalid Date', { a: new Date(Number.NaN) }],
    ['undefined at the top level', undefined],
  ])('refuses %s with a TypeError', (_name, value) => {
    expect(() => fingerprintArguments(value)).toThrow(TypeError);
  });

  it('refuses a cycle with a TypeError instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = [cyclic];
    expect(() => fingerprintArguments(cyclic)).toThrow(TypeError);
  });
});
