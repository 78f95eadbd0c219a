/** Events on PostgreSQL: the outbox write under the merchants' shared endpoint locks (one round trip), reads (pruning: retention.ts). */
import { decodeCursor, ID_MAX, ID_MIN, toPage } from '../cursor.js';
import type { AppendedEvent, EventFilter, EventRecord, NewEvent, Page } from '../types.js';
import type { PostgresCore } from './core.js';
import type { Row, Tx } from './db.js';
import { toClaimedDeliveries } from '../claimed.js';
import { appendEventsIn, appendOffer, deliveryPrefix } from './outbox.js';
import { toEvent, type EventRow } from './rows.js';

export async function appendEvents(c: PostgresCore, events: NewEvent[]): Promise<AppendedEvent[]> {
  if (events.length === 0) return [];
  const channel = c.wakeups.channelForTransaction();
  const locks = [...new Set(events.map((e) => e.merchantId))].map((m) => c.endpointLock(m));
  // No BEGIN and COMMIT: the locks and the append are one statement's transaction (outbox.ts). Safe to
  // run again after a lost reply: an event id already stored is found, not stored twice.
  const autocommit: Tx = {
    run: <R extends Row>(name: string, args: Record<string, unknown> = {}) =>
      c.db.run<R>(name, args, { idempotent: true }),
  };
  // The dispatcher's offer (Store.offerNewDeliveries, migration 0016). A reply lost after the commit
  // leaves what it claimed leased to this dispatcher, unknown to it: due again for any dispatcher when
  // the lease ends, as after a dispatcher's crash.
  const claim = c.claimOffer?.() ?? null;
  const offer = claim ? appendOffer(claim) : null;
  const { out, notified, left, claimed } = await appendEventsIn(autocommit, events, channel, locks, offer);
  if (claim && offer && claimed.length > 0) claim.accept(toClaimedDeliveries(claimed, c.box), offer.until);
  // An event with an old id (an import) puts its deliveries in its own day.
  for (const e of events) c.forgetClaimFloor(deliveryPrefix(e));
  if (left) c.wakeups.madeDue(notified);
  return out;
}

export async function getEvent(c: PostgresCore, merchantId: string, id: string): Promise<EventRecord | null> {
  const [row] = await c.db.run<EventRow>('event_get', { merchant_id: merchantId, id }, { idempotent: true });
  return row ? toEvent(row) : null;
}

export async function listEvents(c: PostgresCore, f: EventFilter): Promise<Page<EventRecord>> {
  const order = f.order ?? 'desc';
  const cursor = decodeCursor(f.cursor);
  let lo = f.afterId ?? ID_MIN;
  let hi = f.beforeId ?? ID_MAX;
  if (cursor !== null) {
    if (order === 'asc') lo = cursor > lo ? cursor : lo;
    else hi = cursor < hi ? cursor : hi;
  }
  const rows = await c.db.run<EventRow>(
    order === 'asc' ? 'event_page_asc' : 'event_page_desc',
    {
      merchant_id: f.merchantId,
      lo,
      hi,
      types: f.types?.length ? f.types : null,
      limit: f.limit + 1,
    },
    { idempotent: true },
  );
  return toPage(rows.map(toEvent), f.limit);
}
