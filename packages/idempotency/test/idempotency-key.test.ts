import {
  MAX_IDEMPOTENCY_KEY_LENGTH,
  parseIdempotencyKeyHeader,
  validateIdempotencyKey,
} from '../src';

const PRINTABLE_ASCII = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i)).join('');

describe('validateIdempotencyKey', () => {
  it.each([
    ['a single character', 'a'],
    ['a UUID', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['exactly 255 characters', 'k'.repeat(MAX_IDEMPOTENCY_KEY_LENGTH)],
    ['every printable ASCII character inside the key', `x${PRINTABLE_ASCII}x`],
    ['an inner space', 'order 42'],
  ])('accepts %s', (_name, key) => {
    expect(validateIdempotencyKey(key)).toEqual({ ok: true, key });
  });

  it.each([
    ['an empty key', '', /empty/],
    ['256 characters', 'k'.repeat(256), /longer than 255/],
    ['NUL', 'a\u0000b', /control character at position 1/],
    ['a tab', 'a\tb', /control character/],
    ['a newline', 'a\nb', /control character/],
    ['DEL', 'a\u007f', /control character/],
    ['a Latin-1 letter', 'café', /non-ASCII/],
    ['an emoji', 'key-🔑', /non-ASCII/],
    ['a leading space', ' abc', /space/],
    ['a trailing space', 'abc ', /space/],
  ])('refuses %s', (_name, key, reason) => {
    const result = validateIdempotencyKey(key);
    expect(result.ok).toBe(false);
    expect((result as { reason: string }).reason).toMatch(reason);
  });
});

describe('parseIdempotencyKeyHeader', () => {
  it('treats an absent header as an unkeyed request, not an error', () => {
    expect(parseIdempotencyKeyHeader(undefined)).toEqual({ ok: true, key: undefined });
    expect(parseIdempotencyKeyHeader([])).toEqual({ ok: true, key: undefined });
  });

  it.each([
    ['an sf-string', '"abc"', 'abc'],
    ['an sf-string with escapes', '"a\\"b\\\\c"', 'a"b\\c'],
    ['an sf-string with inner spaces', '"order 42"', 'order 42'],
    ['an sf-string surrounded by whitespace', ' \t"abc"  ', 'abc'],
    ['an sf-string with parameters, which are ignored', '"abc";v=1', 'abc'],
    ['a bare token', 'abc', 'abc'],
    ['an unquoted UUID starting with a digit', '8e03978e-40d5-43e8-bc93-6894a57f9324', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['unquoted base64', 'q+/Az09=', 'q+/Az09='],
    ['a single-element header array', ['"abc"'], 'abc'],
    ['a quoted 255-character key', `"${'k'.repeat(255)}"`, 'k'.repeat(255)],
  ])('accepts %s', (_name, header, key) => {
    expect(parseIdempotencyKeyHeader(header)).toEqual({ ok: true, key });
  });

  it.each<[string, string | string[], RegExp]>([
    ['a repeated header', ['"a"', '"b"'], /more than once/],
    ['repeated headers joined by a comma (quoted)', '"a", "b"', /structured-field string/],
    ['repeated headers joined by a comma (unquoted)', 'a, b', /more than once/],
    ['an empty header', '', /empty/],
    ['a whitespace-only header', '   ', /empty/],
    ['an empty sf-string', '""', /empty/],
    ['an unterminated sf-string', '"abc', /structured-field string/],
    ['an invalid escape', '"a\\x"', /structured-field string/],
    ['trailing garbage after the sf-string', '"abc" x', /structured-field string/],
    ['a tab inside an sf-string', '"a\tb"', /structured-field string/],
    ['non-ASCII inside an sf-string', '"café"', /structured-field string/],
    ['a leading space inside an sf-string', '"  abc"', /space/],
    ['a quoted 256-character key', `"${'k'.repeat(256)}"`, /longer than 255/],
    ['an unquoted 256-character key', 'k'.repeat(256), /longer than 255/],
    ['an unquoted value with a space', 'a b', /quoted string/],
    ['an unquoted value with parameters', 'abc;v=1', /quoted string/],
    ['an unquoted value with a backslash', 'a\\b', /quoted string/],
    ['an unquoted control character', '\u0001abc', /control character/],
    ['an unquoted non-ASCII character', 'clé', /non-ASCII/],
  ])('refuses %s', (_name, header, reason) => {
    const result = parseIdempotencyKeyHeader(header);
    expect(result.ok).toBe(false);
    expect((result as { reason: string }).reason).toMatch(reason);
  });
});
