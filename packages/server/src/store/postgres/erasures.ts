/** Erasures on PostgreSQL: find candidate bodies, write redacted ones with the record in one statement. */
import type { MerchantId } from '../../ids.js';
import { erasureParams, toErasure, type ErasureRow } from '../erasures.js';
import type { AttemptText, ErasureRecord, StoredText } from '../types.js';
import type { PostgresCore } from './core.js';

export async function findEventsContaining(
  c: PostgresCore,
  merchantId: MerchantId,
  needle: string,
  afterId: string,
  limit: number,
): Promise<StoredText[]> {
  return c.db.run<StoredText>(
    'erasure_find_events',
    { merchant_id: merchantId, needle: needle.toLowerCase(), after: afterId, limit },
    { idempotent: true },
  );
}

export async function attemptTextsOf(
  c: PostgresCore,
  merchantId: MerchantId,
  eventIds: readonly string[],
): Promise<AttemptText[]> {
  if (eventIds.length === 0) return [];
  const rows = await c.db.run<{ id: string; delivery_id: string; text: string }>(
    'erasure_attempt_texts',
    { merchant_id: merchantId, ids: eventIds },
    { idempotent: true },
  );
  return rows.map((r) => ({ id: r.id, deliveryId: r.delivery_id, text: r.text }));
}

export async function recordErasure(
  c: PostgresCore,
  record: ErasureRecord,
  redacted: { events: readonly StoredText[]; attempts: readonly AttemptText[] },
): Promise<void> {
  // Idempotent: the erasure id is the primary key, so a replay after a lost COMMIT fails on it rather
  // than redacting twice (redacting twice would change nothing anyway).
  await c.db.run(
    'erasure_record',
    {
      ...erasureParams(record),
      event_ids: redacted.events.map((e) => e.id),
      event_bodies: redacted.events.map((e) => e.text),
      attempt_ids: redacted.attempts.map((a) => a.id),
      attempt_delivery_ids: redacted.attempts.map((a) => a.deliveryId),
      attempt_bodies: redacted.attempts.map((a) => a.text),
    },
    { idempotent: false },
  );
}

export async function getErasure(c: PostgresCore, merchantId: MerchantId, id: string): Promise<ErasureRecord | null> {
  const [row] = await c.db.run<ErasureRow>('erasure_get', { merchant_id: merchantId, id }, { idempotent: true });
  return row ? toErasure(row) : null;
}
