/**
 * Free text that clients store and other people read (a transfer memo, an API key label), as a
 * whole-string pattern. Refused:
 * - C0 controls and DEL (NUL above all: PostgreSQL cannot store it in `text`, so leaving it to
 *   the driver turned a client's typo into a server fault), and C1 controls;
 * - the bidirectional overrides, isolates and marks (U+202A-202E, U+2066-2069, U+200E, U+200F,
 *   U+061C) that make a memo display differently from what it says ("Trojan Source");
 * - line and paragraph separators (U+2028, U+2029), which break line-based displays and logs;
 * - invisible characters that hide text inside text: zero width space U+200B, word joiner and
 *   invisible operators U+2060-2064, U+FEFF, soft hyphen U+00AD, U+180E, interlinear
 *   annotation U+FFF9-FFFB, and the tag characters U+E0000-E007F (invisible ASCII). The zero
 *   width joiner and non-joiner (U+200C, U+200D) stay: emoji sequences and several scripts
 *   need them. (Tag characters also spell subdivision flags such as Scotland's; those are refused.)
 * - lone surrogates (not text; they would be stored as U+FFFD). With the `u` flag
 *   `[\ud800-\udfff]` matches only unpaired surrogates, never a valid pair.
 */
export const PLAIN_TEXT_PATTERN = /^[^\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}\ud800-\udfff]*$/u;

/** What {@link PLAIN_TEXT_PATTERN} refuses, in the words of error messages. */
export const PLAIN_TEXT_REFUSES = 'control, invisible or bidirectional-formatting characters';

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
 * True when `text` is plain text (see {@link PLAIN_TEXT_PATTERN}) of `minLength` to `maxLength`
 * characters ({@link characterCount}), and, when it may not be empty, not only spaces. The GraphQL
 * inputs check with this same function, so the schema refuses exactly what the services would.
 */
export function isPlainText(text: string, minLength: number, maxLength: number): boolean {
  const length = characterCount(text);
  return length >= minLength && length <= maxLength && PLAIN_TEXT_PATTERN.test(text) && (minLength === 0 || /\S/u.test(text));
}
