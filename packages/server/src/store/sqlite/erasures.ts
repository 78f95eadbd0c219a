/** Erasures on SQLite: find candidate bodies, write redacted ones with the record in one transaction. */
import type { MerchantId } from '../../ids.js';
import { erasureParams, toErasure, type ErasureRow } from '../erasures.js';
import type { AttemptText, ErasureRecord, StoredText } from '../types.js';
import type { SqliteCore } from './core.js';

export async function findEventsContaining(
  c: SqliteCore,
  merchantId: MerchantId,
  needle: string,
  afterId: string,
  limit: number,
): Promise<StoredText[]> {
  return c
    .stmt('erasure_find_events')
    .all({ merchant_id: merchantId, needle: needle.toLowerCase(), after: afterId, limit }) as StoredText[];
}

export async function attemptTextsOf(
  c: SqliteCore,
  merchantId: MerchantId,
  eventIds: readonly string[],
): Promise<AttemptText[]> {
  if (eventIds.length === 0) return [];
  const rows = c.stmt('erasure_attempt_texts').all({ merchant_id: merchantId, ids: JSON.stringify(eventIds) }) as {
    id: string;
    delivery_id: string;
    text: string;
  }[];
  return rows.map((r) => ({ id: r.id, deliveryId: r.delivery_id, text: r.text }));
}

export async function recordErasure(
  c: SqliteCore,
  record: ErasureRecord,
  redacted: { events: readonly StoredText[]; attempts: readonly AttemptText[] },
): Promise<void> {
  c.transaction(() => {
    for (const e of redacted.events) {
      c.stmt('erasure_event_update').run({ merchant_id: record.merchantId, id: e.id, body: e.text });
    }
    for (const a of redacted.attempts) {
      c.stmt('erasure_attempt_update').run({ merchant_id: record.merchantId, id: a.id, body: a.text });
    }
    c.stmt('erasure_insert').run(erasureParams(record));
  });
}

export async function getErasure(c: SqliteCore, merchantId: MerchantId, id: string): Promise<ErasureRecord | null> {
  const row = c.stmt('erasure_get').get({ merchant_id: merchantId, id }) as ErasureRow | undefined;
  return row ? toErasure(row) : null;
}
