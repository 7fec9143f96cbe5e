import { createPgliteDriver, type SqlDriver } from '../../../src/stores/postgres';

/**
 * The PGlite driver runs `prepared: true` statements as named protocol-level statements: parsed
 * once per database, then bound and run. These pin that they answer exactly what PGlite's own
 * query answers, that they are really prepared (and planned generically once PostgreSQL chooses
 * to), and that errors and rollbacks behave as for any statement.
 */
describe('PGlite driver: prepared statements', () => {
  let driver: SqlDriver;

  beforeAll(async () => {
    driver = await createPgliteDriver();
    await driver.query(`CREATE TABLE items (id uuid PRIMARY KEY, amount numeric NOT NULL CHECK (amount >= 0), label text,
      at timestamptz NOT NULL, n bigint NOT NULL, flag boolean NOT NULL)`);
  }, 30_000);

  afterAll(() => driver.close());

  const insert = `INSERT INTO items (id, amount, label, at, n, flag)
    SELECT * FROM unnest($1::uuid[], $2::numeric[], $3::text[], $4::timestamptz[], $5::bigint[], $6::boolean[])
    RETURNING id, amount, label, at, n, flag`;
  const select = 'SELECT id, amount, label, at, n, flag FROM items WHERE amount >= $1::numeric AND ($2::text IS NULL OR label = $2) ORDER BY id';

  function rowsOf(prefix: string, count: number) {
    const ids = Array.from({ length: count }, (_, i) => `${prefix}0000000-0000-4000-8000-00000000000${i}`);
    return [ids, ids.map((_, i) => `${i}.${i}5`), ids.map((_, i) => (i % 2 ? null : `label "${i}", with 'quotes'`)),
      ids.map((_, i) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()), ids.map((_, i) => String(2 ** 40 + i)), ids.map((_, i) => i % 2 === 0)];
  }

  test('answers exactly what an unprepared statement answers (arrays, nulls, numerics, timestamps, bigints)', async () => {
    const prepared = await driver.begin((tx) => tx.query(insert, rowsOf('a', 3), { prepared: true }));
    const plain = await driver.begin((tx) => tx.query(insert, rowsOf('b', 3)));
    expect(prepared).toHaveLength(3);
    const shape = (rows: Array<Record<string, unknown>>) => rows.map(({ id: _id, ...rest }) => rest);
    expect(shape(prepared)).toEqual(shape(plain));
    expect(prepared[1]).toMatchObject({ amount: '1.15', label: null, n: 2 ** 40 + 1, flag: false });
    expect(prepared[0].at).toEqual(new Date(Date.UTC(2026, 0, 1)));

    for (const params of [['0', null], ['1', null], ['0', 'label "0", with \'quotes\''], ['100', null]]) {
      const viaPrepared = await driver.begin((tx) => tx.query(select, params, { prepared: true }));
      const viaPlain = await driver.begin((tx) => tx.query(select, params));
      expect(viaPrepared).toEqual(viaPlain);
    }
  });

  test('is parsed once, then PostgreSQL runs it from its plan cache (generic plans after its first custom ones)', async () => {
    const text = 'SELECT count(*)::int AS n FROM items WHERE amount >= $1::numeric';
    for (let i = 0; i < 12; i += 1) {
      const [row] = await driver.begin((tx) => tx.query<{ n: number }>(text, ['0'], { prepared: true }));
      expect(row.n).toBeGreaterThan(0);
    }
    const statements = await driver.begin((tx) => tx.query<{ generic_plans: string | number | bigint; custom_plans: string | number | bigint }>(
      'SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1', [text]));
    expect(statements).toHaveLength(1);
    expect(Number(statements[0].generic_plans) + Number(statements[0].custom_plans)).toBe(12);
    expect(Number(statements[0].generic_plans)).toBeGreaterThan(0);
  });

  test('a failing run rejects with the database error, rolls back, and the statement still works after', async () => {
    const text = 'UPDATE items SET amount = amount - $1::numeric WHERE label IS NOT NULL RETURNING amount';
    const before = await driver.query<{ total: string }>('SELECT sum(amount)::text AS total FROM items');
    await expect(driver.begin(async (tx) => {
      await tx.query(insert, rowsOf('c', 1), { prepared: true });
      return tx.query(text, ['1000'], { prepared: true });
    })).rejects.toMatchObject({ code: '23514' });
    // Nothing of the failed transaction stayed, and the next transaction runs normally.
    expect(await driver.query('SELECT sum(amount)::text AS total FROM items')).toEqual(before);
    const updated = await driver.begin((tx) => tx.query<{ amount: string }>(text, ['0.05'], { prepared: true }));
    expect(updated.length).toBeGreaterThan(0);
    expect(await driver.query('SELECT count(*)::int AS n FROM items WHERE id::text LIKE $1', ['c%'])).toEqual([{ n: 0 }]);
  });

  test('a statement that returns no rows answers an empty list, and its write is done', async () => {
    const text = 'UPDATE items SET label = $1 WHERE amount < 0';
    expect(await driver.begin((tx) => tx.query(text, ['none'], { prepared: true }))).toEqual([]);
    const write = 'UPDATE items SET label = $1 WHERE amount = (SELECT max(amount) FROM items)';
    expect(await driver.begin((tx) => tx.query(write, ['highest'], { prepared: true }))).toEqual([]);
    const atMax = await driver.query('SELECT count(*)::int AS n FROM items WHERE amount = (SELECT max(amount) FROM items)');
    expect(atMax[0]).toMatchObject({ n: expect.any(Number) });
    expect(await driver.query('SELECT count(*)::int AS n FROM items WHERE label = $1', ['highest'])).toEqual(atMax);
  });

  test('a statement that does not parse rejects every time, and does not disturb the others', async () => {
    const broken = 'SELEC amount FROM items WHERE amount > $1::numeric';
    for (let i = 0; i < 2; i += 1) {
      await expect(driver.begin((tx) => tx.query(broken, ['0'], { prepared: true }))).rejects.toMatchObject({ code: '42601' });
    }
    const rows = await driver.begin((tx) => tx.query(select, ['0', null], { prepared: true }));
    expect(rows.length).toBeGreaterThan(0);
  });
});
