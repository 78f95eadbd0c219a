/**
 * Event types and endpoint filters.
 *
 * A type is dotted words of `[a-zA-Z0-9_]` (`order.success`). An endpoint filter is a list of exact types
 * and `prefix.*` wildcards (`transaction.*` matches `transaction.success` and `transaction.card.x`, not
 * `transaction` itself); no filter means every type.
 */

export const EVENT_TYPE_RE = /^[a-zA-Z0-9_]+(\.[a-zA-Z0-9_]+)*$/;
export const EVENT_FILTER_RE = /^([a-zA-Z0-9_]+(\.[a-zA-Z0-9_]+)*)(\.\*)?$|^\*$/;
export const MAX_EVENT_TYPE_LENGTH = 128;

export function isValidEventType(type: string): boolean {
  return type.length > 0 && type.length <= MAX_EVENT_TYPE_LENGTH && EVENT_TYPE_RE.test(type);
}

export function isValidFilter(entry: string): boolean {
  return entry.length > 0 && entry.length <= MAX_EVENT_TYPE_LENGTH && EVENT_FILTER_RE.test(entry);
}

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
