/**
 * The linear trim of field values: the same answer as the regex it replaced, on any input, and
 * at once on inputs that made that regex quadratic.
 */
import fc from 'fast-check';
import { trimFieldWhitespace } from '../src/field-whitespace';
import { parseSignatureFieldsStrictly } from '../src/signature-headers';
import { finishingWithin, signedRequest } from './helpers';

/** The reference: what RFC 9421 §2.1 asks, written the obvious (backtracking) way. */
const referenceTrim = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

describe('trimFieldWhitespace', () => {
  it.each([
    ['strips leading and trailing spaces', '  v  ', 'v'],
    ['strips leading and trailing tabs', '\tv\t\t', 'v'],
    ['strips spaces and tabs mixed', ' \t v\t ', 'v'],
    ['keeps interior spaces and tabs', '\ta \t b ', 'a \t b'],
    ['keeps an empty value empty', '', ''],
    ['turns only spaces and tabs into an empty value', ' \t \t', ''],
    ['strips nothing else: line breaks, NBSP, other Unicode spaces', '\n\u00a0v\u2003\r', '\n\u00a0v\u2003\r'],
    ['leaves a value with nothing to trim as it is', 'a', 'a'],
  ])('%s', (_label, value, expected) => {
    expect(trimFieldWhitespace(value)).toBe(expected);
  });

  it('answers what the backtracking regex answers, on any mix of whitespace and text', () => {
    const unit = fc.constantFrom(' ', '\t', 'a', '\n', '\r', '\u00a0', '\u3000', ',');
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }).map((units) => units.join('')), (value) => {
        expect(trimFieldWhitespace(value)).toBe(referenceTrim(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('trims a value with a million interior spaces and tabs at once', () => {
    const run = ' \t'.repeat(500_000);
    expect(finishingWithin(5_000, () => trimFieldWhitespace(`${run}x${run}y${run}`))).toBe(`x${run}y`);
  });
});

describe('Signature-Input and Signature, strictly parsed (their canonical form is compared trimmed)', () => {
  const request = signedRequest();
  const input = request.headers['signature-input'] as string;
  const signature = request.headers['signature'] as string;
  const parsed = parseSignatureFieldsStrictly(input, signature);

  it('accepts a canonical field with spaces and tabs around it', () => {
    expect(parsed.ok).toBe(true);
    expect(parseSignatureFieldsStrictly(`  ${input} \t `, ` ${signature}\t`)).toStrictEqual(parsed);
  });

  it('still refuses whitespace inside a field that its canonical form does not have', () => {
    expect(parseSignatureFieldsStrictly(input.replace('" "', '"  \t "'), signature)).toStrictEqual({ ok: false, reason: 'MALFORMED_SIGNATURE', detail: 'Signature-Input is not an RFC 8941 dictionary' });
  });
});
