/**
 * Deliveries on PostgreSQL: claims (`FOR UPDATE SKIP LOCKED`, sql/deliveries.sql), attempt results in
 * one statement, manual retries and recovery (with their NOTIFY), reads and counts.
 */
import { toClaimedDeliveries, type ClaimRow } from '../claimed.js';
import { decodeCursor, ID_MAX, toPage } from '../cursor.js';
import type {
  Attempt,
  AttemptResult,
  ClaimedDelivery,
  ClaimOptions,
  Delivery,
  DeliveryCounts,
  DeliveryFilter,
  Page,
  QueueStats,
} from '../types.js';
import type { PostgresCore } from './core.js';
import { settledOrdered, settleOrdered } from './ordering.js';
import { toAttempt, toDelivery, type AttemptRow, type DeliveryRow } from './rows.js';

const GONE_ERROR = 'endpoint disabled: it answered 410 Gone';

export async function claimDue(c: PostgresCore, o: ClaimOptions): Promise<ClaimedDelivery[]> {
  // Retried after a lost reply too: rows that claim took stay leased to this owner until the lease
  // ends, then go out as usual; nothing is lost, at worst a delivery waits one lease.
  const rows = await c.db.run<ClaimRow>(
    'claim',
    {
      now: o.now,
      limit: o.limit,
      owner: o.owner,
      until: o.now + o.leaseMs,
      exclude: o.excludeEndpoints ?? [],
    },
    { idempotent: true },
  );
  return toClaimedDeliveries(rows, c.box);
}

export async function recordResults(c: PostgresCore, results: AttemptResult[]): Promise<void> {
  if (results.length === 0) return;
  const args = resultArgs(results, Date.now());
  const gone = results.filter((r) => r.disableEndpoint).map((r) => r.deliveryId);
  const ordered = settledOrdered(results);
  if (gone.length === 0 && ordered.length === 0) {
    await c.db.run('results_record', args, { idempotent: true });
    return;
  }
  if (gone.length === 0) {
    // Ordered deliveries finished: their keys move on in the same transaction as their results, so a
    // promotion is never lost to a crash between the two.
    const channel = c.wakeups.channelForTransaction();
    const promoted = await c.db.transaction(
      async (tx) => {
        await tx.run('results_record', args);
        return settleOrdered(tx, ordered, args.now, channel);
      },
      { idempotent: true },
    );
    if (promoted.n > 0) c.wakeups.madeDue(promoted.notified > 0);
    return;
  }
  // Rare: an endpoint answered 410. Its merchant's endpoint lock comes first, before any row lock.
  const merchants = await c.db.run<{ merchant_id: string }>(
    'merchants_of_deliveries',
    { ids: gone },
    { idempotent: true },
  );
  await c.db.transaction(
    async (tx) => {
      await tx.run('results_record', args);
      await tx.run('endpoints_disable_gone', { ids: gone, error: GONE_ERROR, now: args.now });
      if (ordered.length > 0) await settleOrdered(tx, ordered, args.now, null);
    },
    { idempotent: true, lock: { exclusive: merchants.map((m) => c.endpointLock(m.merchant_id)) } },
  );
}

export async function releaseClaims(c: PostgresCore, owner: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const [row] = await c.db.run<{ n: number; notified: number }>(
    'claims_release',
    {
      owner,
      ids: [...ids],
      now: Date.now(),
      channel: c.wakeups.channelForTransaction(),
    },
    { idempotent: true },
  );
  if (row.n > 0) c.wakeups.madeDue(row.notified > 0);
}

export async function deferEndpoint(c: PostgresCore, endpointId: string, until: number): Promise<number> {
  const [row] = await c.db.run<{ n: number }>(
    'endpoint_defer',
    { endpoint_id: endpointId, until },
    { idempotent: true },
  );
  return row.n;
}

export async function nextDueAt(c: PostgresCore): Promise<number | null> {
  const [row] = await c.db.run<{ at: number | null }>('next_due', {}, { idempotent: true });
  return row.at;
}

