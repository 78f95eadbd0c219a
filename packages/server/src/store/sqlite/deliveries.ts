/** Deliveries on SQLite: claims, attempt results, manual retries and recovery, reads and counts. */
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
import type { SqliteCore } from './core.js';
import { settleOrderedResults } from './ordering.js';
import { toAttempt, toDelivery, type AttemptRow, type DeliveryRow } from './rows.js';

export async function claimDue(c: SqliteCore, o: ClaimOptions): Promise<ClaimedDelivery[]> {
  return c.transaction(() => {
    const rows = c.stmt('claim_select').all({
      now: o.now,
      limit: o.limit,
      exclude: JSON.stringify(o.excludeEndpoints ?? []),
    }) as ClaimRow[];
    if (rows.length === 0) return [];
    c.stmt('claim_mark').run({
      ids: JSON.stringify(rows.map((r) => r.id)),
      owner: o.owner,
      until: o.now + o.leaseMs,
    });
    return toClaimedDeliveries(rows, c.box);
  });
}

export async function recordResults(c: SqliteCore, results: AttemptResult[]): Promise<void> {
  if (results.length === 0) return;
  const now = Date.now();
  const promoted = c.transaction(() => {
    for (const r of results) {
      c.stmt('attempt_insert').run({
        id: r.attemptId,
        delivery_id: r.deliveryId,
        attempt_no: r.attemptNo,
        started_at: r.startedAt,
        duration_ms: r.durationMs,
        status_code: r.statusCode,
        response_body: r.responseBody,
        error_class: r.errorClass,
        error_message: r.errorMessage,
        next_retry_at: r.outcome === 'retry' ? r.nextAttemptAt : null,
      });
      c.stmt('delivery_apply_result').run({
        id: r.deliveryId,
        owner: r.owner,
        status: r.outcome === 'retry' ? 'pending' : r.outcome,
        next_attempt_at: r.outcome === 'retry' ? r.nextAttemptAt : null,
        status_code: r.statusCode,
        error: r.errorMessage,
        now,
      });
      if (r.disableEndpoint) {
        const row = c.stmt('delivery_endpoint').get({ id: r.deliveryId }) as { endpoint_id: string } | undefined;
        if (row) {
          c.stmt('endpoint_disable_gone').run({ id: row.endpoint_id, now });
          c.stmt('deliveries_fail_for_endpoint').run({
            endpoint_id: row.endpoint_id,
            error: 'endpoint disabled: it answered 410 Gone',
            now,
          });
        }
      }
    }
    return settleOrderedResults(c, results, now);
  });
  if (promoted > 0) c.notifyDue();
}

export async function releaseClaims(c: SqliteCore, owner: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  c.stmt('claims_release').run({ owner, ids: JSON.stringify(ids), now: Date.now() });
  c.notifyDue();
}

export async function deferEndpoint(c: SqliteCore, endpointId: string, until: number): Promise<number> {
  return c.stmt('endpoint_defer').run({ endpoint_id: endpointId, until }).changes;
}

export async function nextDueAt(c: SqliteCore): Promise<number | null> {
  const row = c.stmt('next_due').get() as { at: number | null };
  return row.at;
}

export async function queueStats(c: SqliteCore): Promise<QueueStats> {
  const row = c.stmt('queue_stats').get() as { pending: number; oldest_due_at: number | null };
  return { pending: row.pending, oldestDueAt: row.oldest_due_at };
}

export async function getDelivery(c: SqliteCore, merchantId: string, id: string): Promise<Delivery | null> {
  const row = c.stmt('delivery_get').get({ merchant_id: merchantId, id }) as DeliveryRow | undefined;
  return row ? toDelivery(row) : null;
}

export async function listDeliveries(c: SqliteCore, f: DeliveryFilter): Promise<Page<Delivery>> {
  const rows = c.stmt('delivery_page').all({
    merchant_id: f.merchantId,
    before: decodeCursor(f.cursor) ?? ID_MAX,
    endpoint_id: f.endpointId ?? null,
    event_id: f.eventId ?? null,
    status: f.status ?? null,
    limit: f.limit + 1,
  }) as DeliveryRow[];
  return toPage(rows.map(toDelivery), f.limit);
}

export async function listAttempts(c: SqliteCore, merchantId: string, deliveryId: string): Promise<Attempt[]> {
  return (c.stmt('attempt_list').all({ merchant_id: merchantId, delivery_id: deliveryId }) as AttemptRow[]).map(
    toAttempt,
  );
}

export async function retryDelivery(
  c: SqliteCore,
  merchantId: string,
  id: string,
  now: number,
): Promise<Delivery | null> {
  const d = c.transaction(() => {
    c.stmt('delivery_retry_now').run({ merchant_id: merchantId, id, now });
    return c.stmt('delivery_get').get({ merchant_id: merchantId, id }) as DeliveryRow | undefined;
  });
  if (!d) return null;
  c.notifyDue();
  return toDelivery(d);
}

export async function recoverEndpoint(
  c: SqliteCore,
  merchantId: string,
  endpointId: string,
  since: number,
  now: number,
): Promise<number> {
  const n = c.stmt('endpoint_recover').run({
    merchant_id: merchantId,
    endpoint_id: endpointId,
    since,
    now,
  }).changes;
  if (n > 0) c.notifyDue();
  return n;
}

export async function countDeliveries(c: SqliteCore, merchantId?: string): Promise<DeliveryCounts> {
  const counts: DeliveryCounts = { pending: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const r of c.stmt('delivery_counts').all({ merchant_id: merchantId ?? null }) as {
    status: keyof DeliveryCounts;
    n: number;
  }[]) {
    counts[r.status] = r.n;
  }
  return counts;
}
