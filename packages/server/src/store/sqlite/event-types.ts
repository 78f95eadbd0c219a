/** Event types merchants register, on SQLite (store/event-types.ts maps the rows). */
import type { MerchantId } from '../../ids.js';
import { eventTypeParams, toEventType, type EventTypeRow } from '../event-types.js';
import type { EventTypeRecord } from '../types.js';
import type { SqliteCore } from './core.js';

export async function createEventType(c: SqliteCore, t: EventTypeRecord): Promise<boolean> {
  return c.stmt('event_type_insert').get(eventTypeParams(t)) !== undefined;
}

export async function listEventTypes(c: SqliteCore, merchantId: MerchantId): Promise<EventTypeRecord[]> {
  return (c.stmt('event_type_list').all({ merchant_id: merchantId }) as EventTypeRow[]).map(toEventType);
}

export async function deleteEventType(c: SqliteCore, merchantId: MerchantId, name: string): Promise<boolean> {
  return c.stmt('event_type_delete').get({ merchant_id: merchantId, name }) !== undefined;
}
