/**
 * The outbox write on PostgreSQL: the merchants' shared endpoint locks (see store.ts), then events and
 * their deliveries, in one call (sql/events.sql `events_append`, the function of migration 0014, now
 * 0016's), with the deliveries it claimed for the dispatcher's offer, if one was made; then, for events
 * that were not inserted, which stored event stands for them (one more statement, only then).
 *
 * `PostgresStore.appendEvents` runs it in autocommit (`Db.run` as the `Tx`: the append is one round
 * trip and one transaction of its own; the lookup, when needed, another, which only reads events
 * committed before it), the payment store inside its transaction with a state change.
 */
import { idFloor, isId } from '../../ids.js';
import type { ClaimRow, EndpointColumns } from '../claimed.js';
import type { AppendedEvent, ClaimBudget, DirectClaim, NewEvent } from '../types.js';
import { LOCK_SPACE, type Tx } from './db.js';
import { toEvent, type EventRow } from './rows.js';

/**
 * `del_` and the 10 time characters of the event's own id: a delivery lands in the same day partition
 * as its event (migration 0007), so a day's partitions are dropped with whole events. The event's
 * created_at when its id carries no time (never for ids payhook makes).
 */
export function deliveryPrefix(e: NewEvent): string {
  return isId('evt', e.id) ? `del_${e.id.slice(4, 14)}` : idFloor('del', e.createdAt).slice(0, 14);
}

/** A dispatcher's offer to take new deliveries in the append (migration 0016): the lease and the room. */
export interface AppendOffer {
  owner: string;
  /** The lease end. */
  until: number;
  budget: ClaimBudget;
}

/** The offer to pass to the append: the dispatcher's budget and a lease from now; null without room. */
export function appendOffer(claim: DirectClaim): AppendOffer | null {
  const budget = claim.budget();
  return budget.room > 0 ? { owner: claim.owner, until: Date.now() + claim.leaseMs, budget } : null;
}

/** A delivery the append claimed for the offer: its id and its endpoint's columns (migration 0016). */
type ClaimedJson = Pick<ClaimRow, 'id' | 'endpoint_id'> & EndpointColumns;

export interface Appended {
  out: AppendedEvent[];
  /** Whether the append sent NOTIFY. */
  notified: boolean;
  /**
   * Whether some new delivery was left to the claim (due or parked), or may have been (an event stored
   * by a try whose reply was lost): the claim loop must look.
   */
  left: boolean;
  /** The deliveries claimed for the offer, as the claim statement returns them. */
  claimed: ClaimRow[];
}

export async function appendEventsIn(
  tx: Tx,
  events: NewEvent[],
  channel: string | null,
  lockKeys: number[],
  offer: AppendOffer | null = null,
): Promise<Appended> {
  const rooms = offer ? [...offer.budget.endpointRooms] : [];
  const rows = await tx.run<{
    ord: number;
    created: boolean;
    deliveries: number;
    notified: number;
    claimed: ClaimedJson[] | null;
  }>('events_append', {
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
    offer_owner: offer?.owner ?? null,
    offer_until: offer?.until ?? null,
    offer_room: offer?.budget.room ?? null,
    offer_endpoints: rooms.map(([id]) => id),
    offer_endpoint_rooms: rooms.map(([, room]) => room),
    offer_other_room: offer?.budget.otherRoom ?? null,
  });
  const claimed: ClaimRow[] = [];
  let left = false;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const taken = r.claimed ?? [];
    if (r.deliveries > taken.length) left = true;
    const e = events[i];
    for (const d of taken) {
      claimed.push({
        id: d.id,
        event_id: e.id,
        event_type: e.type,
        attempts: 0,
        endpoint_id: d.endpoint_id,
        merchant_id: e.merchantId,
        body: e.body,
        event_created_at: e.createdAt,
        url: d.url,
        headers: d.headers,
        format: d.format,
        api_version: d.api_version,
        payload_style: d.payload_style,
        timeout_ms: d.timeout_ms,
        traceparent: e.traceparent ?? null,
        ordering_key: null,
        retry_schedule: d.retry_schedule,
        circuit_dirty: false,
      });
    }
  }
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
      // Its deliveries may be due, and whether an offer took them is not known: let the claim loop look.
      if (r.same_id && r.delivery_count > 0) left = true;
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
  return { out: out as AppendedEvent[], notified: rows.some((r) => r.notified > 0), left, claimed };
}
