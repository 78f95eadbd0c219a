/** The Store's events: appended with their deliveries in one transaction (the outbox write). */
import type { EventId, MerchantId } from '../../ids.js';
import type { ListOptions, Page } from './common.js';

export interface EventRecord {
  id: EventId;
  merchantId: MerchantId;
  type: string;
  /** The `data` member as the exact JSON text that was stored. */
  data: string;
  /** The Standard Webhooks envelope `{"id","type","timestamp","livemode","data"}`: the exact bytes sent and signed. */
  body: string;
  idempotencyKey: string | null;
  /** Deliveries to an ordered endpoint that share this key go out one at a time, in event order. */
  orderingKey: string | null;
  createdAt: number;
}

export interface NewEvent {
  id: EventId;
  merchantId: MerchantId;
  type: string;
  data: string;
  body: string;
  idempotencyKey: string | null;
  createdAt: number;
  /**
   * The W3C `traceparent` the event was accepted in, stored with it so that every attempt joins that
   * trace (tracing/traceparent.ts); absent or null when there was none.
   */
  traceparent?: string | null;
  /** The ordering key (docs/delivery.md#ordered-delivery); absent or null for none. */
  orderingKey?: string | null;
  /** For an operational event about an endpoint: that endpoint, which does not receive it (fanout.ts). */
  aboutEndpointId?: string | null;
}

export interface AppendedEvent {
  event: EventRecord;
  /** False when the idempotency key matched an earlier event, which is returned instead. */
  created: boolean;
  /** Deliveries created for it (0 when no endpoint matched, or when not `created`). */
  deliveries: number;
}

export interface EventFilter extends ListOptions {
  merchantId: MerchantId;
  types?: string[];
  /** Only events created strictly after this event id (ids sort by time). */
  afterId?: EventId;
  beforeId?: EventId;
  order?: 'asc' | 'desc';
}

export interface EventStore {
  /**
   * Stores events and, in the same transaction, one pending delivery per endpoint of the event's
   * merchant whose filter matches, due at `createdAt` (one of a disabled endpoint waits for it to be
   * enabled; operational events go only to endpoints naming them, fanout.ts). An event whose `idempotencyKey` was seen before
   * for its merchant is not stored again: the earlier event is returned with `created: false`.
   * Deliveries a registered claimer takes (`offerNewDeliveries`) are stored claimed and handed to it.
   */
  appendEvents(events: NewEvent[]): Promise<AppendedEvent[]>;
  getEvent(merchantId: MerchantId, id: EventId): Promise<EventRecord | null>;
  listEvents(filter: EventFilter): Promise<Page<EventRecord>>;
}
