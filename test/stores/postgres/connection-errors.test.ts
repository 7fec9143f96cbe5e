/**
 * Start-up failures on DATABASE_URL are said as such, with what to check. PgBouncer review (low):
 * a pooler that accepted the connection and never answered (a session pool all taken) stopped
 * start-up with pg's bare "Query read timeout", naming no setting.
 */
import { namingDatabaseUrl } from '../../../src/stores/postgres/connection-errors';

describe('namingDatabaseUrl', () => {
  test('a statement that got no answer names DATABASE_URL and the likely causes, keeping the original as its cause', () => {
    const original = new Error('Query read timeout');
    const named = namingDatabaseUrl(original) as Error;
    expect(named.message).toMatch(/^DATABASE_URL: PostgreSQL could not be used: connected, but no answer in time \(Query read timeout\): .*out of server connections/);
    expect(named.cause).toBe(original);
  });

  test('a refused connection names DATABASE_URL; anything else passes unchanged', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect((namingDatabaseUrl(refused) as Error).message).toBe('DATABASE_URL: PostgreSQL could not be used: connect ECONNREFUSED 127.0.0.1:5432');
    const other = new Error('a bug');
    expect(namingDatabaseUrl(other)).toBe(other);
  });
});
