/**
 * Free text that clients store and other people read (a transfer memo, an API key label). Refused:
 * - controls (C0, DEL, C1; NUL above all: PostgreSQL cannot store it in `text`, so leaving it to
 *   the driver turned a client's typo into a server fault), and line and paragraph separators,
 *   which break line-based displays and logs;
 * - format characters (Unicode category Cf) and every default-ignorable code point: the
 *   bidirectional overrides, isolates and marks that make a memo display differently from what it
 *   says ("Trojan Source"), and the invisible characters that hide text inside text (zero width
 *   space, word joiner, BOM, soft hyphen, tag characters, variation selectors, Hangul fillers);
 * - lone surrogates (not text; they would be stored as U+FFFD). With the `u` flag
 *   `[\ud800-\udfff]` matches only unpaired surrogates, never a valid pair.
 * Kept, as emoji and several scripts need them ({@link NEEDED_INVISIBLES}): a zero width joiner or
 * non-joiner between two visible characters, an emoji presentation selector (U+FE0E, U+FE0F)
 * after one, and a subdivision flag (U+1F3F4, two to six tag letters, the cancel tag).
 */
const REFUSED = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\ud800-\udfff]/u;

/** The invisible sequences plain text may hold, removed before {@link REFUSED} looks (see there). */
const NEEDED_INVISIBLES: readonly RegExp[] = [
  /\u{1F3F4}[\u{E0061}-\u{E007A}]{2,6}\u{E007F}/gu,
  /(?<=[^\s\p{Default_Ignorable_Code_Point}])[\uFE0E\uFE0F]/gu,
  /(?<=[^\s\p{Default_Ignorable_Code_Point}])[\u200C\u200D](?=[^\s\p{Default_Ignorable_Code_Point}])/gu,
];

/** Characters that show nothing: a label made of them alone (or of spaces) is refused. */
const BLANK = /^[\s\p{Default_Ignorable_Code_Point}\u2800]*$/u;

/** The length of `text` in characters (Unicode code points: an emoji is one, as a reader counts it). */
export function characterCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    count++;
  }
  return count;
}

/**
 * True when `text` is plain text (see {@link REFUSED}) of `minLength` to `maxLength`
 * characters ({@link characterCount}), and, when it may not be empty, not blank. The GraphQL
 * inputs check with this same function, so the schema refuses exactly what the services would.
 */
export function isPlainText(text: string, minLength: number, maxLength: number): boolean {
  const length = characterCount(text);
  if (length < minLength || length > maxLength) return false;
  // The flag becomes a visible placeholder, so a label of one flag is not blank.
  const rest = NEEDED_INVISIBLES.reduce((t, sequence, i) => t.replace(sequence, i === 0 ? 'F' : ''), text);
  return !REFUSED.test(rest) && (minLength === 0 || !BLANK.test(rest));
}
