/** Event types merchants register, on PostgreSQL (store/event-types.ts maps the rows). */
import type { MerchantId } from '../../ids.js';
import { eventTypeParams, toEventType, type EventTypeRow } from '../event-types.js';
import type { EventTypeRecord } from '../types.js';
import type { PostgresCore } from './core.js';

export async function createEventType(c: PostgresCore, t: EventTypeRecord): Promise<boolean> {
  // Not idempotent: run again after a lost COMMIT it would find the row and answer false.
  return (await c.db.run('event_type_insert', eventTypeParams(t), { idempotent: false })).length > 0;
}

export async function listEventTypes(c: PostgresCore, merchantId: MerchantId): Promise<EventTypeRecord[]> {
  return (await c.db.run<EventTypeRow>('event_type_list', { merchant_id: merchantId }, { idempotent: true })).map(
    toEventType,
  );
}

export async function deleteEventType(c: PostgresCore, merchantId: MerchantId, name: string): Promise<boolean> {
  return (await c.db.run('event_type_delete', { merchant_id: merchantId, name }, { idempotent: false })).length > 0;
}
