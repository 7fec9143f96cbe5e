/**
 * Trimming of HTTP field values (RFC 9110 §5.5: the whitespace around a value is SP and HTAB
 * only), as RFC 9421 §2.1 asks of each covered field line.
 *
 * Index loops, not a regex: `/^[ \t]+|[ \t]+$/g` retries `[ \t]+$` from every position of an
 * interior run of whitespace, so a header of a few kilobytes of spaces cost a signature check
 * hundreds of milliseconds before any key was looked up. This is linear in the value's length.
 * Not `String.prototype.trim`, which also strips line breaks, NBSP and other Unicode spaces.
 */

const SP = 0x20;
const HTAB = 0x09;

/** `value` without its leading and trailing SP/HTAB; everything between is kept as it is. */
export function trimFieldWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isFieldWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isFieldWhitespace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isFieldWhitespace(code: number): boolean {
  return code === SP || code === HTAB;
}
