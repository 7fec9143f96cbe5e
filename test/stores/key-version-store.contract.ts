/**
 * The KeyVersionStore contract (STYLE rule 4): the memory and Redis stores run these same cases.
 * Only `current` creates a version, so a key id that has no API key row (whose cache miss only
 * `peek`s) never gets one.
 */
import { randomBytes } from 'node:crypto';
import type { KeyVersionStore } from '../../src/domain';

const freshKeyId = () => `key_${randomBytes(12).toString('hex')}`;

/** Defines the contract's cases over the store `create` makes (a new one per case). */
export function defineKeyVersionStoreContract(name: string, create: () => KeyVersionStore): void {
  describe(`KeyVersionStore contract: ${name}`, () => {
    it('peek answers null for a key that has no version, and creates none', async () => {
      const store = create();
      const keyId = freshKeyId();
      expect(await store.peek(keyId)).toBeNull();
      expect(await store.peek(keyId)).toBeNull();
    });

    it('current gives a key without one a random version, which it keeps and peek answers', async () => {
      const store = create();
      const keyId = freshKeyId();
      const first = await store.current(keyId);
      expect(first.length).toBeGreaterThanOrEqual(16);
      expect(await store.current(keyId)).toBe(first);
      expect(await store.peek(keyId)).toBe(first);
      expect(await store.current(freshKeyId())).not.toBe(first);
    });

    it('concurrent current calls on a key without a version all answer the one stored', async () => {
      const store = create();
      const keyId = freshKeyId();
      const answers = await Promise.all(Array.from({ length: 20 }, () => store.current(keyId)));
      expect(new Set(answers).size).toBe(1);
      expect(await store.peek(keyId)).toBe(answers[0]);
    });

    it('renew replaces a version with a fresh one', async () => {
      const store = create();
      const keyId = freshKeyId();
      const before = await store.current(keyId);
      await store.renew(keyId);
      const after = await store.peek(keyId);
      expect(after).not.toBeNull();
      expect(after).not.toBe(before);
      expect(await store.current(keyId)).toBe(after);
    });

    it('renew creates no version for a key that has none; the one created later is fresh', async () => {
      const store = create();
      const keyId = freshKeyId();
      await store.renew(keyId);
      expect(await store.peek(keyId)).toBeNull();
      const created = await store.current(keyId);
      await store.renew(keyId);
      expect(await store.current(keyId)).not.toBe(created);
    });
  });
}
