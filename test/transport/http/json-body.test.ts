/**
 * A JSON body is read as UTF-8 or refused before anything runs: its charset parameter read as
 * RFC 9110 writes parameters (quoted strings whole), its bytes checked.
 */
import { jsonBodyRefusal } from '../../../src/transport/http/json-body';

const UTF8 = Buffer.from('{"query":"{ serverTime }","variables":{"memo":"Zürich café"}}', 'utf8');
const statusOf = (contentType: string | undefined, body: Buffer = UTF8) => jsonBodyRefusal(contentType, body)?.statusCode ?? 200;

describe('the charset of a JSON body', () => {
  test.each([
    ['no parameter', 'application/json'],
    ['utf-8', 'application/json; charset=utf-8'],
    ['UTF-8, quoted, no space', 'application/json;charset="UTF-8"'],
    ['utf8', 'application/json; charset=utf8'],
    ['us-ascii (a subset of UTF-8)', 'application/json; charset=us-ascii'],
    ['an empty charset (read as none)', 'application/json; charset='],
    ['an empty quoted charset', 'application/json; charset=""'],
    ['another parameter first', 'application/json; profile="a;b"; charset=utf-8'],
    ['a trailing semicolon', 'application/json; charset=utf-8;'],
  ])('%s is read', (_case, contentType) => {
    expect(statusOf(contentType)).toBe(200);
  });

  test.each([
    ['iso-8859-1', 'application/json; charset=iso-8859-1'],
    ['utf-16, spaced', 'application/json ; charset = utf-16'],
    ['windows-1252, quoted', 'application/json; charset="windows-1252"'],
    // A charset=utf-8 inside another parameter's quoted value is not the charset: latin1 is.
    ['latin1 behind a quoted look-alike', 'application/json; x="; charset=utf-8; "; charset=latin1'],
    ['an escaped quote inside a quoted value', 'application/json; x="a\\";charset=utf-8"; charset=latin1'],
    // An empty parameter, or one without a value, must not swallow the charset after it.
    ['latin1 after an empty parameter', 'application/json;;charset=iso-8859-1'],
    ['latin1 after a parameter without a value', 'application/json; format; charset=iso-8859-1'],
    // Two charsets: Fastify keeps the last, a first-wins reader the first; either foreign one refuses.
    ['utf-8 then latin1', 'application/json; charset=utf-8; charset=iso-8859-1'],
    ['latin1 then utf-8', 'application/json; charset=iso-8859-1; charset=utf-8'],
  ])('%s is 415', (_case, contentType) => {
    const refusal = jsonBodyRefusal(contentType, UTF8);
    expect(refusal?.statusCode).toBe(415);
    expect(refusal?.clientMessage).toMatch(/^Unsupported charset ".{1,32}": JSON is sent as UTF-8/);
  });
});

test('a quoted string that never ends makes the parameters unreadable: 415, not a charset read past it', () => {
  const refusal = jsonBodyRefusal('application/json; x="\\"; charset=iso-8859-1', UTF8);
  expect([refusal?.statusCode, refusal?.clientMessage]).toEqual([415, expect.stringContaining('cannot be read')]);
});

describe('the bytes of a JSON body', () => {
  test('UTF-8 (a BOM included) is read; Latin-1, a lone surrogate and an overlong encoding are 400', () => {
    expect(statusOf('application/json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), UTF8]))).toBe(200);
    expect(statusOf('application/json', Buffer.from('{"memo":"Zürich"}', 'latin1'))).toBe(400);
    expect(statusOf('application/json', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))).toBe(400);
    expect(statusOf('application/json', Buffer.from([0x22, 0xc0, 0xaf, 0x22]))).toBe(400);
    expect(jsonBodyRefusal('application/json', Buffer.from('é', 'latin1'))?.clientMessage).toBe('The request body is not valid UTF-8: JSON is sent as UTF-8 (RFC 8259). Nothing was run.');
  });
});
