import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { READINESS_RUNS, registerHealthRoutes, type ReadinessCheck } from '../../../src/transport/http/health';
import { captureLogger } from '../../helpers/logger';

/** A dependency check that counts its runs, fails while `down`, and while held waits for `release()`. */
function countedCheck(name: string) {
  let runs = 0;
  let down = false;
  let held: (() => void)[] | null = null;
  const check: ReadinessCheck = {
    name,
    async check() {
      runs += 1;
      if (held) await new Promise<void>((resolve) => held!.push(resolve));
      if (down) throw new Error(`${name} is down`);
    },
  };
  return {
    check, runs: () => runs,
    setDown: (value: boolean) => { down = value; },
    hold: () => { held = []; },
    release: () => { const waiting = held ?? []; held = null; for (const resolve of waiting) resolve(); },
  };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('/readyz pings its dependencies a few times back to back, then once a second, however many ask', () => {
  let app: FastifyInstance;
  let url: string;
  let clock: number;
  /** How many /readyz requests asked for an answer (each reads the clock once). */
  let asked: number;
  let log: ReturnType<typeof captureLogger>;

  async function start(checks: ReadinessCheck[]): Promise<void> {
    log = captureLogger();
    app = Fastify({ loggerInstance: log.logger as FastifyBaseLogger });
    registerHealthRoutes(app, checks, {
      now: () => {
        asked += 1;
        return clock;
      },
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  }
  const readyz = async () => {
    const response = await fetch(`${url}/readyz`);
    return { status: response.status, body: await response.json() };
  };

  beforeEach(() => {
    clock = 1_000_000;
    asked = 0;
  });
  afterEach(async () => app?.close());

  test('a flood costs the burst, then one check of each dependency a second', async () => {
    const database = countedCheck('database');
    const redis = countedCheck('redis');
    await start([database.check, redis.check]);
    const answers = await Promise.all(Array.from({ length: 20 }, readyz));
    for (let i = 0; i < 20; i += 1) answers.push(await readyz());
    clock += 999;
    answers.push(await readyz());
    expect(answers.every((a) => a.status === 200 && a.body.checks.database === 'ok' && a.body.checks.redis === 'ok')).toBe(true);
    expect([database.runs(), redis.runs()]).toEqual([READINESS_RUNS.burst, READINESS_RUNS.burst]);
    clock += 1;
    for (let i = 0; i < 10; i += 1) expect((await readyz()).status).toBe(200);
    expect([database.runs(), redis.runs()]).toEqual([READINESS_RUNS.burst + 1, READINESS_RUNS.burst + 1]);
  });

  test('a caller asking again right after a dependency dropped is told at once', async () => {
    const redis = countedCheck('redis');
    await start([redis.check]);
    expect((await readyz()).status).toBe(200);
    redis.setDown(true);
    expect(await readyz()).toEqual({ status: 503, body: { status: 'not ready', checks: { redis: 'unavailable' } } });
    redis.setDown(false);
    expect((await readyz()).status).toBe(200);
  });

  test('callers while a check is in flight share it, however long it takes', async () => {
    const database = countedCheck('database');
    await start([database.check]);
    database.hold();
    const first = readyz();
    while (database.runs() === 0) await nextTurn();
    clock += 5_000;
    const others = Array.from({ length: 5 }, readyz);
    // All six have asked (or started checks of their own) while the first check still waits.
    while (Math.max(asked, database.runs()) < 6) await nextTurn();
    database.release();
    const answers = await Promise.all([first, ...others]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(database.runs()).toBe(1);
  });

  test('a dependency down is answered 503 to every caller and logged once per check, not per caller', async () => {
    const redis = countedCheck('redis');
    await start([redis.check]);
    redis.setDown(true);
    redis.hold();
    const answers = Array.from({ length: 10 }, readyz);
    while (Math.max(asked, redis.runs()) < 10) await nextTurn();
    redis.release();
    expect((await Promise.all(answers)).every((a) => a.status === 503 && a.body.checks.redis === 'unavailable')).toBe(true);
    expect(redis.runs()).toBe(1);
    expect(log.lines().filter((l) => l.msg === 'readiness check failed')).toHaveLength(1);
  });
});
