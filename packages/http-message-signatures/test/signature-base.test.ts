/**
 * RFC 9421 §2 component values and the §2.5 base layout, on the pure builder the SDK reuses.
 */
import { buildSignatureBase, type SignatureBaseMessage } from '../src';
import { finishingWithin } from './helpers';

const message: SignatureBaseMessage = {
  method: 'POST',
  authority: 'API.Signet.Test:8443',
  path: '/graphql',
  query: 'a=1&b=%20',
  headers: {
    'x-trim': '  padded\t',
    'x-list': ['one', ' two '],
    'x-empty': '',
    '@method': 'GET',
  },
};

function base(components: string[], msg: SignatureBaseMessage = message): string {
  return buildSignatureBase(components, msg, '()');
}

describe('derived components', () => {
  it('serializes method, lowercased authority, raw path, query and target URI', () => {
    expect(base(['@method', '@authority', '@path', '@query', '@target-uri'])).toBe(
      [
        '"@method": POST',
        '"@authority": api.signet.test:8443',
        '"@path": /graphql',
        '"@query": ?a=1&b=%20',
        '"@target-uri": https://api.signet.test:8443/graphql?a=1&b=%20',
        '"@signature-params": ()',
      ].join('\n'),
    );
  });

  it('writes "?" for an empty query and "/" for an empty path (RFC 9421 §2.2.6–2.2.7)', () => {
    expect(base(['@path', '@query'], { ...message, path: '', query: '' })).toBe('"@path": /\n"@query": ?\n"@signature-params": ()');
  });

  it('keeps the method as sent and the path unnormalized', () => {
    expect(base(['@method', '@path'], { ...message, method: 'post', path: '/a/../b//c' })).toBe(
      '"@method": post\n"@path": /a/../b//c\n"@signature-params": ()',
    );
  });

  it('never reads a header for a derived component', () => {
    expect(base(['@method'])).toBe('"@method": POST\n"@signature-params": ()');
  });

  it('omits the query from @target-uri when the target had none', () => {
    expect(base(['@target-uri'], { ...message, query: undefined, scheme: 'http' })).toBe(
      '"@target-uri": http://api.signet.test:8443/graphql\n"@signature-params": ()',
    );
  });
});

describe('field components (RFC 9421 §2.1)', () => {
  it('trims values, joins repeated lines with ", " and keeps empty values', () => {
    expect(base(['x-trim', 'x-list', 'x-empty'])).toBe('"x-trim": padded\n"x-list": one, two\n"x-empty": \n"@signature-params": ()');
  });

  it.each([
    ['an absent header', ['x-absent']],
    ['an inherited property name', ['constructor']],
    ['an uppercase name', ['X-Trim']],
    ['a duplicate component', ['@path', '@path']],
    ['an unsupported derived component', ['@request-target']],
    ['@signature-params itself', ['@signature-params']],
    ['the Signature field', ['signature']],
  ])('throws for %s', (_label, components) => {
    expect(() => base(components)).toThrow();
  });

  it('throws rather than let a value add lines to the base', () => {
    for (const value of ['a\nb', 'a\rb', 'caf\u00e9', 'a\u0000b']) {
      expect(() => base(['x-bad'], { ...message, headers: { 'x-bad': value } })).toThrow();
    }
    expect(() => base(['@path'], { ...message, path: '/a\n"@method": GET' })).toThrow();
    expect(() => base(['@query'], { ...message, query: 'a b' })).toThrow();
    expect(() => buildSignatureBase([], message, '()\n"x": y\u00e9')).toThrow();
  });
});

describe('field value trimming (RFC 9421 §2.1: leading and trailing whitespace of each line)', () => {
  const valueOf = (value: string | string[]) => base(['x-v'], { ...message, headers: { 'x-v': value } });
  const line = (value: string) => `"x-v": ${value}\n"@signature-params": ()`;

  it.each([
    ['strips leading and trailing spaces', '   v   ', 'v'],
    ['strips leading and trailing tabs', '\t\tv\t', 'v'],
    ['strips mixed spaces and tabs on both sides', ' \t \tv \t', 'v'],
    ['keeps interior spaces and tabs as sent', ' a  \t b ', 'a  \t b'],
    ['keeps an empty value empty', '', ''],
    ['turns a value of only spaces and tabs into an empty one', ' \t  \t', ''],
    ['leaves a value with nothing to trim as it is', 'a b', 'a b'],
  ])('%s', (_label, value, expected) => {
    expect(valueOf(value)).toBe(line(expected));
  });

  it('trims each repeated line before joining them', () => {
    expect(valueOf(['\t a ', '', ' \t', 'b  c\t'])).toBe(line('a, , , b  c'));
  });

  it('still refuses line breaks rather than unfolding them (obs-fold)', () => {
    expect(() => valueOf('a\r\n b')).toThrow();
    expect(() => valueOf(' a\n')).toThrow();
  });

  // A backtracking trim (/^[ \t]+|[ \t]+$/g) is quadratic on an interior run: minutes for a million spaces.
  it('builds the base of a value with a million interior spaces at once, keeping them', () => {
    const spaces = ' '.repeat(1_000_000);
    expect(finishingWithin(5_000, () => valueOf(`a${spaces}a`))).toBe(line(`a${spaces}a`));
  });

  it('trims a million leading and trailing spaces and tabs around a million interior ones at once', () => {
    const run = ' \t'.repeat(500_000);
    expect(finishingWithin(5_000, () => valueOf(`${run}a${run}b${run}`))).toBe(line(`a${run}b`));
  });
});
