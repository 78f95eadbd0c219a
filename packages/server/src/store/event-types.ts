/** Event type rows as `EventTypeRecord`s: the same columns and mapping on both backends. */
import type { MerchantId } from '../ids.js';
import type { EventTypeRecord } from './types.js';

export interface EventTypeRow {
  merchant_id: MerchantId;
  name: string;
  description: string;
  schema: string | null;
  created_at: number | string;
}

export function eventTypeParams(t: EventTypeRecord): Record<string, unknown> {
  return {
    merchant_id: t.merchantId,
    name: t.name,
    description: t.description,
    schema: t.schema,
    created_at: t.createdAt,
  };
}

export function toEventType(r: EventTypeRow): EventTypeRecord {
  return {
    merchantId: r.merchant_id,
    name: r.name,
    description: r.description,
    schema: r.schema,
    createdAt: Number(r.created_at),
  };
}
