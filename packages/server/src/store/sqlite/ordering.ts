/**
 * Ordered delivery on SQLite (sql/ordering.sql): settling a keyed delivery's result (hold, promote the
 * next), skipping by hand, the sweep of parked deliveries, and what an endpoint's ordering change does.
 * Everything here runs inside the caller's transaction unless it says otherwise.
 */
import type { AttemptResult, EndpointPatch, SkipOutcome } from '../types.js';
import type { SqliteCore } from './core.js';
import { toDelivery, type DeliveryRow } from './rows.js';

/**
 * After results are applied (same transaction): a failed keyed delivery of a holding endpoint is
 * marked held, and the next delivery of each finished key, when parked, becomes due. Returns how many
 * became due.
 */
export function settleOrderedResults(c: SqliteCore, results: readonly AttemptResult[], now: number): number {
  let promoted = 0;
  for (const r of results) {
    if (!r.orderingKey || r.outcome === 'retry') continue;
    if (r.outcome === 'failed') c.stmt('ordering_hold').run({ id: r.deliveryId });
    promoted += c.stmt('ordering_promote').run({ id: r.deliveryId, now }).changes;
  }
  return promoted;
}

/** An endpoint's ordering settings changed (inside updateEndpoint's transaction). */
export function applyOrderingPatch(
  c: SqliteCore,
  endpointId: string,
  before: { ordered: boolean; orderingOnFailure: string },
  patch: EndpointPatch,
  now: number,
): void {
  const ordered = patch.ordered ?? before.ordered;
  const onFailure = patch.orderingOnFailure ?? before.orderingOnFailure;
  c.stmt('endpoint_ordering_set').run({ id: endpointId, ordered: ordered ? 1 : 0, ordering_on_failure: onFailure });
  if (before.ordered && !ordered) c.stmt('ordering_release_endpoint').run({ endpoint_id: endpointId, now });
  else if (before.orderingOnFailure === 'hold' && onFailure === 'skip') {
    c.stmt('ordering_release_held').run({ endpoint_id: endpointId });
    c.stmt('ordering_unpark_endpoint').run({ endpoint_id: endpointId, now });
  }
}

export async function skipDelivery(c: SqliteCore, merchantId: string, id: string, now: number): Promise<SkipOutcome> {
  const out = c.transaction(() => {
    const changed = c.stmt('delivery_skip').run({ merchant_id: merchantId, id, now }).changes > 0;
    const promoted = changed ? c.stmt('ordering_promote').run({ id, now }).changes : 0;
    const row = c.stmt('delivery_get').get({ merchant_id: merchantId, id }) as DeliveryRow | undefined;
    return { changed, promoted, row };
  });
  if (out.promoted > 0) c.notifyDue();
  if (!out.row) return null;
  return { skipped: out.changed, delivery: toDelivery(out.row) };
}

export async function unparkOrdered(c: SqliteCore, since: number, now: number): Promise<number> {
  const n = c.stmt('ordering_unpark').run({ since, now }).changes;
  if (n > 0) c.notifyDue();
  return n;
}
