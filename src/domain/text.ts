/**
 * Free text that clients store and other people read (a transfer memo, an API key label), as a
 * whole-string pattern. Refused: C0 controls and DEL (NUL above all: PostgreSQL cannot store it
 * in `text`, so leaving it to the driver turned a client's typo into a server fault), C1
 * controls, the bidirectional overrides and isolates that make a memo display differently from
 * what it says ("Trojan Source"), and lone surrogates (not text; they would be stored as U+FFFD).
 * With the `u` flag `[\ud800-\udfff]` matches only unpaired surrogates, never a valid pair.
 */
export const PLAIN_TEXT_PATTERN = /^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ud800-\udfff]*$/u;

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
 * characters ({@link characterCount}). The GraphQL inputs check with this same function, so the
 * schema refuses exactly what the services would.
 */
export function isPlainText(text: string, minLength: number, maxLength: number): boolean {
  const length = characterCount(text);
  return length >= minLength && length <= maxLength && PLAIN_TEXT_PATTERN.test(text);
}
