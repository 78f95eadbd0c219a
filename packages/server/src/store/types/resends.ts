/** The Store's resends: an event sent again (`POST /v1/events/{id}/resend`), recorded for listen streams. */
import type { EventId, MerchantId, ResendId } from '../../ids.js';
import type { EventRecord } from './events.js';

/** A resend of an event, as a listen stream reads it: with the event. */
export interface ResendRecord {
  id: ResendId;
  event: EventRecord;
  createdAt: number;
}

export interface ResendFilter {
  merchantId: MerchantId;
  /** Only resends of events of these types (names and `prefix.*`); all when absent. */
  types?: string[];
  /** Only resends made strictly after this one (ids sort by time). */
  afterId: ResendId;
  limit: number;
}

export interface ResendStore {
  /**
   * Resends an event of the merchant, in one transaction: records the resend (`id`, for listen streams,
   * `listResends`) and makes every delivery of the event to a live endpoint due now, whatever its status
   * (one in flight keeps its claim). Null when the merchant has no such event; otherwise how many
   * deliveries were made due.
   */
  resendEvent(
    merchantId: MerchantId,
    eventId: EventId,
    resend: { id: ResendId; now: number },
  ): Promise<{ deliveries: number } | null>;
  /** The merchant's resends after `afterId`, oldest first, each with its event (pruned with it). */
  listResends(filter: ResendFilter): Promise<ResendRecord[]>;
}
