/**
 * Counting the members of a structured field as written, to catch what the parser hides:
 * RFC 8941 parsers keep only the last of two equal dictionary keys, so `a=1, a=2` (for example
 * a header line sent twice and joined by Node) parses as one member.
 */

/**
 * Number of top-level members in a syntactically valid SF dictionary or list. In valid SF a comma
 * appears only as a member separator or inside an sf-string / display string, so counting the
 * commas outside strings is exact. Call it only on input the parser has accepted.
 */
export function countTopLevelMembers(fieldValue: string): number {
  let members = 1;
  let inString: 'none' | 'string' | 'display' = 'none';
  for (let i = 0; i < fieldValue.length; i++) {
    const c = fieldValue[i];
    if (inString === 'string') {
      if (c === '\\') i++; // sf-string escapes: \" and \\
      else if (c === '"') inString = 'none';
    } else if (inString === 'display') {
      if (c === '"') inString = 'none'; // display strings percent-encode '"', no backslash escapes
    } else if (c === '"') {
      inString = i > 0 && fieldValue[i - 1] === '%' ? 'display' : 'string';
    } else if (c === ',') {
      members++;
    }
  }
  return members;
}
