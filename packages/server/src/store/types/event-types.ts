/** The Store's event types that merchants register (POST /v1/event-types). */
import type { MerchantId } from '../../ids.js';

/** An event type a merchant registered (POST /v1/event-types). */
export interface EventTypeRecord {
  merchantId: MerchantId;
  name: string;
  description: string;
  /** The JSON Schema of the event's `data`, as JSON text; null when any object is accepted. */
  schema: string | null;
  createdAt: number;
}

export interface EventTypeStore {
  /** Stores the type; false (and nothing changed) when the merchant already has one of that name. */
  createEventType(type: EventTypeRecord): Promise<boolean>;
  /** All of the merchant's types, by name. */
  listEventTypes(merchantId: MerchantId): Promise<EventTypeRecord[]>;
  /** Deletes one of the merchant's types; false when it has none of that name. */
  deleteEventType(merchantId: MerchantId, name: string): Promise<boolean>;
}
