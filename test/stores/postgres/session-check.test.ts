/**
 * The start-up check of DATABASE_URL's connections (session-check.ts) on a direct connection:
 * never a false positive, and what it reads of a URL's options. Through a real PgBouncer:
 * test/runtime-pgbouncer.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { checkSessions } from '../../../src/stores/postgres';
import { searchPathInOptions } from '../../../src/stores/postgres/session-check';
import { describeWithPostgres } from '../../helpers/services';

describe('the search_path a libpq options value sets', () => {
  test.each([
    [null, undefined],
    ['', undefined],
    ['-c search_path=tenant_b', 'tenant_b'],
    ['-csearch_path=tenant_b', 'tenant_b'],
    ['--search_path=tenant_b', 'tenant_b'],
    ['--search-path=a,b', 'a,b'],
    ['-c statement_timeout=0 -c search_path=a,\\ b', 'a, b'],
    ['-c search_path=a -c search_path=b', 'b'],
    ['-c statement_timeout=0', undefined],
  ])('%p: %p', (options, expected) => {
    expect(searchPathInOptions(options)).toBe(expected);
  });
});

describeWithPostgres('the start-up check on a direct connection', (url) => {
  test('is never taken for a transaction pooler, and accepts the search_path the URL sets when it applies', async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const scoped = new URL(url);
    scoped.searchParams.set('options', `-c search_path=${schema},public`);
    for (let i = 0; i < 10; i += 1) await checkSessions(url);
    await checkSessions(scoped.toString());
  });
});
