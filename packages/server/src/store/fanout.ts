/**
 * Fan-out: which endpoints an event goes to, by their filters (the syntax is events/filter.ts's: exact
 * types and `prefix.*` wildcards; `*` or no filter means every type). The SQLite store matches here, in
 * the append's transaction; PostgreSQL does the same in SQL (the append function's test, written out in
 * migration 0023; `event_type_matches`, migration 0001, for listings and replays), and the Store contract
 * holds both to one behaviour.
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

/**
 * Operational events (OPERATIONAL_TYPES, events/operational.ts) go only to endpoints that name
 * them in their filter (an exact type or `endpoint.*`, not `*` or no filter: a merchant who subscribed
 * to everything before they existed does not start receiving them), and never to the endpoint they
 * are about (`NewEvent.aboutEndpointId`, set on every operational event and on no other): a failing
 * endpoint's own circuit cannot feed itself. PostgreSQL's events_append holds the same rule.
 */
export function operationalMatch(
  filterJson: string | string[] | null,
  endpointId: string,
  e: { type: string; aboutEndpointId?: string | null },
): boolean {
  if (!e.aboutEndpointId) return true;
  if (e.aboutEndpointId === endpointId || filterJson === null) return false;
  const entries = typeof filterJson === 'string' ? (JSON.parse(filterJson) as string[]) : filterJson;
  return entries.some((f) => f === e.type || (f !== '*' && f.endsWith('.*') && e.type.startsWith(f.slice(0, -1))));
}

/** The operational event types: emitted by payhook itself about endpoints and deliveries. */
export const OPERATIONAL_TYPES = [
  'endpoint.disabled',
  'endpoint.enabled',
  'endpoint.circuit_opened',
  'endpoint.circuit_closed',
  'delivery.exhausted',
] as const;
const OPERATIONAL = new Set<string>(OPERATIONAL_TYPES);

export function isOperationalType(type: string): boolean {
  return OPERATIONAL.has(type);
}
