import { isPlainText } from '../../src/domain';

/**
 * A memo is written by one account and shown to another; a label is shown in listings and logs.
 * Neither may hold characters that make it display differently from what it says, break a
 * line-based display, or hide text: each is refused (the GraphQL input and the services share
 * this check). Emoji built with zero width joiners and scripts that need them are plain text.
 */
describe('isPlainText', () => {
  test.each([
    ['a line separator', 'pay\u2028to me'],
    ['a paragraph separator', 'pay\u2029to me'],
    ['a right-to-left mark', 'pay to\u200f me'],
    ['a left-to-right mark', 'pay\u200e to me'],
    ['an Arabic letter mark', 'pay\u061c to me'],
    ['a zero width space', 'pay\u200bto me'],
    ['a word joiner', 'pay\u2060to me'],
    ['a byte order mark', '\ufeffpay to me'],
    ['a soft hyphen', 'pay\u00adto me'],
    ['tag characters (invisible ASCII)', 'pay to me\u{e0041}\u{e0042}'],
    ['a bidirectional override', 'pay \u202eem ot'],
    ['a control character', 'pay\u0007to me'],
    ['variation selectors used as a hidden byte channel', 'hi\ufe00\ufe01\u{e0100}\u{e01ef}'],
    ['a zero width joiner string as a hidden bit channel', 'hi\u200d\u200c\u200d there'],
    ['a zero width joiner at the start', '\u200dhi'],
    ['a combining grapheme joiner', 'pay\u034f to me'],
    ['a Mongolian variation selector', 'pay\u180b to me'],
    ['a Khmer inherent vowel', 'pay\u17b4 to me'],
    ['deprecated format characters', 'pay\u206a to me'],
    ['musical formatting characters', 'pay\u{1d173} to me'],
    ['shorthand format controls', 'pay\u{1bca0} to me'],
    ['reserved default-ignorable characters', 'pay\u{e0080} to me'],
  ])('refuses %s', (_name, text) => {
    expect(isPlainText(text, 0, 140)).toBe(false);
  });

  test.each([
    ['plain words', 'rent for March'],
    ['accents and other scripts', 'café — 東京 — مرحبا'],
    ['an emoji built with zero width joiners', 'team 👩‍💻 lunch'],
    ['a zero width non-joiner in Persian', 'می‌خواهم'],
    ['an emoji with a skin tone', 'thanks 👍🏽'],
    ['an emoji presentation selector', 'love ❤️ and ❤️‍🔥'],
    ['a keycap', 'step 1️⃣'],
    ['a coder with a skin tone', '👩🏽‍💻 on call'],
    ['a subdivision flag', 'from 🏴󠁧󠁢󠁳󠁣󠁴󠁿 with love'],
  ])('accepts %s', (_name, text) => {
    expect(isPlainText(text, 0, 140)).toBe(true);
  });

  test('a label may not be blank (spaces, fillers or a lone joiner); an empty memo is fine', () => {
    for (const blank of ['   ', '\u3000', '\u3164', '\u115f', '\uffa0', '\u2800', '\u200d', ' \u200c ']) expect(isPlainText(blank, 1, 64)).toBe(false);
    expect(isPlainText('🏴󠁧󠁢󠁳󠁣󠁴󠁿', 1, 64)).toBe(true);
    expect(isPlainText(' bot ', 1, 64)).toBe(true);
    expect(isPlainText('', 0, 140)).toBe(true);
  });
});
