/**
 * Thin events: an endpoint with `payload_style: "thin"` receives the envelope with `data` naming the
 * object the event is about, not a snapshot of it:
 *
 *   {"id":"evt_…","type":"order.success","timestamp":"…","data":{"object":"order","id":"ord_…","url":"/v1/orders/ord_…"}}
 *
 * The receiver fetches the object's current state through the API (`PayhookClient.fetchRelated(event)`
 * in @payhook/sdk follows `url`), so it never acts on a stale snapshot and the webhook carries no
 * personal data. Which object an event is about is declared by the module that emits it (the payment
 * module: `order.*` → the order, `transaction.*` → the transaction, `refund.*` → the refund): an event
 * type's namespace (before its first dot) names the object, whose id is the data's `<object>_id`. Any
 * other event (a merchant's own types) is about itself: `{"object":"event","id":"evt_…"}`, fetched at
 * `GET /v1/events/{id}`.
 */

/** An object a module serves through the API, that thin events of its namespace point to. */
export interface EventObject {
  /** The data field holding the object's id (`order_id`). */
  idField: string;
  /** The API path that reads it, with `{id}` (`/v1/orders/{id}`). */
  path: string;
}

export type PayloadStyle = 'snapshot' | 'thin';
export const PAYLOAD_STYLES: readonly PayloadStyle[] = ['snapshot', 'thin'];

export interface ThinRef {
  object: string;
  id: string;
  url: string;
}

/** What a thin event's `data` says for one event; `objects` are the process's, by namespace. */
export function thinRef(
  objects: ReadonlyMap<string, EventObject>,
  eventId: string,
  eventType: string,
  data: unknown,
): ThinRef {
  const ns = eventType.split('.', 1)[0];
  const o = objects.get(ns);
  if (o && data !== null && typeof data === 'object') {
    const id = (data as Record<string, unknown>)[o.idField];
    if (typeof id === 'string' && id !== '')
      return { object: ns, id, url: o.path.replace('{id}', encodeURIComponent(id)) };
  }
  return { object: 'event', id: eventId, url: `/v1/events/${eventId}` };
}
