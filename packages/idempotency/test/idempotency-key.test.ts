import { runInNewContext } from 'node:vm';
import {
  MAX_IDEMPOTENCY_KEY_LENGTH,
  parseIdempotencyKeyHeader,
  validateIdempotencyKey,
} from '../src';

/**
 * `fn()`'s result, or a throw once it has run `ms` without returning: Jest's timeout cannot stop
 * a synchronous call, node:vm's watchdog can. Only for bounds generous by orders of magnitude.
 */
function finishingWithin<T>(ms: number, fn: () => T): T {
  return runInNewContext('fn()', { fn }, { timeout: ms }) as T;
}

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

describe('parseIdempotencyKeyHeader: whitespace around the field (RFC 9110 §5.5: SP and HTAB)', () => {
  it.each<[string, string, string]>([
    ['leading and trailing spaces', '  abc  ', 'abc'],
    ['leading and trailing tabs', '\t\tabc\t', 'abc'],
    ['spaces and tabs mixed around an sf-string, whose interior spaces are kept', ' \t "a  b" \t', 'a  b'],
  ])('strips %s', (_name, header, key) => {
    expect(parseIdempotencyKeyHeader(header)).toEqual({ ok: true, key });
  });

  it.each([
    ['an empty header', ''],
    ['a header of only spaces and tabs', ' \t \t '],
  ])('finds nothing in %s', (_name, header) => {
    expect(parseIdempotencyKeyHeader(header)).toEqual({ ok: false, reason: 'the Idempotency-Key header is empty' });
  });

  it('strips nothing but SP and HTAB', () => {
    expect(parseIdempotencyKeyHeader('\u00a0abc').ok).toBe(false);
    expect(parseIdempotencyKeyHeader('abc\n')).toMatchObject({ ok: false, reason: expect.stringMatching(/control character/) });
  });

  // A backtracking trim (/^[ \t]+|[ \t]+$/g) is quadratic on an interior run: minutes for a million spaces.
  it('refuses a header with a million interior spaces at once', () => {
    const result = finishingWithin(5_000, () => parseIdempotencyKeyHeader(`a${' '.repeat(1_000_000)}b`));
    expect(result).toEqual({ ok: false, reason: 'the idempotency key is longer than 255 characters' });
  });

  it('finds the key inside a million spaces and tabs on either side at once', () => {
    const run = ' \t'.repeat(500_000);
    expect(finishingWithin(5_000, () => parseIdempotencyKeyHeader(`${run}"order 42"${run}`))).toEqual({ ok: true, key: 'order 42' });
  });
});
