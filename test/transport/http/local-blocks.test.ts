/**
 * The process's memo of refused sources is bounded: past `maxEntries` it drops the entry written
 * longest ago. A source blocked again (its window refused it once more) is written anew, so it is
 * the newest entry, not the oldest: a flood of other addresses must not evict the one that is
 * still being refused and let its next request through to the body and the crypto.
 */
import { createLocalBlocks } from '../../../src/transport/http/local-blocks';

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

test('past maxEntries the oldest entry is dropped first; the others keep their time left', () => {
  const clock = manualClock();
  const blocks = createLocalBlocks({ now: clock.now, maxEntries: 2 });
  blocks.block('a', 1_000);
  blocks.block('b', 1_000);
  blocks.block('c', 1_000);
  expect([blocks.remaining('a'), blocks.remaining('b'), blocks.remaining('c')]).toEqual([0, 1_000, 1_000]);
});

test('an address blocked again becomes the newest entry: the next one past maxEntries evicts the oldest other entry, not it', () => {
  const clock = manualClock();
  const blocks = createLocalBlocks({ now: clock.now, maxEntries: 2 });
  blocks.block('a', 1_000);
  blocks.block('b', 1_000);
  clock.advance(500);
  blocks.block('a', 1_000); // refused again: blocked until 1 500, and written after b
  blocks.block('c', 1_000);
  expect(blocks.remaining('a')).toBe(1_000);
  expect(blocks.remaining('b')).toBe(0);
  expect(blocks.remaining('c')).toBe(1_000);
});
