/**
 * Reading the `RateLimit` and `RateLimit-Policy` response fields the server sends
 * (draft-ietf-httpapi-ratelimit-headers; RFC 9651 lists of sf-string items):
 *
 *   RateLimit:        "Request.account";r=3;t=20, "Mutation.placeOrder";r=117;t=42   tightest first
 *   RateLimit-Policy: "Mutation.placeOrder";q=120;w=60, "Request.account";q=3000;w=60
 *
 * Parsed with `structured-headers` (its types are mapped by `paths` in tsconfig.base.json: they
 * are reachable only through `exports`, which `moduleResolution: node10` does not read).
 */
import { Token, parseList as parseStructuredList } from 'structured-headers';

/** One rate-limit policy that applied to an answer, from both fields, by policy name. */
export interface SignetRateLimit {
  /** The policy's name, e.g. `Request.account` or `Mutation.placeOrder`. */
  policy: string;
  /** Calls left in the current window (`r`). */
  remaining?: number;
  /** Seconds until the window resets (`t`). */
  resetSeconds?: number;
  /** Calls allowed per window (`q`). */
  quota?: number;
  /** The window, in seconds (`w`). */
  windowSeconds?: number;
}

interface ListItem {
  name: string;
  params: ReadonlyMap<string, unknown>;
}

/** The items of a list field whose members are strings or tokens; undefined when malformed (RFC 9651: the field is ignored). */
function parseList(value: string): ListItem[] | undefined {
  let list: ReturnType<typeof parseStructuredList>;
  try {
    list = parseStructuredList(value);
  } catch {
    return undefined;
  }
  const items: ListItem[] = [];
  for (const [item, params] of list) {
    const name = typeof item === 'string' ? item : item instanceof Token ? item.toString() : undefined;
    if (name === undefined) return undefined;
    items.push({ name, params });
  }
  return items;
}

/** An sf-integer parameter as a number; undefined when absent or not an integer. */
function integer(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
}

/** The rate-limit policies an answer reports, in the `RateLimit` field's order (tightest first); empty when none. */
export function parseRateLimits(headers: Headers): SignetRateLimit[] {
  const byName = new Map<string, SignetRateLimit>();
  const entry = (policy: string) => byName.get(policy) ?? byName.set(policy, { policy }).get(policy)!;
  const set = (target: SignetRateLimit, field: Exclude<keyof SignetRateLimit, 'policy'>, value: number | undefined) => {
    if (value !== undefined) target[field] = value;
  };
  for (const item of parseList(headers.get('ratelimit') ?? '') ?? []) {
    const limit = entry(item.name);
    set(limit, 'remaining', integer(item.params.get('r')));
    set(limit, 'resetSeconds', integer(item.params.get('t')));
  }
  for (const item of parseList(headers.get('ratelimit-policy') ?? '') ?? []) {
    const limit = entry(item.name);
    set(limit, 'quota', integer(item.params.get('q')));
    set(limit, 'windowSeconds', integer(item.params.get('w')));
  }
  return [...byName.values()];
}
