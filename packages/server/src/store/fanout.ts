/**
 * Fan-out: which endpoints an event goes to, by their filters (the syntax is events/filter.ts's: exact
 * types and `prefix.*` wildcards; `*` or no filter means every type). The SQLite store matches here, in
 * the append's transaction; PostgreSQL does the same in SQL (`event_type_matches`, migration 0001), and
 * the Store contract holds both to one behaviour.
 */

export type Matcher = (type: string) => boolean;

const cache = new Map<string, Matcher>();

/** A matcher for a filter list (as stored: JSON text, or null for all). Compiled once per distinct filter. */
export function matcherFor(filterJson: string | null): Matcher {
  if (filterJson === null) return () => true;
  let m = cache.get(filterJson);
  if (m) return m;
  const entries = JSON.parse(filterJson) as string[];
  if (entries.includes('*')) m = () => true;
  else {
    const exact = new Set(entries.filter((e) => !e.endsWith('.*')));
    const prefixes = entries.filter((e) => e.endsWith('.*')).map((e) => e.slice(0, -1));
    m = (type) => exact.has(type) || prefixes.some((p) => type.startsWith(p));
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(filterJson, m);
  return m;
}
