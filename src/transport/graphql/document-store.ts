import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { DocumentNode } from 'graphql';

/**
 * The cache of parsed and validated documents Apollo keeps by query text, bounded by the memory its
 * entries really hold. Apollo's default sizes an entry by `JSON.stringify(document)` (about 400
 * bytes for `{ serverTime }`), but the document keeps its whole source and every token the lexer
 * read, comments included, through `loc`: a `{ serverTime }` padded with 64 KiB of `#` lines held
 * 2.7 MB, so a few thousand unsigned requests, each a new text within every limit, filled the heap
 * until the process died (long-run review). Here an entry counts its source at two bytes a
 * character, each token at 160 bytes, its JSON three times (each node also holds its location and
 * empty lists the JSON does not show) and each backslash of its source at 40 bytes (an escape in
 * a string makes the lexer build its value piece by piece); measured over comment-padded, node-heavy
 * (1,990 fields, 660 aliases, list and object literals), block-string and escape-heavy documents,
 * the heap each held was 21-83% of that count. The cache holds 16 MiB by that count, and a
 * document over 512 KiB is not kept at all (re-parsed when it comes again: no client's real
 * document is near it).
 */
export const DOCUMENT_STORE_LIMITS = Object.freeze({ maxSize: 16 * 2 ** 20, maxEntrySize: 512 * 2 ** 10 });

/** Bytes counted per token the lexer linked into the document's token list. */
const BYTES_PER_TOKEN = 160;
/** Bytes counted per backslash of the source: each escape adds a piece to its string's value. */
const BYTES_PER_ESCAPE = 40;

/** What an entry holds, over-estimated: its source, its tokens, its nodes and its strings' pieces. */
export function documentSize(document: DocumentNode): number {
  let tokens = 0;
  for (let token = document.loc?.startToken ?? null; token; token = token.next) tokens += 1;
  const body = document.loc?.source.body ?? '';
  let escapes = 0;
  for (let at = body.indexOf('\\'); at !== -1; at = body.indexOf('\\', at + 1)) escapes += 1;
  return 2 * body.length + BYTES_PER_TOKEN * tokens + 3 * JSON.stringify(document).length + BYTES_PER_ESCAPE * escapes;
}

/** Apollo's `documentStore`: an LRU cache sized by {@link documentSize}, within {@link DOCUMENT_STORE_LIMITS}. */
export function createDocumentStore(limits: { maxSize: number; maxEntrySize: number } = DOCUMENT_STORE_LIMITS): InMemoryLRUCache<DocumentNode> {
  return new InMemoryLRUCache<DocumentNode>({ maxSize: limits.maxSize, maxEntrySize: limits.maxEntrySize, sizeCalculation: documentSize });
}
