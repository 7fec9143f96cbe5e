import { canonicalAddress, clientOf, createAddressMatcher, parseRangeList } from '../../../src/transport/http/ip-ranges';

describe('canonicalAddress', () => {
  test('five spellings of one IPv4 address are one address', () => {
    const spellings = ['1.2.3.4', '::ffff:1.2.3.4', '::ffff:0102:0304', '0:0:0:0:0:ffff:102:304', '::FFFF:1.2.3.4'];
    expect(new Set(spellings.map(canonicalAddress))).toEqual(new Set(['1.2.3.4']));
  });

  test('IPv6 is written in RFC 5952 form: lower case, longest zero run compressed, zone dropped', () => {
    expect(canonicalAddress('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalAddress('2001:0db8:0000:0000:0001:0000:0000:0001')).toBe('2001:db8::1:0:0:1');
    expect(canonicalAddress('fe80::1%eth0')).toBe('fe80::1');
  });

  test.each([
    ['any string', 'not-an-ip'], ['empty', ''], ['a host name', 'example.com'], ['an address with a port', '1.2.3.4:80'],
    ['octal IPv4', '010.0.0.1'], ['hex IPv4', '0x01.2.3.4'], ['integer IPv4', '16909060'], ['three parts', '1.2.3'],
    ['an octet over 255', '1.2.3.256'], ['a CIDR', '10.0.0.0/8'], ['a huge string', `${'1'.repeat(100)}::1`],
    ['a bracketed IPv6', '[::1]'], ['a header injection', '1.2.3.4\r\nx: y'],
  ])('%s is not an address', (_name, text) => {
    expect(canonicalAddress(text)).toBeNull();
  });
});

describe('clientOf', () => {
  const limitKey = (text: string, bits = 64) => clientOf(text, bits)?.limitKey;

  test('an IPv4 client is its address, whichever way it is spelled', () => {
    expect(clientOf('203.0.113.7', 64)).toEqual({ address: '203.0.113.7', limitKey: '203.0.113.7' });
    expect(clientOf('::ffff:cb00:7107', 64)).toEqual({ address: '203.0.113.7', limitKey: '203.0.113.7' });
  });

  test('two IPv6 addresses in one /64 share a subject; another /64 does not', () => {
    expect(clientOf('2001:DB8:1:2::1', 64)).toEqual({ address: '2001:db8:1:2::1', limitKey: '2001:db8:1:2::/64' });
    expect(limitKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(limitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
  });

  test('the prefix length is configurable, including prefixes inside a 16-bit group; /128 is the address itself', () => {
    expect(limitKey('2001:db8:1:2::1', 48)).toBe('2001:db8:1::/48');
    expect(limitKey('2001:db8:1:2ff::1', 56)).toBe('2001:db8:1:200::/56');
    expect(limitKey('2001:db8:ffff:ffff::1', 35)).toBe('2001:db8:e000::/35');
    expect(limitKey('2001:db8:1:2::1', 128)).toBe('2001:db8:1:2::1');
  });

  test('anything else is no client', () => {
    for (const text of ['not-an-ip', '', '010.0.0.1', '1.2.3.4:80', '[::1]', ':::1']) expect(clientOf(text, 64)).toBeNull();
  });
});

describe('range lists', () => {
  test('addresses, CIDRs and named ranges are accepted; anything else is reported', () => {
    expect(parseRangeList(' 10.0.0.0/8, 127.0.0.1 ,loopback,2001:db8::/32,::ffff:10.0.0.0/104')).toEqual({
      entries: ['10.0.0.0/8', '127.0.0.1', 'loopback', '2001:db8::/32', '::ffff:10.0.0.0/104'], invalid: [],
    });
    expect(parseRangeList('10.0.0.0/33,proxy.internal,10.0.0.0/x,1.2.3.4/,*').invalid).toEqual(['10.0.0.0/33', 'proxy.internal', '10.0.0.0/x', '1.2.3.4/', '*']);
  });

  test('a matcher compares canonical addresses: an IPv4-mapped peer is in its IPv4 range', () => {
    const matches = createAddressMatcher(['10.0.0.0/8', '2001:db8::/32', 'loopback', '::ffff:192.168.0.0/112']);
    expect(matches('10.1.2.3')).toBe(true);
    expect(matches('::ffff:10.1.2.3')).toBe(true);
    expect(matches('2001:DB8:ffff::1')).toBe(true);
    expect(matches('::1')).toBe(true);
    expect(matches('127.9.9.9')).toBe(true);
    expect(matches('192.168.7.7')).toBe(true);
    expect(matches('192.169.0.1')).toBe(false);
    expect(matches('11.0.0.1')).toBe(false);
    expect(matches('2001:db9::1')).toBe(false);
    expect(matches('not-an-ip')).toBe(false);
    expect(matches('010.1.2.3')).toBe(false);
  });

  test('a matcher refuses to be built from an entry that is not a range', () => {
    expect(() => createAddressMatcher(['10.0.0.0/8', 'nope'])).toThrow(TypeError);
  });
});
