/**
 * Event types and endpoint filters.
 *
 * A type is dotted words of `[a-zA-Z0-9_]` (`order.success`). An endpoint filter is a list of exact types
 * and `prefix.*` wildcards (`transaction.*` matches `transaction.success` and `transaction.card.x`, not
 * `transaction` itself); no filter means every type. Which endpoints an event goes to, by these rules,
 * is the store's job (store/fanout.ts; on PostgreSQL, in SQL: the append's own test, migration 0023, and
 * `event_type_matches` for listings and replays).
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
