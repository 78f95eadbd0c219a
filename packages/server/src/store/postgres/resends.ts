/** Resends on PostgreSQL: an event's deliveries due again with the resend recorded, in one statement; reads. */
import type { EventId, MerchantId, ResendId } from '../../ids.js';
import { toResend, type ResendRow } from '../resends.js';
import type { ResendFilter, ResendRecord } from '../types.js';
import type { PostgresCore } from './core.js';
import { toEvent, type EventRow } from './rows.js';

export async function resendEvent(
  c: PostgresCore,
  merchantId: MerchantId,
  eventId: EventId,
  resend: { id: ResendId; now: number },
): Promise<{ deliveries: number } | null> {
  const [row] = await c.db.run<{ found: number; deliveries: number; notified: number }>(
    'event_resend',
    {
      id: resend.id,
      merchant_id: merchantId,
      event_id: eventId,
      now: resend.now,
      channel: c.wakeups.channelForTransaction(),
    },
    { idempotent: true },
  );
  if (row.found === 0) return null;
  if (row.deliveries > 0) {
    c.forgetClaimFloor();
    c.wakeups.madeDue(row.notified > 0);
  }
  return { deliveries: row.deliveries };
}

export async function listResends(c: PostgresCore, f: ResendFilter): Promise<ResendRecord[]> {
  const rows = await c.db.run<ResendRow<EventRow>>(
    'resend_page',
    { merchant_id: f.merchantId, after: f.afterId, types: f.types?.length ? f.types : null, limit: f.limit },
    { idempotent: true },
  );
  return rows.map((r) => toResend(r, toEvent));
}
