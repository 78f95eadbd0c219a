/** Deliveries on SQLite: claims, attempt results, manual retries and recovery, reads and counts. */
import { circuitReports, DEFAULT_CIRCUIT_POLICY, stepCircuit, type CircuitRow } from '../circuit.js';
import { claimedDelivery, claimEndpoint, rateTolerance, type ClaimEndpoint, type EndpointColumns } from '../claimed.js';
import { decodeCursor, ID_MAX, toPage } from '../cursor.js';
import type {
  Attempt,
  AttemptResult,
  CircuitPolicy,
  CircuitState,
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
import { idFloor, type DeliveryId, type EndpointId, type EventId, type MerchantId } from '../../ids.js';
import type { SqliteCore } from './core.js';
import { settleOrderedResults } from './ordering.js';
import { toAttempt, toDelivery, type AttemptRow, type DeliveryRow } from './rows.js';

/**
 * A row of claim_select, read as an array: better-sqlite3 makes a row object property by property, which
 * measured ~6 µs of the ~20 µs a claimed row cost, and the endpoint's columns, the same on each of its
 * rows, are read once a claim (claim_endpoints). docs/performance.md, "The SQLite claim's rows".
 */
type ClaimTuple = [
  id: DeliveryId,
  eventId: EventId,
  eventType: string,
  attempts: number,
  endpointId: EndpointId,
  merchantId: MerchantId,
  orderingKey: string | null,
  body: string,
  eventCreatedAt: number,
  traceparent: string | null,
  rateLimit: number | null,
  rateTat: number,
  circuitState: CircuitState,
  circuitDirty: number,
];
const ID = 0;
const ENDPOINT = 4;
const RATE_LIMIT = 10;
const RATE_TAT = 11;
const CIRCUIT = 12;
const DIRTY = 13;

export async function claimDue(c: SqliteCore, o: ClaimOptions): Promise<ClaimedDelivery[]> {
  const burst = rateTolerance(o.rateBurst);
  let rateHeld = 0;
  let rateWait = 0;
  const out = c.transaction(() => {
    const rows = c
      .stmt('claim_select')
      .raw(true)
      .all({
        now: o.now,
        limit: o.limit,
        exclude: JSON.stringify(o.excludeEndpoints ?? []),
        burst,
      }) as ClaimTuple[];
    if (rows.length === 0) return [];
    const until = o.now + o.leaseMs;
    // Endpoints with a control on: their rate slots and probe are taken here, in claim order (the
    // same arithmetic as PostgreSQL's claim statement; one process owns a SQLite file).
    const controls = new Map<string, { tat: number; state: CircuitState; probe: number | null; held: number }>();
    const granted: ClaimTuple[] = [];
    for (const r of rows) {
      const rateLimit = r[RATE_LIMIT];
      if (rateLimit === null && r[CIRCUIT] === 'closed') {
        granted.push(r);
        continue;
      }
      let ctl = controls.get(r[ENDPOINT]);
      if (!ctl) {
        ctl = { tat: Math.max(Number(r[RATE_TAT]), o.now), state: r[CIRCUIT], probe: null, held: 0 };
        controls.set(r[ENDPOINT], ctl);
      }
      const interval = rateLimit === null ? 0 : 1000 / rateLimit;
      const circuitOk = ctl.state === 'closed' || ctl.probe === null;
      const rateOk = rateLimit === null || ctl.tat - o.now <= burst * interval;
      if (circuitOk && rateOk) {
        if (ctl.state !== 'closed') ctl.probe = until;
        if (rateLimit !== null) ctl.tat = Math.ceil(ctl.tat + interval);
        granted.push(r);
        continue;
      }
      // Not claimed, not an attempt. Behind a probe: left as it is (the endpoint check skips it while
      // the probe is out; its result releases or holds it). Over the rate: due again at its own slot.
      if (!circuitOk) continue;
      const at = Math.max(o.now + 1, Math.ceil(ctl.tat + ctl.held * interval - burst * interval));
      ctl.held++;
      rateHeld++;
      rateWait += at - o.now;
      c.stmt('delivery_hold').run({ id: r[ID], until: at });
    }
    for (const [id, ctl] of controls) {
      const first = rows.find((r) => r[ENDPOINT] === id)!;
      c.stmt('endpoint_claim_controls').run({
        id,
        rate_tat: first[RATE_LIMIT] === null ? Number(first[RATE_TAT]) : ctl.tat,
        circuit_state: ctl.probe !== null ? 'half_open' : ctl.state,
        circuit_next_probe_at: ctl.probe,
      });
    }
    if (granted.length === 0) return [];
    c.stmt('claim_mark').run({ ids: JSON.stringify(granted.map((r) => r[ID])), owner: o.owner, until });
    const ids = JSON.stringify([...new Set(granted.map((r) => r[ENDPOINT]))]);
    const endpoints = new Map<string, ClaimEndpoint>();
    for (const e of c.stmt('claim_endpoints').all({ ids }) as (EndpointColumns & { id: string })[])
      endpoints.set(e.id, claimEndpoint(e, c.box));
    // Every endpoint is there: the claim read it in this transaction.
    return granted.map((r) => {
      const [id, eventId, eventType, attempts, endpointId, merchantId, orderingKey, body, createdAt, traceparent] = r;
      return claimedDelivery(
        endpoints.get(endpointId)!,
        id,
        eventId,
        eventType,
        Number(createdAt),
        body,
        Number(attempts),
        endpointId,
        merchantId,
        traceparent,
        orderingKey,
        Boolean(r[DIRTY]),
      );
    });
  });
  if (rateHeld > 0) o.onRateLimited?.(rateHeld, rateWait);
  return out;
}

export async function recordResults(
  c: SqliteCore,
  results: AttemptResult[],
  policy: CircuitPolicy = DEFAULT_CIRCUIT_POLICY,
): Promise<EndpointTransition[]> {
  if (results.length === 0) return [];
  const now = Date.now();
  const transitions: EndpointTransition[] = [];
  let due = false;
  c.transaction(() => {
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
        const row = c.stmt('endpoint_circuit_get').get({ id: r.endpointId ?? endpointOf(c, r.deliveryId) }) as
          | SqliteCircuitRow
          | undefined;
        if (row && !row.disabled) {
          c.stmt('endpoint_disable').run({ id: row.id, reason: 'gone', now });
          c.moves.start(row.id, { kind: 'park' });
          transitions.push({
            kind: 'disabled',
            endpointId: row.id,
            merchantId: row.merchant_id,
            at: now,
            reason: 'gone',
            failingSince: row.failing_since,
            nextProbeAt: null,
          });
        }
      }
    }
    // Ordered keys move on first; a circuit that disables the endpoint below then parks what they made due.
    if (settleOrderedResults(c, results, now) > 0) due = true;
    for (const [endpointId, reports] of circuitReports(results)) {
      const raw = c.stmt('endpoint_circuit_get').get({ id: endpointId }) as SqliteCircuitRow | undefined;
      if (!raw) continue;
      const step = stepCircuit({ ...raw, disabled: Boolean(raw.disabled) }, reports, policy, now);
      c.stmt('endpoint_circuit_set').run(step.row);
      if (step.hold && step.row.circuit_next_probe_at !== null)
        c.moves.start(endpointId, { kind: 'hold', until: step.row.circuit_next_probe_at });
      // A closed circuit makes its endpoint's due deliveries claimable, moved or not: a wake-up either way.
      if (step.release) {
        // The release makes due what a pace put off too; new deliveries no longer wait at its horizon.
        c.stmt('endpoint_paced_until_clear').run({ id: endpointId });
        c.moves.start(endpointId, { kind: 'release', now });
        due = true;
      }
      if (step.disable) {
        c.stmt('endpoint_disable').run({ id: endpointId, reason: 'failing', now });
        c.moves.start(endpointId, { kind: 'park' });
      }
      transitions.push(...step.transitions);
    }
  });
  if (due) c.notifyDue();
  return transitions;
}

