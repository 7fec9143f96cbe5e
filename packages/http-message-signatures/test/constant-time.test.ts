/**
 * Comparisons of secrets take the same time wherever the first difference is. No functional test
 * can see an early exit (a mutation testing review replaced both comparisons with early-exit ones
 * and every test still passed), so these pin the structure: the package's own comparison reads
 * every byte, and the Node provider compares HMACs with node:crypto's timingSafeEqual.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../src/bytes';
import { nodeCrypto } from '../src/node';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
const { timingSafeEqual } = require('node:crypto') as { timingSafeEqual: jest.Mock };

/** `bytes` behind a proxy that counts the indices read. */
function counting(bytes: Uint8Array): { view: Uint8Array; reads: () => number } {
  let reads = 0;
  const view = new Proxy(bytes, {
    get(target, property) {
      if (typeof property === 'string' && /^\d+$/.test(property)) reads += 1;
      return Reflect.get(target, property);
    },
  });
  return { view, reads: () => reads };
}

describe('constantTimeEqual', () => {
  test.each([['the first byte', 0], ['the last byte', 31], ['no byte', -1]])('reads all 32 bytes of both inputs when they differ at %s', (_where, at) => {
    const a = randomBytes(32);
    const b = Buffer.from(a);
    if (at >= 0) b[at] ^= 0xff;
    const [left, right] = [counting(a), counting(b)];
    expect(constantTimeEqual(left.view, right.view)).toBe(at < 0);
    expect([left.reads(), right.reads()]).toEqual([32, 32]);
  });

  test('inputs of different lengths are unequal (a length is not secret: MACs and digests have fixed sizes)', () => {
    expect(constantTimeEqual(new Uint8Array(32), new Uint8Array(31))).toBe(false);
  });
});

describe('the Node provider\'s HMAC verification', () => {
  test('compares the expected MAC with the one sent through timingSafeEqual, whether it matches or not', async () => {
    const secret = randomBytes(32);
    const data = new TextEncoder().encode('signature base');
    const mac = createHmac('sha256', secret).update(data).digest();
    const key = { keyId: 'key_0123456789abcdef01234567', algorithm: 'hmac-sha256' as const, secret };
    timingSafeEqual.mockClear();
    expect(await nodeCrypto.verify(key, data, mac)).toBe(true);
    const wrong = Buffer.from(mac);
    wrong[0] ^= 0xff;
    expect(await nodeCrypto.verify(key, data, wrong)).toBe(false);
    expect(timingSafeEqual).toHaveBeenCalledTimes(2);
    expect(timingSafeEqual.mock.calls.map(([expected, sent]) => [expected.length, sent.length])).toEqual([[32, 32], [32, 32]]);
  });
});
