import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { IdempotencyRecord, IdempotencyRecordStore } from '../idempotency-record-store';

/**
 * The contract of the durable IdempotencyRecordStore, run on every database engine an adapter
 * supports. `open` gives a store over a database shared by the whole suite, so every case uses
 * its own scope keys; the purge case lives in its own era (2001) and the liveness case in its
 * own (2040), both out of reach of every other case's records.
 */

/** A store over a prepared database, the host's transactions it joins, and a second write to commit with it. */
export interface IdempotencyRecordStoreHarness {
  readonly store: IdempotencyRecordStore;
  /**
   * Runs `work` in a transaction of the host, as the host nests them (a call inside another one
   * nests in it); `store.save` inside `work` joins it. Commits when `work` resolves, rolls back
   * when it throws.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /** Another write of the host (an "effect"), joining the running transaction, and whether it is committed. */
  readonly effect: { write(id: string): Promise<void>; exists(id: string): Promise<boolean> };
  /** Releases the database (the suite's last step). */
  close(): Promise<void>;
}

const FP = 'sha256:aaaa';
const OTHER_FP = 'sha256:bbbb';
const MINUTE = 60_000;
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const PURGE_ERA = Date.parse('2001-01-01T00:00:00.000Z');
const LIVE_ERA = Date.parse('2040-01-01T00:00:00.000Z');

/** The instant `minutes` after `base` (T0 unless told). */
const at = (minutes: number, base = T0): Date => new Date(base + minutes * MINUTE);

