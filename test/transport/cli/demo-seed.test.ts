import { demoSeedDecision } from '../../../src/transport/cli/demo-seed';

const dev = { production: false, demoSeed: true, databaseUrl: null };

describe('whether serve seeds the demo accounts', () => {
  test('a new embedded database with demo seeding on is seeded', () => {
    expect(demoSeedDecision(dev, true)).toEqual({ seed: true, reason: 'new embedded database and SIGNET_DEMO_SEED on' });
  });

  test('an existing database is never seeded again', () => {
    expect(demoSeedDecision(dev, false)).toEqual({ seed: false, reason: 'the embedded database already existed' });
  });

  test('SIGNET_DEMO_SEED off is not seeded', () => {
    expect(demoSeedDecision({ ...dev, demoSeed: false }, true)).toEqual({ seed: false, reason: 'SIGNET_DEMO_SEED is off' });
  });

  test('production is never seeded, even if a config said demoSeed', () => {
    expect(demoSeedDecision({ ...dev, production: true }, true)).toEqual({ seed: false, reason: 'NODE_ENV=production never seeds demo accounts' });
  });

  test('PostgreSQL is never seeded', () => {
    expect(demoSeedDecision({ ...dev, databaseUrl: 'postgres://db/signet' }, true).seed).toBe(false);
  });
});
