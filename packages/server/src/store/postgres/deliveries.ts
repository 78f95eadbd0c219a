/**
 * Deliveries on PostgreSQL: claims (`FOR UPDATE SKIP LOCKED`, sql/deliveries.sql), attempt results in
 * one statement, manual retries and recovery (with their NOTIFY), reads and counts.
 */
import { idFloor, type EndpointId, type MerchantId } from '../../ids.js';
import { circuitReports, DEFAULT_CIRCUIT_POLICY, stepCircuit, type CircuitRow } from '../circuit.js';
import { rateTolerance, toClaimedDeliveries, type ClaimRow } from '../claimed.js';
import { decodeCursor, ID_MAX, toPage } from '../cursor.js';
import type {
  Attempt,
  AttemptResult,
  CircuitPolicy,
  ClaimedDelivery,
  ClaimOptions,
  DeferralPace,
  DeferralRelease,
  Delivery,
  DeliveryCounts,
  DeliveryFilter,
  EndpointTransition,
  Page,
  QueueStats,
} from '../types.js';
import type { PostgresCore } from './core.js';
import { settledOrdered, settleOrdered } from './ordering.js';
import { DAY_MS, dayStart } from './retention.js';
import { toAttempt, toDelivery, type AttemptRow, type DeliveryRow } from './rows.js';

/** How long a claim floor is used before the database is asked again (migration 0020). */
const FLOOR_TTL_MS = 1_000;

/**
 * The first delivery id of the oldest day the claim must read: the oldest day partition that holds a
 * pending or held delivery, and never later than yesterday (a margin for clocks that disagree). Asked of
 * the database at most once a second and on a new day; a delivery made pending again in an older day
 * is claimed at most that second later.
 */
async function claimFloor(c: PostgresCore, now: number): Promise<string> {
  const atMost = idFloor('del', dayStart(now - DAY_MS));
  const cached = c.claimFloor;
  const t = Date.now();
  if (cached && cached.atMost === atMost && t - cached.at < FLOOR_TTL_MS) return cached.value;
  const [row] = await c.db.run<{ floor: string }>('claim_floor', { at_most: atMost }, { idempotent: true });
  c.claimFloor = { value: row.floor, atMost, at: t };
  return row.floor;
}

export async function claimDue(c: PostgresCore, o: ClaimOptions): Promise<ClaimedDelivery[]> {
  const floor = await claimFloor(c, o.now);
  // Retried after a lost reply too: rows that claim took stay leased to this owner until the lease
  // ends, then go out as usual; nothing is lost, at worst a delivery waits one lease.
  const rows = await c.db.run<ClaimRow & { rate_held: number; rate_wait: number }>(
    'claim',
    {
      now: o.now,
      limit: o.limit,
      owner: o.owner,
      until: o.now + o.leaseMs,
      exclude: o.excludeEndpoints ?? [],
      burst: rateTolerance(o.rateBurst),
      // Only the days that may hold pending deliveries are read (sql/deliveries.sql, claim).
      floor,
    },
    { idempotent: true },
  );
  // The last row carries no delivery when the rate held some back: their count (sql/deliveries.sql).
  const last = rows[rows.length - 1];
  if (last && last.id === null) {
    rows.pop();
    o.onRateLimited?.(last.rate_held, Number(last.rate_wait));
  }
  return toClaimedDeliveries(rows, c.box);
}

