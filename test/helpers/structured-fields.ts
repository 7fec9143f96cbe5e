/** Parses an RFC 9651 dictionary-like List of `"name";k=v` items into { name: { k: v } } (test assertions only). */
export function parseDictionary(value: string | null): Record<string, Record<string, number>> {
  if (!value) return {};
  return Object.fromEntries(value.split(',').map((member) => {
    const [name, ...params] = member.trim().split(';');
    return [JSON.parse(name), Object.fromEntries(params.map((p) => { const [k, v] = p.split('='); return [k, Number(v)]; }))];
  }));
}
