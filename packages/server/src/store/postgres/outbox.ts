/**
 * The outbox write on PostgreSQL: the merchants' shared endpoint locks (see store.ts), then events and
 * their deliveries, in one call (sql/events.sql `events_append`, the function of migration 0014); then,
 * for events that were not inserted, which stored event stands for them (one more statement, only then).
 *
 * `PostgresStore.appendEvents` runs it in autocommit (`Db.run` as the `Tx`: the append is one round
 * trip and one transaction of its own; the lookup, when needed, another, which only reads events
 * committed before it), the payment store inside its transaction with a state change.
 */
import { idFloor, isId } from '../../ids.js';
import type { AppendedEvent, NewEvent } from '../types.js';
import { LOCK_SPACE, type Tx } from './db.js';
import { toEvent, type EventRow } from './rows.js';

/**
 * `del_` and the 10 time characters of the event's own id: a delivery lands in the same day partition
 * as its event (migration 0007), so a day's partitions are dropped with whole events. The event's
 * created_at when its id carries no time (never for ids payhook makes).
 */
function deliveryPrefix(e: NewEvent): string {
  return isId('evt', e.id) ? `del_${e.id.slice(4, 14)}` : idFloor('del', e.createdAt).slice(0, 14);
}

export async function appendEventsIn(
  tx: Tx,
  events: NewEvent[],
  channel: string | null,
  lockKeys: number[],
): Promise<{ out: AppendedEvent[]; notified: boolean }> {
  const rows = await tx.run<{ ord: number; created: boolean; deliveries: number; notified: number }>('events_append', {
    lock_space: LOCK_SPACE,
    lock_keys: lockKeys,
    ids: events.map((e) => e.id),
    merchant_ids: events.map((e) => e.merchantId),
    types: events.map((e) => e.type),
    bodies: events.map((e) => e.body),
    idempotency_keys: events.map((e) => e.idempotencyKey),
    created_ats: events.map((e) => e.createdAt),
    traceparents: events.map((e) => e.traceparent ?? null),
    delivery_prefixes: events.map(deliveryPrefix),
    ordering_keys: events.map((e) => e.orderingKey ?? null),
    about_endpoints: events.map((e) => e.aboutEndpointId ?? null),
    channel,
  });
  const out: (AppendedEvent | null)[] = rows.map((r, i) =>
    r.created
      ? { event: { ...events[i], orderingKey: events[i].orderingKey ?? null }, created: true, deliveries: r.deliveries }
      : null,
  );
  const unresolved: number[] = [];
  for (let i = 0; i < events.length; i++) {
    if (out[i]) continue;
    const e = events[i];
    // A key repeated within the batch: the first event with it is the one that was stored.
    const j =
      e.idempotencyKey === null
        ? -1
        : events.findIndex(
            (x, k) =>
              k < i && out[k]?.created && x.merchantId === e.merchantId && x.idempotencyKey === e.idempotencyKey,
          );
    if (j >= 0) out[i] = { event: out[j]!.event, created: false, deliveries: 0 };
    else unresolved.push(i);
  }
  if (unresolved.length > 0) {
    const found = await tx.run<EventRow & { ord: number; same_id: boolean; delivery_count: number }>('events_resolve', {
      ids: unresolved.map((i) => events[i].id),
      merchant_ids: unresolved.map((i) => events[i].merchantId),
      idempotency_keys: unresolved.map((i) => events[i].idempotencyKey),
    });
    for (const r of found) {
      const i = unresolved[r.ord - 1];
      // The same id: this very event, stored by an earlier try whose COMMIT reply was lost.
      out[i] = r.same_id
        ? {
            event: { ...events[i], orderingKey: events[i].orderingKey ?? null },
            created: true,
            deliveries: r.delivery_count,
          }
        : { event: toEvent(r), created: false, deliveries: 0 };
    }
  }
  const missing = out.indexOf(null);
  if (missing >= 0) throw new Error(`event ${events[missing].id} was neither stored nor found by its idempotency key`);
  return { out: out as AppendedEvent[], notified: rows.some((r) => r.notified > 0) };
}