export async function recordResults(
  c: PostgresCore,
  results: AttemptResult[],
  policy: CircuitPolicy = DEFAULT_CIRCUIT_POLICY,
): Promise<EndpointTransition[]> {
  if (results.length === 0) return [];
  const args = resultArgs(results, Date.now());
  const gone = results.filter((r) => r.disableEndpoint).map((r) => r.deliveryId);
  const ordered = settledOrdered(results);
  const reports = circuitReports(results);
  if (gone.length === 0 && reports.size === 0 && ordered.length === 0) {
    // The common case, healthy endpoints: one statement, no transaction.
    await c.db.run('results_record', args, { idempotent: true });
    return [];
  }
  // Rare: an endpoint answered 410 (its merchant's endpoint lock comes first, before any row lock),
  // the circuit breaker has something to count, or ordered deliveries finished: their keys move on in
  // the same transaction as their results, so a promotion is never lost to a crash between the two.
  const merchants =
    gone.length === 0
      ? []
      : await c.db.run<{ merchant_id: string }>('merchants_of_deliveries', { ids: gone }, { idempotent: true });
  const channel = c.wakeups.channelForTransaction();
  let released = false;
  let promoted = { n: 0, notified: 0 };
  const transitions = await c.db.transaction(
    async (tx) => {
      const out: EndpointTransition[] = [];
      await tx.run('results_record', args);
      if (gone.length > 0) {
        const disabled = await tx.run<{ id: EndpointId; merchant_id: MerchantId; failing_since: number | null }>(
          'endpoints_disable_gone',
          { ids: gone, now: args.now },
        );
        for (const d of disabled)
          out.push({
            kind: 'disabled',
            endpointId: d.id,
            merchantId: d.merchant_id,
            at: args.now,
            reason: 'gone',
            failingSince: d.failing_since,
            nextProbeAt: null,
          });
      }
      if (ordered.length > 0) promoted = await settleOrdered(tx, ordered, args.now, channel);
      if (reports.size > 0) {
        const rows = await tx.run<CircuitRow>('endpoints_circuit_for_update', { ids: [...reports.keys()] });
        const steps = rows.map((row) => stepCircuit(row, reports.get(row.id) ?? [], policy, args.now));
        const [moved] = await tx.run<{ released: number }>('endpoints_circuit_set', {
          ids: steps.map((x) => x.row.id),
          states: steps.map((x) => x.row.circuit_state),
          failures: steps.map((x) => x.row.circuit_failures),
          opens: steps.map((x) => x.row.circuit_opens),
          next_probe_ats: steps.map((x) => x.row.circuit_next_probe_at),
          failing_sinces: steps.map((x) => x.row.failing_since),
          holds: steps.map((x) => x.hold),
          releases: steps.map((x) => x.release),
          disables: steps.map((x) => x.disable),
          now: args.now,
        });
        // A closed circuit makes its endpoint's due deliveries claimable, moved or not: a wake-up either way.
        released = (moved?.released ?? 0) > 0 || steps.some((x) => x.release);
        for (const x of steps) out.push(...x.transitions);
      }
      return out;
    },
    {
      idempotent: true,
      lock: merchants.length > 0 ? { exclusive: merchants.map((m) => c.endpointLock(m.merchant_id)) } : undefined,
    },
  );
  if (promoted.n > 0) c.wakeups.madeDue(promoted.notified > 0);
  else if (released) c.wakeups.madeDue(false);
  return transitions;
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

export async function deferEndpoint(c: PostgresCore, endpointId: string, pace: DeferralPace): Promise<number> {
  const [row] = await c.db.run<{ n: number; horizon: boolean }>(
    'endpoint_defer',
    { endpoint_id: endpointId, now: pace.now, step_ms: pace.stepMs, per_step: pace.perStep, steps: pace.steps },
    { idempotent: true },
  );
  // Rows left at the horizon: the endpoint's new deliveries wait there too (migration 0018).
  if (row.horizon)
    await c.db.run(
      'endpoint_paced_until_set',
      { id: endpointId, until: pace.now + pace.stepMs * pace.steps },
      { idempotent: true },
    );
  return row.n;
}

export async function undeferEndpoint(c: PostgresCore, endpointId: string, release: DeferralRelease): Promise<number> {
  // New deliveries are due at once again whatever the move finds (a closed circuit's, an enabled endpoint's).
  await c.db.run('endpoint_paced_until_clear', { id: endpointId }, { idempotent: true });
  const [row] = await c.db.run<{ n: number; notified: number }>(
    'endpoint_undefer',
    { endpoint_id: endpointId, now: release.now, until: release.until, channel: c.wakeups.channelForTransaction() },
    { idempotent: true },
  );
  if (row.n > 0) c.wakeups.madeDue(row.notified > 0);
  return row.n;
}

export async function nextDueAt(c: PostgresCore): Promise<number | null> {
  const [row] = await c.db.run<{ at: number | null }>('next_due', { now: Date.now() }, { idempotent: true });
  return row.at;
}

export async function queueStats(c: PostgresCore): Promise<QueueStats> {
  const [row] = await c.db.run<{ pending: number; oldest_due_at: number | null }>(
    'queue_stats',
    { now: Date.now() },
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
  if (row.status === 'pending' && row.lease_owner === null) {
    c.forgetClaimFloor(row.id);
    c.wakeups.madeDue(row.notified > 0);
  }
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
  if (row.n > 0) {
    c.forgetClaimFloor();
    c.wakeups.madeDue(row.notified > 0);
  }
  return row.n;
}

export async function countDeliveriesSince(
  c: PostgresCore,
  merchantId: string,
  since: number,
): Promise<DeliveryCounts> {
  const counts: DeliveryCounts = { pending: 0, succeeded: 0, failed: 0, cancelled: 0 };
  const rows = await c.db.run<{ status: keyof DeliveryCounts; n: number }>(
    'delivery_counts_since',
    { merchant_id: merchantId, since_id: idFloor('del', since) },
    { idempotent: true },
  );
  for (const r of rows) counts[r.status] = r.n;
  return counts;
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