/** Registers the contract cases for one database engine. */
export function defineIdempotencyRecordStoreContract(name: string, open: () => Promise<IdempotencyRecordStoreHarness>): void {
  describe(`idempotency record store contract: ${name}`, () => {
    let harness: IdempotencyRecordStoreHarness;
    let store: IdempotencyRecordStore;
    let counter = 0;
    const runId = `${process.pid}-${Date.now().toString(36)}`;
    const newScope = (): string => `acct-${runId}:placeOrder:key-${++counter}`;
    const transaction = <T>(work: () => Promise<T>): Promise<T> => harness.transaction(work);

    /** A record completed at T0 and kept for an hour, unless overridden. */
    const record = (scopeKey: string, overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
      scopeKey, fingerprint: FP, outcome: JSON.stringify({ data: { placeOrder: { id: scopeKey } } }), createdAt: at(0), expiresAt: at(60), ...overrides,
    });
    /** Saves in its own committed transaction, as the executor always does. */
    const saveCommitted = (r: IdempotencyRecord) => transaction(() => store.save(r));
    const rollsBack = (work: () => Promise<unknown>) => expect(transaction(async () => { await work(); throw new Error('boom'); })).rejects.toThrow('boom');

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
    });
    afterAll(async () => harness?.close());

    test('a saved record is found with every field intact', async () => {
      const saved = record(newScope());
      expect(await saveCommitted(saved)).toBe('saved');
      expect(await store.find(saved.scopeKey, at(1))).toEqual(saved);
    });

    test('an unknown scope key is not found', async () => {
      expect(await store.find(newScope(), at(0))).toBeNull();
    });

    test('a record is not found from its expiry instant on', async () => {
      const saved = record(newScope());
      await saveCommitted(saved);
      expect(await store.find(saved.scopeKey, new Date(saved.expiresAt.getTime() - 1))).toEqual(saved);
      expect(await store.find(saved.scopeKey, saved.expiresAt)).toBeNull();
      expect(await store.find(saved.scopeKey, at(24 * 60))).toBeNull();
    });

    test('saving over a live record is a conflict and keeps the original', async () => {
      const original = record(newScope());
      await saveCommitted(original);
      const duplicate = record(original.scopeKey, { fingerprint: OTHER_FP, outcome: '"second"', createdAt: at(59), expiresAt: at(120) });
      expect(await saveCommitted(duplicate)).toBe('conflict');
      expect(await store.find(original.scopeKey, at(30))).toEqual(original);
    });

    test('saving over an expired record replaces it', async () => {
      const old = record(newScope());
      await saveCommitted(old);
      const fresh = record(old.scopeKey, { fingerprint: OTHER_FP, outcome: '"fresh"', createdAt: old.expiresAt, expiresAt: at(120) });
      expect(await saveCommitted(fresh)).toBe('saved');
      expect(await store.find(old.scopeKey, at(61))).toEqual(fresh);
    });

    test('a record saved in a transaction that rolls back is not found', async () => {
      const lost = record(newScope());
      await rollsBack(() => store.save(lost));
      expect(await store.find(lost.scopeKey, at(1))).toBeNull();
      expect(await saveCommitted(lost)).toBe('saved'); // the key is free again: nothing half-written
    });

    test('a record saved in a nested transaction rolls back with the outer one', async () => {
      const lost = record(newScope());
      await rollsBack(() => transaction(() => store.save(lost)));
      expect(await store.find(lost.scopeKey, at(1))).toBeNull();
    });

    test('the record and the effect commit or roll back together', async () => {
      const rolledBack = { effect: randomUUID(), record: record(newScope()) };
      await rollsBack(async () => {
        await harness.effect.write(rolledBack.effect);
        expect(await store.save(rolledBack.record)).toBe('saved');
      });
      expect(await harness.effect.exists(rolledBack.effect)).toBe(false);
      expect(await store.find(rolledBack.record.scopeKey, at(1))).toBeNull();

      const committed = { effect: randomUUID(), record: record(newScope()) };
      await transaction(async () => {
        await harness.effect.write(committed.effect);
        expect(await store.save(committed.record)).toBe('saved');
      });
      expect(await harness.effect.exists(committed.effect)).toBe(true);
      expect(await store.find(committed.record.scopeKey, at(1))).toEqual(committed.record);
    });

    /**
     * Two transactions saving one key, the second starting once the first has saved but not
     * committed: what the executor relies on instead of a lock. (PGlite runs one transaction at
     * a time, so there the second simply starts after the first ended: same answer.)
     */
    async function raceForKey(firstEnds: 'commit' | 'rollback') {
      const scopeKey = newScope();
      const events: string[] = [];
      let saved!: () => void;
      const firstSaved = new Promise<void>((resolve) => { saved = resolve; });
      const first = transaction(async () => {
        events.push(`first ${await store.save(record(scopeKey, { outcome: '"first"' }))}`);
        saved();
        await delay(100);
        events.push(firstEnds === 'commit' ? 'first commits' : 'first rolls back');
        if (firstEnds === 'rollback') throw new Error('first rolled back');
      }).catch(() => undefined);
      await firstSaved;
      const second = await transaction(async () => {
        const result = await store.save(record(scopeKey, { outcome: '"second"' }));
        events.push(`second ${result}`);
        return result;
      });
      await first;
      return { events, second, stored: await store.find(scopeKey, at(1)) };
    }

    test('a save of a key another transaction saved waits for it, then is a conflict once it commits (no lock needed)', async () => {
      const { events, second, stored } = await raceForKey('commit');
      expect(events).toEqual(['first saved', 'first commits', 'second conflict']);
      expect(second).toBe('conflict');
      expect(stored?.outcome).toBe('"first"');
    });

    test('a save of a key another transaction saved waits for it, then saves once it rolls back', async () => {
      const { events, second, stored } = await raceForKey('rollback');
      expect(events).toEqual(['first saved', 'first rolls back', 'second saved']);
      expect(second).toBe('saved');
      expect(stored?.outcome).toBe('"second"');
    });

    test('purgeExpired deletes only expired records, at most limit per call', async () => {
      const expired = [1, 2, 3].map(() => record(newScope(), { createdAt: at(0, PURGE_ERA), expiresAt: at(60, PURGE_ERA) }));
      const live = [1, 2].map(() => record(newScope(), { createdAt: at(0, PURGE_ERA), expiresAt: at(3 * 60, PURGE_ERA) }));
      for (const r of [...expired, ...live]) await saveCommitted(r);
      const now = at(2 * 60, PURGE_ERA);

      expect(await store.purgeExpired(now, 2)).toBe(2);
      expect(await store.purgeExpired(now, 2)).toBe(1);
      expect(await store.purgeExpired(now, 2)).toBe(0);
      for (const r of live) expect(await store.find(r.scopeKey, now)).toEqual(r);
      // Purged keys are really gone (not merely expired): a late save is not a conflict even at the old time.
      expect(await saveCommitted(record(expired[0].scopeKey, { createdAt: at(0, PURGE_ERA), expiresAt: at(1, PURGE_ERA) }))).toBe('saved');
    });

    test('hasLive tells whether a committed record is live at an instant', async () => {
      // Every other case's records have expired by this era.
      expect(await store.hasLive(at(0, LIVE_ERA))).toBe(false);
      await rollsBack(() => store.save(record(newScope(), { createdAt: at(0, LIVE_ERA), expiresAt: at(60, LIVE_ERA) })));
      expect(await store.hasLive(at(0, LIVE_ERA))).toBe(false); // a rolled-back record never was
      await saveCommitted(record(newScope(), { createdAt: at(0, LIVE_ERA), expiresAt: at(60, LIVE_ERA) }));
      expect(await store.hasLive(at(0, LIVE_ERA))).toBe(true);
      expect(await store.hasLive(new Date(at(60, LIVE_ERA).getTime() - 1))).toBe(true);
      expect(await store.hasLive(at(60, LIVE_ERA))).toBe(false); // expired from its expiry instant on, purged or not
    });

    test('purgeExpired rejects a limit that is not a positive integer', async () => {
      for (const limit of [0, -1, 1.5, Number.NaN]) await expect(store.purgeExpired(at(0), limit)).rejects.toThrow(RangeError);
    });
  });
}