type SqliteCircuitRow = Omit<CircuitRow, 'disabled'> & { disabled: number };

function endpointOf(c: SqliteCore, deliveryId: string): string | undefined {
  return (c.stmt('delivery_endpoint').get({ id: deliveryId }) as { endpoint_id: string } | undefined)?.endpoint_id;
}

export async function releaseClaims(c: SqliteCore, owner: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  c.stmt('claims_release').run({ owner, ids: JSON.stringify(ids), now: Date.now() });
  c.notifyDue();
}

export async function deferEndpoint(c: SqliteCore, endpointId: string, pace: DeferralPace): Promise<number> {
  // A move in steps (endpoint-moves.ts): the count is its first step's; a larger backlog keeps moving after.
  return c.transaction(() => c.moves.start(endpointId, { kind: 'pace', ...pace }));
}

export async function undeferEndpoint(c: SqliteCore, endpointId: string, release: DeferralRelease): Promise<number> {
  // A move in steps, as the pace was; none while the endpoint's own state keeps its deliveries waiting.
  // New deliveries are due at once again in any case (a closed circuit's or an enabled endpoint's).
  const n = c.transaction(() => {
    c.stmt('endpoint_paced_until_clear').run({ id: endpointId });
    const row = c.stmt('endpoint_circuit_get').get({ id: endpointId }) as SqliteCircuitRow | undefined;
    if (!row || row.disabled || row.circuit_state !== 'closed') return 0;
    return c.moves.start(endpointId, { kind: 'unpace', ...release });
  });
  if (n > 0) c.notifyDue();
  return n;
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

export async function countDeliveriesSince(c: SqliteCore, merchantId: string, since: number): Promise<DeliveryCounts> {
  const counts: DeliveryCounts = { pending: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const r of c.stmt('delivery_counts_since').all({ merchant_id: merchantId, since_id: idFloor('del', since) }) as {
    status: keyof DeliveryCounts;
    n: number;
  }[]) {
    counts[r.status] = r.n;
  }
  return counts;
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
