/**
 * The media type of every answer that carries a GraphQL `errors` body, picked from the request's
 * `Accept` the way the GraphQL-over-HTTP spec asks: `application/graphql-response+json` when the
 * client accepts it, `application/json` otherwise. Whole-request refusals (401, 408, 413, 429,
 * 503, …) and GraphQL responses use this one choice, so a client such as Apollo Client, which
 * only reads a non-2xx body in the type it asked for, always sees `extensions.code` and `reason`.
 */

/** `application/graphql-response+json` as Signet sends it. */
export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
/** `application/json` as Signet sends it (the legacy GraphQL media type). */
export const APPLICATION_JSON = 'application/json; charset=utf-8';

const CANDIDATES = [
  { sent: APPLICATION_JSON, type: 'application', subtype: 'json' },
  { sent: GRAPHQL_RESPONSE_JSON, type: 'application', subtype: 'graphql-response+json' },
] as const;

/** Longest Accept value read; a longer one is judged on its first part only (no unbounded parsing). */
const MAX_ACCEPT_LENGTH = 2048;

interface Range { type: string; subtype: string; q: number; order: number }

function parseAccept(accept: string): Range[] {
  const ranges: Range[] = [];
  accept.slice(0, MAX_ACCEPT_LENGTH).split(',').forEach((part, order) => {
    const [mediaRange, ...params] = part.split(';');
    const match = /^\s*([!#$%&'*+.^_`|~0-9a-z-]+)\/([!#$%&'*+.^_`|~0-9a-z-]+)\s*$/i.exec(mediaRange);
    if (!match) return;
    let q = 1;
    for (const param of params) {
      const qMatch = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (qMatch) q = Math.min(1, Number(qMatch[1]));
    }
    ranges.push({ type: match[1].toLowerCase(), subtype: match[2].toLowerCase(), q, order });
  });
  return ranges;
}

/**
 * The GraphQL media type the client prefers, or null when its Accept allows neither. The most
 * specific matching range decides each type's weight (RFC 9110 §12.5.1); on equal weight the
 * more specific match wins, then the one listed first, then `application/json`. No Accept means
 * application/json. Media-type parameters other than `q` are ignored (Apollo Server's negotiator
 * requires them to match, so it can choose otherwise: every /graphql answer is given this choice
 * instead, graphql-route.ts).
 */
export function negotiateGraphQLMediaType(accept: string | readonly string[] | undefined | null): string | null {
  const text = Array.isArray(accept) ? accept.join(',') : (accept as string | undefined | null);
  if (text === undefined || text === null || text.trim() === '') return APPLICATION_JSON;
  const ranges = parseAccept(text);
  let best: { sent: string; q: number; specificity: number; order: number } | null = null;
  for (const candidate of CANDIDATES) {
    let match: { q: number; specificity: number; order: number } | null = null;
    for (const range of ranges) {
      const specificity = range.type === candidate.type && range.subtype === candidate.subtype ? 2
        : range.type === candidate.type && range.subtype === '*' ? 1
          : range.type === '*' && range.subtype === '*' ? 0 : -1;
      if (specificity >= 0 && (!match || specificity > match.specificity)) match = { q: range.q, specificity, order: range.order };
    }
    if (!match || match.q <= 0) continue;
    const better = !best || match.q > best.q || (match.q === best.q && (match.specificity > best.specificity || (match.specificity === best.specificity && match.order < best.order)));
    if (better) best = { sent: candidate.sent, ...match };
  }
  return best?.sent ?? null;
}

/**
 * The Content-Type of an `errors` body for a request with this Accept. A refusal is never turned
 * into a 406: a client that accepts neither type still learns why it was refused, in application/json
 * (only /graphql answers 406, when Accept itself is the reason, before anything ran).
 */
export function errorMediaType(accept: string | readonly string[] | undefined | null): string {
  return negotiateGraphQLMediaType(accept) ?? APPLICATION_JSON;
}
