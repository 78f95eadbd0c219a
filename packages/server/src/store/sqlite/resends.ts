/** Resends on SQLite: an event's deliveries due again with the resend recorded, in one transaction; reads. */
import type { EventId, MerchantId, ResendId } from '../../ids.js';
import { toResend, type ResendRow } from '../resends.js';
import type { ResendFilter, ResendRecord } from '../types.js';
import type { SqliteCore } from './core.js';
import { toEvent, type EventRow } from './rows.js';

export async function resendEvent(
  c: SqliteCore,
  merchantId: MerchantId,
  eventId: EventId,
  resend: { id: ResendId; now: number },
): Promise<{ deliveries: number } | null> {
  const params = { merchant_id: merchantId, event_id: eventId, now: resend.now };
  const deliveries = c.transaction(() => {
    if (c.stmt('resend_insert').run({ ...params, id: resend.id }).changes === 0) return null;
    return c.stmt('resend_reopen_deliveries').run(params).changes;
  });
  if (deliveries === null) return null;
  if (deliveries > 0) c.notifyDue();
  return { deliveries };
}

export async function listResends(c: SqliteCore, f: ResendFilter): Promise<ResendRecord[]> {
  const rows = c.stmt('resend_page').all({
    merchant_id: f.merchantId,
    after: f.afterId,
    types: f.types?.length ? JSON.stringify(f.types) : null,
    limit: f.limit,
  }) as ResendRow<EventRow>[];
  return rows.map((r) => toResend(r, toEvent));
}