export async function queueStats(c: PostgresCore): Promise<QueueStats> {
  const [row] = await c.db.run<{ pending: number; oldest_due_at: number | null }>(
    'queue_stats',
    {},
    { idempotent: true },
  );
  return { pending: row.pending, oldestDueAt: row.oldest_due_at };
}

export async function getDelivery(c: PostgresCore, merchantId: string, id: string): Promise<Delivery | null> {
  const [row] = await c.db.run<DeliveryRow>('delivery_get', { merchant_id: merchantId, id }, { idempotent: true });
  return row ? toDelivery(row) : null;
}

export async function listDeliveries(c: PostgresCore, f: DeliveryFilter): Promise<Page<Delivery>> {
  const rows = await c.db.run<DeliveryRow>(
    'delivery_page',
    {
      merchant_id: f.merchantId,
      before: decodeCursor(f.cursor) ?? ID_MAX,
      endpoint_id: f.endpointId ?? null,
      event_id: f.eventId ?? null,
      status: f.status ?? null,
      limit: f.limit + 1,
    },
    { idempotent: true },
  );
  return toPage(rows.map(toDelivery), f.limit);
}

export async function listAttempts(c: PostgresCore, merchantId: string, deliveryId: string): Promise<Attempt[]> {
  return (
    await c.db.run<AttemptRow>(
      'attempt_list',
      { merchant_id: merchantId, delivery_id: deliveryId },
      { idempotent: true },
    )
  ).map(toAttempt);
}

export async function retryDelivery(
  c: PostgresCore,
  merchantId: string,
  id: string,
  now: number,
): Promise<Delivery | null> {
  const [row] = await c.db.run<DeliveryRow & { notified: number }>(
    'delivery_retry_now',
    {
      merchant_id: merchantId,
      id,
      now,
      channel: c.wakeups.channelForTransaction(),
    },
    { idempotent: true },
  );
  if (!row) return null;
  if (row.status === 'pending' && row.lease_owner === null) c.wakeups.madeDue(row.notified > 0);
  return toDelivery(row);
}

export async function recoverEndpoint(
  c: PostgresCore,
  merchantId: string,
  endpointId: string,
  since: number,
  now: number,
): Promise<number> {
  const [row] = await c.db.run<{ n: number; notified: number }>(
    'endpoint_recover',
    {
      merchant_id: merchantId,
      endpoint_id: endpointId,
      since,
      now,
      channel: c.wakeups.channelForTransaction(),
    },
    { idempotent: true },
  );
  if (row.n > 0) c.wakeups.madeDue(row.notified > 0);
  return row.n;
}

export async function countDeliveries(c: PostgresCore, merchantId?: string): Promise<DeliveryCounts> {
  const counts: DeliveryCounts = { pending: 0, succeeded: 0, failed: 0, cancelled: 0 };
  const rows = await c.db.run<{ status: keyof DeliveryCounts; n: number }>(
    'delivery_counts',
    { merchant_id: merchantId ?? null },
    { idempotent: true },
  );
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

function resultArgs(results: AttemptResult[], now: number) {
  return {
    attempt_ids: results.map((r) => r.attemptId),
    delivery_ids: results.map((r) => r.deliveryId),
    owners: results.map((r) => r.owner),
    attempt_nos: results.map((r) => r.attemptNo),
    started_ats: results.map((r) => r.startedAt),
    durations: results.map((r) => r.durationMs),
    status_codes: results.map((r) => r.statusCode),
    response_bodies: results.map((r) => r.responseBody),
    error_classes: results.map((r) => r.errorClass),
    error_messages: results.map((r) => r.errorMessage),
    statuses: results.map((r) => (r.outcome === 'retry' ? 'pending' : r.outcome)),
    next_attempt_ats: results.map((r) => (r.outcome === 'retry' ? r.nextAttemptAt : null)),
    now,
  };
}
