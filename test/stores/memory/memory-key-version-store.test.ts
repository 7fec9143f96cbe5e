import { createMemoryKeyVersionStore } from '../../../src/domain';
import { defineKeyVersionStoreContract } from '../key-version-store.contract';

defineKeyVersionStoreContract('memory', () => createMemoryKeyVersionStore());

test('two memory stores never share versions', async () => {
  const first = await createMemoryKeyVersionStore().current('k');
  expect(await createMemoryKeyVersionStore().current('k')).not.toBe(first);
});
