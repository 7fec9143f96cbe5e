/**
 * The Redis Cluster hash tag of a key, by Redis's own rule: the text between the first `{` and
 * the next `}`, when it is not empty; undefined when the key has none (then the whole key is hashed).
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open === -1) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}
