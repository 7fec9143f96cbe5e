import { demoSeedDecision } from '../../../src/transport/cli/demo-seed';

const dev = { production: false, demoSeed: true, databaseUrl: null, host: '127.0.0.1' };

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

  test('off on a HOST others can reach says why, and how to seed anyway', () => {
    expect(demoSeedDecision({ ...dev, demoSeed: false, host: '0.0.0.0' }, true)).toEqual({
      seed: false, reason: 'SIGNET_DEMO_SEED is off: its default when HOST (0.0.0.0) is not a loopback address (set SIGNET_DEMO_SEED=true to seed anyway)',
    });
    // Asked for explicitly (a local container publishing its port), it seeds.
    expect(demoSeedDecision({ ...dev, host: '0.0.0.0' }, true).seed).toBe(true);
  });

  test('production is never seeded, even if a config said demoSeed', () => {
    expect(demoSeedDecision({ ...dev, production: true }, true)).toEqual({ seed: false, reason: 'NODE_ENV=production never seeds demo accounts' });
  });

  test('PostgreSQL is never seeded', () => {
    expect(demoSeedDecision({ ...dev, databaseUrl: 'postgres://db/signet' }, true).seed).toBe(false);
  });
});
