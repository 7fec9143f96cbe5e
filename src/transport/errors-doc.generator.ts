import { USER_ERROR_CODES } from '../domain';
import { ERROR_CODES, refusalStatus } from '../errors';
import { REFUSAL_REASONS, type RefusalReason } from './http/refusal-reasons.table';
import { SIGNATURE_FAILURE_REASONS } from '@signet/http-message-signatures';

/**
 * Writes ERRORS.md's tables from the error tables in the source (`npm run errors-doc`), between
 * marker comments, leaving the prose around them as it is. A test fails when ERRORS.md is not
 * what this writes, so a code, status or retryable changed in the source reaches the page.
 */

/** One Markdown table; a cell with `|` or a line break would silently break it, so it throws. */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string): string => {
    if (/[|\r\n]/.test(text)) throw new Error(`an ERRORS.md cell cannot hold "|" or a line break: ${text}`);
    return text;
  };
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

const quoted = (code: string): string => `\`${code}\``;

const isSignatureReason = (reason: string): boolean => (SIGNATURE_FAILURE_REASONS as readonly string[]).includes(reason);

/** The generated tables of ERRORS.md, by the name in their markers. */
export function errorsDocTables(): Readonly<Record<string, string>> {
  const reasons = Object.entries(REFUSAL_REASONS) as [RefusalReason, (typeof REFUSAL_REASONS)[RefusalReason]][];
  return {
    'graphql-codes': markdownTable(['code', 'HTTP', 'retryable', 'meaning', 'what to do'],
      Object.entries(ERROR_CODES).map(([code, spec]) => [quoted(code), spec.http, spec.retryable ? 'yes' : 'no', spec.meaning, spec.whatToDo])),
    'signature-reasons': markdownTable(['reason', 'meaning'],
      reasons.filter(([reason]) => isSignatureReason(reason)).map(([reason, spec]) => [quoted(reason), spec.meaning])),
    'other-reasons': markdownTable(['reason', 'with', 'meaning'],
      reasons.filter(([reason]) => !isSignatureReason(reason)).map(([reason, spec]) => [
        quoted(reason),
        spec.at === 'field'
          ? `${quoted(spec.code)} at the mutation's field (HTTP 200)`
          : [quoted(spec.code), `HTTP ${refusalStatus(spec.code)}`, ...(spec.retryAfter ? ['`Retry-After`'] : [])].join(', '),
        spec.meaning,
      ])),
    'user-codes': markdownTable(['code', 'mutation', 'meaning'],
      Object.entries(USER_ERROR_CODES).map(([code, spec]) => [quoted(code), spec.mutations.join(', '), spec.meaning])),
  };
}

/**
 * `markdown` (ERRORS.md) with each table between `<!-- generated:NAME … -->` and
 * `<!-- /generated:NAME -->` rewritten; throws when a table's markers are missing or repeated.
 */
export function renderErrorsDoc(markdown: string): string {
  let out = markdown;
  for (const [name, table] of Object.entries(errorsDocTables())) {
    const section = new RegExp(`(<!-- generated:${name} [^\\n]*-->\\n)[\\s\\S]*?(\\n<!-- /generated:${name} -->)`, 'g');
    const found = out.match(section)?.length ?? 0;
    if (found !== 1) throw new Error(`ERRORS.md needs exactly one generated:${name} section, found ${found}`);
    out = out.replace(section, (_whole, open: string, close: string) => `${open}${table}${close}`);
  }
  return out;
}
